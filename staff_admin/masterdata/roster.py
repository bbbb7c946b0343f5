"""The duty roster: who serves at which counter when. A week view per counter in the counter's
local time, adding and removing single shifts, and CSV/XLSX import (dry run, then all or nothing).

Shifts start and end on the same local day; overnight shifts are entered as two shifts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Counter, DutyShift, Employee, Unit
from portal.kernel.nip import NipError, parse_nip
from staff_admin import audit
from staff_admin.access import (
    ADMIN,
    HR,
    UNIT_HEAD,
    Principal,
    require_role,
    require_unit,
    unit_scope,
)
from staff_admin.kit.inputs import day_problem
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.kit.records import all_or_nothing, get_or_404
from staff_admin.kit.samples import Sample
from staff_admin.kit.tables import Row, read_table
from staff_admin.masterdata.counters import WEEKDAYS


@dataclass(frozen=True)
class ShiftRow:
    id: int
    employee_name: str
    nip: str
    start: str  # HH:MM local
    end: str


@dataclass(frozen=True)
class DayRow:
    day: date
    weekday: str  # msgid
    shifts: list[ShiftRow]


@dataclass(frozen=True)
class Option:
    id: int
    label: str


@dataclass
class RosterPage:
    counters: list[Option]
    counter: Option | None = None
    timezone: str = ""
    week_start: date | None = None
    days: list[DayRow] = field(default_factory=list)
    employees: list[Option] = field(default_factory=list)

    @property
    def previous_week(self) -> date | None:
        return self.week_start - timedelta(days=7) if self.week_start else None

    @property
    def next_week(self) -> date | None:
        return self.week_start + timedelta(days=7) if self.week_start else None


@dataclass(frozen=True)
class PlannedShift:
    row: int
    counter_id: int
    counter_name: str
    employee_id: int
    employee_name: str
    starts_at: datetime
    ends_at: datetime
    label: str  # "2026-03-02 08:00-12:00"


def _require(principal: Principal) -> None:
    require_role(principal, ADMIN, HR, UNIT_HEAD)


def counter_in_scope(session: Session, principal: Principal, counter_id: int) -> Counter:
    _require(principal)
    counter = get_or_404(session, Counter, counter_id)
    require_unit(principal, counter.unit_id)
    return counter


def _counter_options(session: Session, principal: Principal) -> list[Option]:
    rows = session.execute(
        select(Counter.id, Counter.name, Unit.name)
        .join(Unit, Unit.id == Counter.unit_id)
        .where(unit_scope(principal, Counter.unit_id))
        .order_by(Unit.name, Counter.name)
    ).all()
    return [Option(cid, f"{unit} · {name}") for cid, name, unit in rows]


def roster_page(
    session: Session, principal: Principal, counter_id: int | None, week: date | None
) -> RosterPage:
    _require(principal)
    page = RosterPage(_counter_options(session, principal))
    if counter_id is None:
        return page
    counter = counter_in_scope(session, principal, counter_id)
    zone = ZoneInfo(counter.timezone)
    today = week or datetime.now(zone).date()
    start = today - timedelta(days=today.weekday())
    first = datetime.combine(start, time(0), zone)
    last = datetime.combine(start + timedelta(days=7), time(0), zone)
    shifts = session.execute(
        select(DutyShift, Employee.name, Employee.nip)
        .join(Employee, Employee.id == DutyShift.employee_id)
        .where(DutyShift.counter_id == counter.id, DutyShift.starts_at < last, DutyShift.ends_at > first)
        .order_by(DutyShift.starts_at)
    ).all()
    by_day: dict[date, list[ShiftRow]] = {}
    for shift, name, nip in shifts:
        local_start, local_end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
        row = ShiftRow(shift.id, name, nip, f"{local_start:%H:%M}", f"{local_end:%H:%M}")
        by_day.setdefault(local_start.date(), []).append(row)
    page.counter = Option(counter.id, counter.name)
    page.timezone = counter.timezone
    page.week_start = start
    page.days = [
        DayRow(start + timedelta(days=i), WEEKDAYS[i], by_day.get(start + timedelta(days=i), []))
        for i in range(7)
    ]
    employees = session.execute(
        select(Employee.id, Employee.name, Employee.nip)
        .where(Employee.unit_id == counter.unit_id, Employee.active.is_(True))
        .order_by(Employee.name)
    ).all()
    page.employees = [Option(eid, f"{name} ({nip})") for eid, name, nip in employees]
    return page


def _parse_time(text: str) -> time | None:
    try:
        hours, minutes = text.strip().replace(".", ":").split(":")[:2]
        return time(int(hours), int(minutes))
    except (ValueError, OverflowError):  # "25:00", "x:y", or digits beyond any C integer
        return None


def _times(counter: Counter, values: dict[str, str], problems: list[Problem], row: int | None):
    day, why = day_problem(values["date"], "date", row)  # not a date, or beyond the days the portal knows
    start, end = _parse_time(values["start"]), _parse_time(values["end"])
    if why is not None:
        problems.append(why)
    if start is None:
        problems.append(Problem("start", N_("Write the time as HH:MM."), row=row))
    if end is None:
        problems.append(Problem("end", N_("Write the time as HH:MM."), row=row))
    if None in (day, start, end):
        return None
    if end <= start:
        problems.append(Problem("end", N_("The shift must end after it starts (on the same day)."), row=row))
        return None
    zone = ZoneInfo(counter.timezone)
    starts_at = datetime.combine(day, start, zone).astimezone(UTC)
    ends_at = datetime.combine(day, end, zone).astimezone(UTC)
    return starts_at, ends_at, f"{day.isoformat()} {start:%H:%M}-{end:%H:%M}"


def overlaps(session: Session, counter_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    clash = session.scalar(
        select(DutyShift.id).where(
            DutyShift.counter_id == counter_id, DutyShift.starts_at < ends_at, DutyShift.ends_at > starts_at
        )
    )
    return clash is not None


def add_shift(session: Session, principal: Principal, form: dict, now: datetime) -> int:
    values = {k: str(form.get(k, "")).strip() for k in ("counter_id", "employee_id", "date", "start", "end")}
    counter = counter_in_scope(session, principal, parse_id(values["counter_id"]) or 0)
    problems: list[Problem] = []
    employee = (
        session.get(Employee, employee_id) if (employee_id := parse_id(values["employee_id"])) else None
    )
    if employee is None or employee.unit_id != counter.unit_id or not employee.active:
        problems.append(Problem("employee_id", N_("Choose an active officer of the counter's unit.")))
    times = _times(counter, values, problems, None)
    if times and overlaps(session, counter.id, times[0], times[1]):
        problems.append(Problem("start", N_("Another shift at this counter overlaps this time.")))
    if problems:
        raise Invalid(*problems, values=values)
    shift = DutyShift(employee_id=employee.id, counter_id=counter.id, starts_at=times[0], ends_at=times[1])
    session.add(shift)
    session.flush()
    after = {"counter_id": counter.id, "employee_id": employee.id, "starts_at": times[0], "ends_at": times[1]}
    audit.record(session, principal, "shift.create", "duty_shift", shift.id, None, after, at=now)
    session.commit()
    return shift.id


def remove_shift(session: Session, principal: Principal, shift_id: int, now: datetime) -> tuple[int, date]:
    """Returns the counter and local day of the removed shift, to show its week again."""
    _require(principal)
    shift = get_or_404(session, DutyShift, shift_id)
    counter = counter_in_scope(session, principal, shift.counter_id)
    before = {"counter_id": counter.id, "employee_id": shift.employee_id, "starts_at": shift.starts_at,
              "ends_at": shift.ends_at}  # fmt: skip
    day = shift.starts_at.astimezone(ZoneInfo(counter.timezone)).date()
    session.delete(shift)
    audit.record(session, principal, "shift.delete", "duty_shift", shift_id, before, None, at=now)
    session.commit()
    return counter.id, day


def _import_counter(
    session: Session, principal: Principal, row: Row, problems: list[Problem]
) -> Counter | None:
    values = row.values
    counter = None
    if values.get("counter_id"):
        counter = session.get(Counter, counter_id) if (counter_id := parse_id(values["counter_id"])) else None
    elif values.get("counter") and values.get("unit_code"):
        counter = session.scalar(
            select(Counter).join(Unit, Unit.id == Counter.unit_id)
            .where(Counter.name == values["counter"], Unit.code == values["unit_code"])
        )  # fmt: skip
    else:
        problems.append(
            Problem("counter_id", N_("Give counter_id, or counter and unit_code."), row=row.number)
        )
        return None
    visible = counter is not None and (
        principal.sees_all_units or counter.unit_id in principal.visible_unit_ids
    )
    if not visible:
        column = "counter_id" if values.get("counter_id") else "counter"
        problems.append(Problem(column, N_("No such counter in your units."), row=row.number))
        return None
    return counter


def check_roster_file(
    session: Session, principal: Principal, filename: str, content: bytes
) -> tuple[list[PlannedShift], list[Problem]]:
    _require(principal)
    rows = read_table(filename, content, ("nip", "date", "start", "end"))
    planned: list[PlannedShift] = []
    problems: list[Problem] = []
    for row in rows:
        mine: list[Problem] = []
        counter = _import_counter(session, principal, row, mine)
        employee = None
        try:
            nip = parse_nip(row.values["nip"]).value
            employee = session.scalar(select(Employee).where(Employee.nip == nip))
            if employee is None or not employee.active or (counter and employee.unit_id != counter.unit_id):
                mine.append(
                    Problem(
                        "nip", N_("No active officer with this NIP in the counter's unit."), row=row.number
                    )
                )
        except NipError as error:
            mine.append(Problem("nip", str(error), row=row.number))
        times = _times(counter, row.values, mine, row.number) if counter else None
        if times and not mine:
            clash = overlaps(session, counter.id, times[0], times[1]) or any(
                p.counter_id == counter.id and p.starts_at < times[1] and p.ends_at > times[0]
                for p in planned
            )
            if clash:
                mine.append(
                    Problem("start", N_("Another shift at this counter overlaps this time."), row=row.number)
                )
        problems.extend(mine)
        if not mine:
            planned.append(
                PlannedShift(row.number, counter.id, counter.name, employee.id, employee.name, *times)
            )
    return planned, problems


def apply_roster_file(
    session: Session, principal: Principal, filename: str, content: bytes, now: datetime
) -> int:
    planned, problems = check_roster_file(session, principal, filename, content)
    if problems:
        raise Invalid(*problems)
    with all_or_nothing(session):
        for item in planned:
            shift = DutyShift(
                employee_id=item.employee_id,
                counter_id=item.counter_id,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
            )
            session.add(shift)
            session.flush()
            after = {
                "counter_id": item.counter_id,
                "employee_id": item.employee_id,
                "starts_at": item.starts_at,
            }
            audit.record(
                session, principal, "shift.create", "duty_shift", shift.id, None, after, note="import", at=now
            )
    return len(planned)


def import_sample(principal: Principal, today: date) -> Sample:
    """The roster import's template: its columns and a shift next Monday morning as the example."""
    _require(principal)
    next_monday = today + timedelta(days=7 - today.weekday())
    columns = ("counter", "unit_code", "nip", "date", "start", "end")
    example = ("Loket 1", "DUKCAPIL", "198503122010012001", next_monday.isoformat(), "08:00", "12:00")
    return Sample("roster", columns, example)
