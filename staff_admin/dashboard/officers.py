"""Who needs attention first: a unit's officers in the chosen run, sorted by concern.

1. below expectations (the SKP category of the run's stored result), then
2. a falling score: at least TREND_STEP points under the officer's score in the latest earlier
   comparable period (a run of about the same length that ended before this one began), then
3. the lowest officer items: the lower of the officer's U6 (competence) and U7 (behaviour) NRR.

Officers with too few usable ratings for a score are listed apart, with how many more they need: a
missing score is not a finding about the officer. Each officer is set against the unit's average
officer value (the mean of overall, U6 and U7 on the 25-100 scale over the unit's kept ratings, the
value scores are shrunk toward), and shows their own scores of the earlier periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Employee
from scoring.db.models import OfficerResult, ScoringRun
from scoring.skm import round_half_up
from staff_admin.dashboard.kept import average_officer_value, kept_sums, total
from staff_admin.dashboard.labels import CATEGORY_NAMES
from staff_admin.dashboard.results import ChosenRun

BELOW = "di_bawah_ekspektasi"
TREND_STEP = 2.0  # points on the 25-100 scale: smaller moves are "steady"
EARLIER_PERIODS = 3  # earlier comparable periods shown beside the current score
SAME_LENGTH_DAYS = 3  # months of 28 to 31 days compare with each other, not with a quarter


@dataclass(frozen=True)
class EarlierRun:
    run_id: int
    label: str  # the period as scored, e.g. 2026-02 or 2026-Q1
    month: date | None  # its first day when the period is one calendar month (shown by name)


@dataclass(frozen=True)
class HistoryPoint:
    period: EarlierRun
    score: float | None  # None: not scored then, or too few ratings for a score


@dataclass(frozen=True)
class OfficerFigure:
    employee_id: int
    name: str
    nip: str
    score: float | None
    score_low: float | None
    score_high: float | None
    score_adjusted: float | None  # for channel and counter mix; None on runs before it existed
    n_ratings: int
    n_excluded: int
    n_used: int
    sufficient: bool
    category: str
    category_name: str  # msgid
    u6: Decimal | None  # NRR of the officer's kept ratings, None when nobody answered
    u7: Decimal | None
    versus_unit: float | None  # score minus the unit's average officer value
    history: list[HistoryPoint]  # the earlier comparable periods, oldest first
    direction: str  # "falling", "rising", "steady", or "" without an earlier score
    more_needed: int  # usable ratings still missing for a score (0 once sufficient)


@dataclass(frozen=True)
class OfficerTable:
    unit_average: float | None
    ranked: list[OfficerFigure]  # with a score, by concern
    too_few: list[OfficerFigure]  # without a score yet, the closest to one first
    min_ratings: int | None
    earlier: list[EarlierRun]  # the earlier comparable periods, oldest first


def earlier_runs(session: Session, run: ChosenRun) -> list[EarlierRun]:
    """Up to EARLIER_PERIODS comparable runs before `run`, oldest first."""
    length = (run.end - run.start).days
    candidates = session.execute(
        select(ScoringRun.id, ScoringRun.period_label, ScoringRun.period_start, ScoringRun.period_end)
        .where(ScoringRun.period_end < run.start)
        .order_by(ScoringRun.period_end.desc(), ScoringRun.id.desc())
    )
    chosen: list[EarlierRun] = []
    for run_id, label, start, end in candidates:
        if abs((end - start).days - length) <= SAME_LENGTH_DAYS:
            one_month = start.day == 1 and (end + timedelta(days=1)).day == 1 and start.month == end.month
            chosen.append(EarlierRun(run_id, label, start if one_month else None))
            if len(chosen) == EARLIER_PERIODS:
                break
    return chosen[::-1]


def direction(history: list[HistoryPoint], score: float | None) -> str:
    previous = next((point.score for point in reversed(history) if point.score is not None), None)
    if score is None or previous is None:
        return ""
    if score <= previous - TREND_STEP:
        return "falling"
    if score >= previous + TREND_STEP:
        return "rising"
    return "steady"


def concern(officer: OfficerFigure) -> tuple[bool, bool, Decimal, float, str]:
    """Sort key: below expectations, then falling, then the lowest of U6/U7, then the score."""
    items = [value for value in (officer.u6, officer.u7) if value is not None]
    return (
        officer.category != BELOW,
        officer.direction != "falling",
        min(items) if items else Decimal(5),
        officer.score if officer.score is not None else 101.0,
        officer.name,
    )


def officer_table(session: Session, run: ChosenRun, unit_id: int) -> OfficerTable:
    items = kept_sums(session, run, "employee", lambda dims: [dims["unit"] == unit_id])
    average = average_officer_value(total(items.values()))
    unit_average = None if average is None else float(round_half_up(average, 2))
    earlier = earlier_runs(session, run)
    past: dict[int, dict[int, float | None]] = {}
    if earlier:
        for run_id, employee_id, score, sufficient in session.execute(
            select(
                OfficerResult.run_id, OfficerResult.employee_id, OfficerResult.score, OfficerResult.sufficient
            ).where(
                OfficerResult.run_id.in_([period.run_id for period in earlier]),
                OfficerResult.unit_id == unit_id,
            )
        ):
            past.setdefault(employee_id, {})[run_id] = score if sufficient else None
    rows = session.execute(
        select(OfficerResult, Employee.name, Employee.nip)
        .join(Employee, Employee.id == OfficerResult.employee_id)
        .where(OfficerResult.run_id == run.run_id, OfficerResult.unit_id == unit_id)
        .order_by(Employee.name, Employee.id)
    )
    officers = []
    for result, name, nip in rows:
        sums = items.get(result.employee_id)
        u6, u7 = (sums.nrr(code) if sums else None for code in ("u6", "u7"))
        history = [
            HistoryPoint(period, past.get(result.employee_id, {}).get(period.run_id)) for period in earlier
        ]
        score = result.score if result.sufficient else None
        officers.append(
            OfficerFigure(
                employee_id=result.employee_id,
                name=name,
                nip=nip,
                score=result.score,
                score_low=result.score_low,
                score_high=result.score_high,
                score_adjusted=result.score_adjusted,
                n_ratings=result.n_ratings,
                n_excluded=result.n_excluded,
                n_used=result.n_used,
                sufficient=result.sufficient,
                category=result.category,
                category_name=CATEGORY_NAMES.get(result.category, result.category),
                u6=None if u6 is None else round_half_up(u6, 2),
                u7=None if u7 is None else round_half_up(u7, 2),
                versus_unit=None
                if score is None or unit_average is None
                else float(round_half_up(score - unit_average, 2)),
                history=history,
                direction=direction(history, score),
                more_needed=0
                if result.sufficient or run.min_ratings is None
                else max(run.min_ratings - result.n_used, 0),
            )
        )
    ranked = sorted((o for o in officers if o.sufficient), key=concern)
    too_few = sorted((o for o in officers if not o.sufficient), key=lambda o: (o.more_needed, o.name))
    return OfficerTable(unit_average, ranked, too_few, run.min_ratings, earlier)
