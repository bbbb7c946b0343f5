"""People served per month, the N of a report's sample target: what the unit's queue machines issued
(read from the tickets), and the volume the unit head enters from the unit's own register for months
without tickets (scoring.db.served decides which counts). A unit head (their units) or an admin
enters; HR reads. Entering is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Unit
from scoring.db.models import ServiceVolume
from scoring.db.served import MonthServed, month_start, next_month, people_served
from scoring.periods import Period
from staff_admin import audit
from staff_admin.access import ADMIN, HR, UNIT_HEAD, NotFound, Principal, require_role, require_unit
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.reports.service import UnitOption, unit_options

ENTER_ROLES = (ADMIN, UNIT_HEAD)
MONTHS_SHOWN = 12
MAX_PEOPLE = 10_000_000
VOLUME_FIELDS = ("unit", "month", "people")


@dataclass(frozen=True)
class VolumePage:
    units: list[UnitOption]
    unit_id: int | None
    unit_name: str
    months: list[MonthServed]  # the latest first
    may_enter: bool
    this_month: str  # YYYY-MM, the form's default


def _months_back(today: date, count: int) -> date:
    month = month_start(today)
    for _ in range(count - 1):
        month = month_start(month - timedelta(days=1))
    return month


def volume_page(
    session: Session, principal: Principal, unit_text: str | None, now: datetime, tz: str
) -> VolumePage:
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    units = unit_options(session, principal)
    unit_id = parse_id(unit_text) if unit_text else principal.unit_id or (units[0].id if units else None)
    if unit_text and unit_id is None:
        raise NotFound(f"unit {unit_text[:20]!r}")
    today = now.astimezone(ZoneInfo(tz)).date()
    previous = month_start(month_start(today) - timedelta(days=1))
    if unit_id is None:
        return VolumePage(units, None, "", [], False, previous.strftime("%Y-%m"))
    require_unit(principal, unit_id)
    name = session.scalar(select(Unit.name).where(Unit.id == unit_id))
    if name is None:
        raise NotFound(f"unit {unit_id}")
    period = Period(_months_back(today, MONTHS_SHOWN), next_month(today) - timedelta(days=1), "")
    served = people_served(session, period, tz, today, [unit_id])[unit_id]
    return VolumePage(
        units,
        unit_id,
        name,
        list(served.months)[::-1],
        principal.role in ENTER_ROLES,
        previous.strftime("%Y-%m"),
    )


def enter_volume(
    session: Session, principal: Principal, values: Mapping[str, str], now: datetime, tz: str
) -> int:
    """Stores (or corrects) a month's volume; returns the unit id. Raises Invalid with what to fix."""
    require_role(principal, *ENTER_ROLES)
    unit_id = parse_id(values.get("unit", ""))
    if unit_id is None or session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {values.get('unit', '')[:20]!r}")
    require_unit(principal, unit_id)
    problems: list[Problem] = []
    today = now.astimezone(ZoneInfo(tz)).date()
    month = None
    try:
        month = date.fromisoformat(values.get("month", "").strip() + "-01")
    except ValueError:
        problems.append(Problem("month", N_("Write the month as YYYY-MM, e.g. 2026-03.")))
    if month is not None and not date(2000, 1, 1) <= month <= today:
        problems.append(Problem("month", N_("Choose a month that has begun, from 2000 on.")))
    raw = values.get("people", "").strip().replace(".", "").replace(",", "")
    people = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    if people is None or people > MAX_PEOPLE:
        problems.append(Problem("people", N_("Write the number of people served as a whole number.")))
    if problems:
        raise Invalid(*problems, values={k: values.get(k, "") for k in VOLUME_FIELDS})
    assert month is not None and people is not None
    row = session.get(ServiceVolume, (unit_id, month))
    before = None if row is None else {"people": row.people}
    if row is None:
        row = ServiceVolume(unit_id=unit_id, month=month)
        session.add(row)
    row.people, row.entered_by_user_id, row.entered_at = people, principal.user_id, now
    after = {"unit_id": unit_id, "month": month.strftime("%Y-%m"), "people": people}
    audit.record(
        session,
        principal,
        "volume.enter",
        "service_volume",
        f"{unit_id}:{month:%Y-%m}",
        before,
        after,
        at=now,
    )
    session.commit()
    return unit_id
