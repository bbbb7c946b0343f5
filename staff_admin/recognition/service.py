"""Recognition and development lists per closed period (HR, admin), the officers' evidence sheets
("bukti dukung" for the SKP in e-Kinerja: HR and admins all, a unit head their units' officers, an
officer their own), and the officer's own signals in plain words for /admin/me."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from staff_admin.access import (
    ADMIN,
    HR,
    OFFICER,
    UNIT_HEAD,
    NotFound,
    Principal,
    can_see_employee,
    require_role,
)
from staff_admin.dashboard.labels import CATEGORY_NAMES
from staff_admin.kit.listing import local_time
from staff_admin.periods.models import ScoringPeriod
from staff_admin.recognition import rules
from staff_admin.recognition.standings import OfficerStanding, standings

IKI_CATEGORY_NAMES = {
    "sangat_baik": N_("Very good (Sangat Baik)"),
    "baik": N_("Good (Baik)"),
    "cukup": N_("Fair (Cukup)"),
    "kurang": N_("Poor (Kurang)"),
    "sangat_kurang": N_("Very poor (Sangat Kurang)"),
}
TRAINING_NAMES = {
    "pelatihan_teknis": N_("technical training on the service"),
    "pelatihan_pelayanan_prima": N_("service-excellence training"),
}
OWN_PERIODS = 6  # the officer's latest closed periods on their own page
ELEMENT_NAMES = {"u6": N_("U6 competence of the officer"), "u7": N_("U7 behaviour of the officer")}
LABELS = {  # msgids for the templates
    "categories": CATEGORY_NAMES,
    "iki": IKI_CATEGORY_NAMES,
    "training": TRAINING_NAMES,
    "elements": ELEMENT_NAMES,
}


@dataclass(frozen=True)
class ClosedPeriod:
    id: int
    label: str
    start: date
    end: date


@dataclass(frozen=True)
class RecognitionPage:
    periods: list[ClosedPeriod]
    period: ClosedPeriod | None
    recognised: list[OfficerStanding]  # above expectations, the longest held first
    development: list[OfficerStanding]  # persistently weak officer items, the weakest first
    officers: int  # officers with results in the period
    insufficient: int  # of those, too few ratings: never on either list
    sustained_periods: int = rules.SUSTAINED_PERIODS
    item_min_answers: int = rules.ITEM_MIN_ANSWERS


@dataclass(frozen=True)
class EvidenceSheet:
    period: ClosedPeriod
    closed_on: date | None
    detector_version: str | None
    input_hash: str | None
    nip: str
    name: str
    rows: list[OfficerStanding]  # normally one: the officer's unit in the period
    check_url: str  # where the officer (or HR) sees the full record
    export_name: str  # the HR export file of the period, which carries the same numbers
    sustained_periods: int = rules.SUSTAINED_PERIODS


@dataclass(frozen=True)
class EvidenceList:
    periods: list[ClosedPeriod]
    period: ClosedPeriod | None
    officers: list[OfficerStanding]
    may_zip: bool


@dataclass(frozen=True)
class OwnSignals:
    period: ClosedPeriod
    row: OfficerStanding


def closed_periods(session: Session) -> list[ClosedPeriod]:
    rows = session.scalars(
        select(ScoringPeriod)
        .where(ScoringPeriod.status == "closed")
        .order_by(ScoringPeriod.end_date.desc(), ScoringPeriod.start_date.desc())
    )
    return [ClosedPeriod(p.id, p.label, p.start_date, p.end_date) for p in rows]


def _closed(session: Session, period_id: int | None) -> ScoringPeriod:
    period = session.get(ScoringPeriod, period_id) if period_id is not None else None
    if period is None or period.status != "closed":
        raise NotFound(f"closed period {period_id}")
    return period


def _choose(session: Session, text: str | None) -> tuple[list[ClosedPeriod], ScoringPeriod | None]:
    periods = closed_periods(session)
    if text:
        return periods, _closed(session, parse_id(text))
    return periods, session.get(ScoringPeriod, periods[0].id) if periods else None


def _view(period: ScoringPeriod) -> ClosedPeriod:
    return ClosedPeriod(period.id, period.label, period.start_date, period.end_date)


def recognition_page(session: Session, principal: Principal, period_text: str | None) -> RecognitionPage:
    require_role(principal, ADMIN, HR)
    periods, period = _choose(session, period_text)
    if period is None:
        return RecognitionPage(periods, None, [], [], 0, 0)
    rows = standings(session, period)
    recognised = [
        r for r in rows if r.signals.recognition in (rules.RECOGNITION, rules.RECOGNITION_SUSTAINED)
    ]
    recognised.sort(key=lambda r: (-r.signals.recognition_periods, -(r.score_low or 0), r.name))
    development = [r for r in rows if r.signals.development_element is not None]
    development.sort(key=lambda r: (getattr(r, r.signals.development_element or "u6") or 0, r.name))
    insufficient = sum(not r.sufficient for r in rows)
    return RecognitionPage(periods, _view(period), recognised, development, len(rows), insufficient)


def evidence_list(session: Session, principal: Principal, period_text: str | None) -> EvidenceList:
    """The officers whose sheets the principal may download (HR, admin: all; a unit head: their units)."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    periods, period = _choose(session, period_text)
    if period is None:
        return EvidenceList(periods, None, [], principal.sees_all_units)
    rows = [r for r in standings(session, period) if can_see_employee(principal, r.employee_id, r.unit_id)]
    return EvidenceList(periods, _view(period), rows, principal.sees_all_units)


def _sheet(period: ScoringPeriod, rows: list[OfficerStanding], base_url: str, timezone: str) -> EvidenceSheet:
    return EvidenceSheet(
        period=_view(period),
        closed_on=local_time(period.closed_at, timezone).date() if period.closed_at else None,
        detector_version=period.detector_version,
        input_hash=period.input_hash,
        nip=rows[0].nip,
        name=rows[0].name,
        rows=rows,
        check_url=f"{base_url}/admin/me",
        export_name="scores_" + period.label.replace("..", "_to_").replace("/", "-"),
    )


def evidence_sheet(
    session: Session, principal: Principal, period_id: int, employee_id: int, base_url: str, timezone: str
) -> EvidenceSheet:
    """One officer's sheet of a closed period; anything the principal may not see is "not found"."""
    require_role(principal, ADMIN, HR, UNIT_HEAD, OFFICER)
    period = _closed(session, period_id)
    rows = [
        r
        for r in standings(session, period, employee_id)
        if can_see_employee(principal, r.employee_id, r.unit_id)
    ]
    if not rows:
        raise NotFound(f"evidence of employee {employee_id}")
    return _sheet(period, rows, base_url, timezone)


def all_evidence_sheets(
    session: Session, principal: Principal, period_id: int, base_url: str, timezone: str
) -> list[EvidenceSheet]:
    """Every officer's sheet of a closed period, for HR's ZIP (one file per NIP)."""
    require_role(principal, ADMIN, HR)
    period = _closed(session, period_id)
    by_employee: dict[int, list[OfficerStanding]] = {}
    for row in standings(session, period):
        by_employee.setdefault(row.employee_id, []).append(row)
    sheets = [_sheet(period, rows, base_url, timezone) for rows in by_employee.values()]
    return sorted(sheets, key=lambda sheet: sheet.nip)


def own_signals(session: Session, principal: Principal) -> list[OwnSignals]:
    """The officer's results in every closed period, the latest first, for their own page."""
    require_role(principal, OFFICER)
    if principal.employee_id is None:
        return []
    out = []
    for view in closed_periods(session)[:OWN_PERIODS]:
        period = session.get(ScoringPeriod, view.id)
        out += [OwnSignals(view, row) for row in standings(session, period, principal.employee_id)]
    return out
