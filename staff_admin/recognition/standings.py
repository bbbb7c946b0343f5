"""A closed period's officers as frozen at closing, with what follows from them: recognition and
development (staff_admin.recognition.rules), the IKI against the officer's target (scoring.iki) and the
unit's IKM against its annual target. The HR export, the recognition page, the evidence sheets and the
officer's own page all read these rows, so they always agree.

Everything comes from closed periods: the pinned run's results (officer_results, unit_results), the
snapshot of names, NIPs and units, and the officer items kept at closing. No access checks here: the
callers (staff_admin.recognition.service, the HR export) check who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from scoring.db.models import OfficerResult, UnitResult
from scoring.iki import DEFAULT_TARGET, IkiValue, iki
from scoring.skm import round_half_up
from staff_admin.periods.models import PeriodSnapshotRow, ScoringPeriod
from staff_admin.recognition.rules import INSUFFICIENT, Item, Signals, Standing, comparable, signals
from staff_admin.targets.service import officer_targets, unit_target

EARLIEST_CHAIN = 12  # consecutive earlier closed periods looked at for a streak


@dataclass(frozen=True)
class OfficerStanding:
    employee_id: int
    unit_id: int
    nip: str
    name: str
    unit_code: str
    unit_name: str
    n_ratings: int
    n_excluded: int
    n_used: int
    score: float | None  # None when not sufficient: never a bare number below the minimum
    score_low: float | None
    score_high: float | None
    sufficient: bool
    category: str  # as scoring.aggregate names it
    u6: Decimal | None  # the officer's NRR of the item (1-4, 2 decimals); None without items
    u6_answers: int
    u7: Decimal | None
    u7_answers: int
    unit_u6: Decimal | None  # the unit's NRR of the item in the same run
    unit_u7: Decimal | None
    unit_ikm: float | None
    unit_grade: str | None
    signals: Signals
    iki_target: Decimal
    iki: IkiValue | None  # None when the score is not sufficient
    unit_ikm_target: Decimal | None
    unit_ikm_achievement: Decimal | None  # unit IKM / target, percent


def _nrr(total: int | None, count: int | None) -> Decimal | None:
    if not count or total is None:
        return None
    return round_half_up(Fraction(total, count), 2)


def _stored(value: float | None) -> Decimal | None:
    return None if value is None else round_half_up(value, 2)


def _standing(result: OfficerResult, snapshot: PeriodSnapshotRow) -> Standing:
    items_kept = snapshot.u6_count is not None
    return Standing(
        sufficient=bool(result.sufficient),
        category=result.category,
        u6=Item(snapshot.u6_sum or 0, snapshot.u6_count or 0) if items_kept else None,
        u7=Item(snapshot.u7_sum or 0, snapshot.u7_count or 0) if items_kept else None,
    )


def _rows(session: Session, period: ScoringPeriod, employee_id: int | None = None) -> list:
    unit_result = aliased(UnitResult)
    query = (
        select(OfficerResult, PeriodSnapshotRow, unit_result)
        .join(
            PeriodSnapshotRow,
            (PeriodSnapshotRow.period_id == period.id)
            & (PeriodSnapshotRow.employee_id == OfficerResult.employee_id)
            & (PeriodSnapshotRow.unit_id == OfficerResult.unit_id),
        )
        .outerjoin(
            unit_result,
            (unit_result.run_id == OfficerResult.run_id) & (unit_result.unit_id == OfficerResult.unit_id),
        )
        .where(OfficerResult.run_id == period.scoring_run_id)
        .order_by(PeriodSnapshotRow.unit_code, PeriodSnapshotRow.name, PeriodSnapshotRow.nip)
    )
    if employee_id is not None:
        query = query.where(OfficerResult.employee_id == employee_id)
    return session.execute(query).all()


def earlier_chain(session: Session, period: ScoringPeriod) -> list[ScoringPeriod]:
    """The consecutive comparable closed periods right before `period`, the latest first."""
    candidates = session.scalars(
        select(ScoringPeriod)
        .where(ScoringPeriod.status == "closed", ScoringPeriod.end_date < period.start_date)
        .order_by(ScoringPeriod.end_date.desc(), ScoringPeriod.start_date.desc())
    )
    chain: list[ScoringPeriod] = []
    cursor = (period.start_date, period.end_date)
    for candidate in candidates:
        if len(chain) == EARLIEST_CHAIN or candidate.end_date < date.fromordinal(cursor[0].toordinal() - 1):
            break  # a gap: the streak cannot go on past it
        if comparable((candidate.start_date, candidate.end_date), cursor):
            chain.append(candidate)
            cursor = (candidate.start_date, candidate.end_date)
    return chain


def standings(
    session: Session, period: ScoringPeriod, employee_id: int | None = None
) -> list[OfficerStanding]:
    """Every officer and unit of the closed `period` (or one officer's), sorted by unit code, name, NIP."""
    if period.status != "closed" or period.scoring_run_id is None:
        return []
    rows = _rows(session, period, employee_id)
    if not rows:
        return []
    before: list[dict[tuple[int, int], Standing]] = [
        {(r.employee_id, r.unit_id): _standing(r, s) for r, s, _u in _rows(session, earlier, employee_id)}
        for earlier in earlier_chain(session, period)
    ]
    year = period.start_date.year
    own_targets = officer_targets(session, year)
    unit_targets: dict[int, Decimal | None] = {}
    out = []
    for result, snapshot, unit in rows:
        key = (result.employee_id, result.unit_id)
        sufficient = bool(result.sufficient)
        if result.unit_id not in unit_targets:
            unit_targets[result.unit_id] = unit_target(session, result.unit_id, year)
        target = unit_targets[result.unit_id]
        ikm = unit.ikm if unit is not None else None
        iki_target = own_targets.get(result.unit_id, DEFAULT_TARGET)
        out.append(
            OfficerStanding(
                employee_id=result.employee_id,
                unit_id=result.unit_id,
                nip=snapshot.nip,
                name=snapshot.name,
                unit_code=snapshot.unit_code,
                unit_name=snapshot.unit_name,
                n_ratings=result.n_ratings,
                n_excluded=result.n_excluded,
                n_used=result.n_used,
                score=result.score if sufficient else None,
                score_low=result.score_low if sufficient else None,
                score_high=result.score_high if sufficient else None,
                sufficient=sufficient,
                category=result.category if sufficient else "insufficient",
                u6=_nrr(snapshot.u6_sum, snapshot.u6_count),
                u6_answers=snapshot.u6_count or 0,
                u7=_nrr(snapshot.u7_sum, snapshot.u7_count),
                u7_answers=snapshot.u7_count or 0,
                unit_u6=_stored(unit.nrr_u6) if unit is not None else None,
                unit_u7=_stored(unit.nrr_u7) if unit is not None else None,
                unit_ikm=ikm,
                unit_grade=unit.mutu if unit is not None else None,
                signals=signals(_standing(result, snapshot), [chain.get(key) for chain in before]),
                iki_target=iki_target,
                iki=iki(round_half_up(result.score, 2), iki_target)
                if sufficient and result.score is not None
                else None,
                unit_ikm_target=target,
                unit_ikm_achievement=round_half_up(Fraction(str(ikm)) / Fraction(target) * 100, 2)
                if ikm is not None and target
                else None,
            )
        )
    return out


EXPORT_COLUMNS = (
    "officer_u6",
    "officer_u7",
    "recognition",
    "recognition_periods",
    "development",
    "development_element",
    "iki_target",
    "iki_realisation",
    "iki_achievement",
    "iki_category",
    "iki_value",
    "unit_ikm_target",
    "unit_ikm_achievement",
)
EXPORT_DECIMALS = frozenset(
    {
        "officer_u6",
        "officer_u7",
        "iki_target",
        "iki_realisation",
        "iki_achievement",
        "iki_value",
        "unit_ikm_target",
        "unit_ikm_achievement",
    }
)


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def export_cells(row: OfficerStanding) -> dict[str, object]:
    """The HR export's recognition, development, IKI and target columns of one officer (codes in
    Indonesian like the export's other enumerations; numbers as numbers, empty when unknown)."""
    return {
        "officer_u6": _number(row.u6),
        "officer_u7": _number(row.u7),
        "recognition": row.signals.recognition,
        "recognition_periods": row.signals.recognition_periods,
        "development": row.signals.development,
        "development_element": row.signals.development_element,
        "iki_target": _number(row.iki_target),
        "iki_realisation": _number(row.iki and round_half_up(row.score or 0, 2)),
        "iki_achievement": _number(row.iki and row.iki.achievement),
        "iki_category": row.iki.category if row.iki else INSUFFICIENT,
        "iki_value": _number(row.iki and row.iki.value),
        "unit_ikm_target": _number(row.unit_ikm_target),
        "unit_ikm_achievement": _number(row.unit_ikm_achievement),
    }
