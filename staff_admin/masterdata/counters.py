"""Counters (admin; unit heads for their own units): name, unit, time zone, opening hours, and
the QR token, which can be rotated so that old printed codes stop working."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.hours import validate_opening_hours
from portal.kernel.models import Counter, Unit, new_public_token
from staff_admin import audit
from staff_admin.access import ADMIN, UNIT_HEAD, Principal, require_role, require_unit, unit_scope
from staff_admin.kit.inputs import control_character_problems
from staff_admin.kit.listing import local_time
from staff_admin.kit.problems import Invalid, Problem, invalid
from staff_admin.kit.records import create_or_update, get_or_404
from staff_admin.service import UnitRow, visible_units

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
_INTERVAL = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*-\s*(\d{1,2}[:.]\d{2})\s*$")


@dataclass(frozen=True)
class CounterRow:
    id: int
    name: str
    unit_id: int
    unit_name: str
    timezone: str
    active: bool
    token: str


@dataclass(frozen=True)
class CounterForm:
    id: int | None
    values: dict[str, str]
    units: list[UnitRow]
    token: str | None
    token_rotated_at: datetime | None  # in the counter's time zone
    weekdays: tuple[str, ...] = WEEKDAYS


def _require_counters(principal: Principal) -> None:
    require_role(principal, ADMIN, UNIT_HEAD)


def list_counters(session: Session, principal: Principal) -> list[CounterRow]:
    _require_counters(principal)
    rows = session.execute(
        select(Counter, Unit.name)
        .join(Unit, Unit.id == Counter.unit_id)
        .where(unit_scope(principal, Counter.unit_id))
        .order_by(Unit.name, Counter.name)
    ).all()
    return [CounterRow(c.id, c.name, c.unit_id, u, c.timezone, c.active, c.public_token) for c, u in rows]


def get_counter(session: Session, principal: Principal, counter_id: int) -> Counter:
    _require_counters(principal)
    counter = get_or_404(session, Counter, counter_id)
    require_unit(principal, counter.unit_id)
    return counter


def hours_text(intervals: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals)


def counter_form(session: Session, principal: Principal, counter_id: int | None) -> CounterForm:
    _require_counters(principal)
    units = visible_units(session, principal)
    if counter_id is None:
        values = {"name": "", "unit_id": "", "timezone": "Asia/Jakarta", "active": "yes"}
        values |= {f"hours_{day}": "08:00-15:00" if day < 5 else "" for day in range(7)}
        return CounterForm(None, values, units, None, None)
    counter = get_counter(session, principal, counter_id)
    values = {
        "name": counter.name,
        "unit_id": str(counter.unit_id),
        "timezone": counter.timezone,
        "active": "yes" if counter.active else "",
    }
    values |= {f"hours_{day}": hours_text(counter.opening_hours.get(str(day), [])) for day in range(7)}
    rotated = counter.token_rotated_at
    rotated_local = local_time(rotated, counter.timezone) if rotated else None  # as its opening hours
    return CounterForm(counter.id, values, units, counter.public_token, rotated_local)


def _parse_hours(values: dict[str, str], problems: list[Problem]) -> dict:
    hours: dict[str, list[list[str]]] = {}
    for day in range(7):
        text = values.get(f"hours_{day}", "").strip()
        if not text:
            continue
        intervals = []
        for part in text.split(","):
            match = _INTERVAL.match(part)
            if not match:
                problems.append(
                    Problem(f"hours_{day}", N_("Write hours as 08:00-15:00, several separated by commas."))
                )
                break
            intervals.append([match.group(1).replace(".", ":"), match.group(2).replace(".", ":")])
        hours[str(day)] = intervals
    try:
        return validate_opening_hours(hours)
    except ValueError:
        problems.append(
            Problem("hours", N_("Opening hours must be real times, each closing after it opens."))
        )
        return {}


def save_counter(
    session: Session, principal: Principal, counter_id: int | None, form: dict, now: datetime
) -> int:
    _require_counters(principal)
    keys = ("name", "unit_id", "timezone", "active", *(f"hours_{d}" for d in range(7)))
    values = {key: str(form.get(key, "")).strip() for key in keys}
    counter = get_counter(session, principal, counter_id) if counter_id is not None else None
    problems = control_character_problems({"name": values["name"]})
    if not values["name"] or len(values["name"]) > 120:
        problems.append(Problem("name", N_("A name is required (at most 120 characters).")))
    unit_id = parse_id(values["unit_id"])
    visible = {row.id for row in visible_units(session, principal)}
    if unit_id not in visible:
        problems.append(Problem("unit_id", N_("Choose one of your units.")))
    try:
        ZoneInfo(values["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "timezone", N_("Choose a time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura.")
            )
        )
    hours = _parse_hours(values, problems)
    if problems:
        raise Invalid(*problems, values=values)
    fields = {
        "name": values["name"],
        "unit_id": unit_id,
        "timezone": values["timezone"],
        "opening_hours": hours,
        "active": values["active"] == "yes",
    }
    counter = create_or_update(session, principal, Counter, counter, fields, "counter", now)
    session.commit()
    return counter.id


def rotate_token(
    session: Session, principal: Principal, counter_id: int, confirmed: bool, now: datetime
) -> None:
    """A new QR token: every printed poster and saved link of the old one stops working."""
    counter = get_counter(session, principal, counter_id)
    if not confirmed:
        raise invalid("confirm", N_("Tick the box to confirm that the old QR code should stop working."))
    old = counter.public_token
    counter.public_token, counter.token_rotated_at = new_public_token(), now
    # The tokens are credentials of a kind: the audit keeps only their beginning.
    before, after = {"token_prefix": old[:6]}, {"token_prefix": counter.public_token[:6]}
    audit.record(session, principal, "counter.rotate_token", "counter", counter.id, before, after, at=now)
    session.commit()
