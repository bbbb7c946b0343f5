"""Rosters that repeat from week to week: copy last week's shifts of a counter into the shown week, or
repeat the shown week's shifts for the next 1-12 weeks. Shifts keep their weekday and local times (in
the counter's time zone, so a change of UTC offset moves nothing); a shift that would overlap one
already there, or whose officer has left the counter's unit or is inactive, is skipped and reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.models import Counter, DutyShift, Employee
from scoring.periods import FIRST_DAY, LAST_DAY
from staff_admin import audit
from staff_admin.access import Principal
from staff_admin.kit.inputs import DAY_RANGE, DAY_RANGE_PARAMS
from staff_admin.kit.problems import Invalid, Problem, invalid
from staff_admin.kit.records import all_or_nothing
from staff_admin.masterdata.roster import counter_in_scope, overlaps  # the roster's own checks

MAX_REPEAT_WEEKS = 12
OVERLAP = N_("Another shift at this counter overlaps this time.")
OFFICER_GONE = N_("The officer is no longer active in the counter's unit.")


@dataclass(frozen=True)
class CopiedShift:
    day: date
    start: str  # HH:MM local
    end: str
    employee_name: str
    reason: str | None = None  # why it was skipped (a msgid); None: copied


@dataclass
class CopyReport:
    source_week: date
    weeks: list[date]  # the Mondays copied into
    copied: list[CopiedShift] = field(default_factory=list)
    skipped: list[CopiedShift] = field(default_factory=list)


def monday(day: date) -> date:
    """The Monday of the week of `day`; Invalid for a week not wholly within the days the portal
    knows (FIRST_DAY..LAST_DAY: the year 9999 has no next week to copy into)."""
    start = day - timedelta(days=day.weekday())
    if not FIRST_DAY <= start <= LAST_DAY - timedelta(days=6):
        raise Invalid(Problem("week", DAY_RANGE, dict(DAY_RANGE_PARAMS)))
    return start


def copy_last_week(
    session: Session, principal: Principal, counter_id: int, week: date, now: datetime
) -> CopyReport:
    """The previous week's shifts into the week of `week`."""
    counter = counter_in_scope(session, principal, counter_id)
    target = monday(week)
    return _copy(session, principal, counter, monday(target - timedelta(days=7)), [target], now)


def repeat_week(
    session: Session, principal: Principal, counter_id: int, week: date, weeks: str, now: datetime
) -> CopyReport:
    """The shifts of the week of `week` into each of the next `weeks` (1..MAX_REPEAT_WEEKS) weeks."""
    counter = counter_in_scope(session, principal, counter_id)
    count = int(weeks) if weeks.strip().isdigit() and len(weeks.strip()) <= 2 else 0
    if not 1 <= count <= MAX_REPEAT_WEEKS:
        raise invalid("weeks", N_("Choose from 1 to %(n)s weeks."), n=MAX_REPEAT_WEEKS)
    source = monday(week)
    targets = [monday(source + timedelta(days=7 * i)) for i in range(1, count + 1)]
    return _copy(session, principal, counter, source, targets, now)


def _copy(
    session: Session,
    principal: Principal,
    counter: Counter,
    source: date,
    targets: list[date],
    now: datetime,
) -> CopyReport:
    zone = ZoneInfo(counter.timezone)
    first = datetime.combine(source, time(0), zone)
    shifts = session.execute(
        select(DutyShift, Employee)
        .join(Employee, Employee.id == DutyShift.employee_id)
        .where(
            DutyShift.counter_id == counter.id,
            DutyShift.starts_at >= first.astimezone(UTC),
            DutyShift.starts_at < (first + timedelta(days=7)).astimezone(UTC),
        )
        .order_by(DutyShift.starts_at)
    ).all()
    report = CopyReport(source, targets)
    note = f"copied from the week of {source.isoformat()}"
    with all_or_nothing(session):
        for target in targets:
            for shift, employee in shifts:
                start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
                day = start.date() + (target - source)
                starts_at = datetime.combine(day, start.time(), zone).astimezone(UTC)
                ends_at = datetime.combine(end.date() + (target - source), end.time(), zone).astimezone(UTC)
                reason = None
                if not employee.active or employee.unit_id != counter.unit_id:
                    reason = OFFICER_GONE
                elif overlaps(session, counter.id, starts_at, ends_at):  # autoflush: the new ones count
                    reason = OVERLAP
                row = CopiedShift(day, f"{start:%H:%M}", f"{end:%H:%M}", employee.name, reason)
                (report.skipped if reason else report.copied).append(row)
                if reason:
                    continue
                created = DutyShift(
                    employee_id=employee.id, counter_id=counter.id, starts_at=starts_at, ends_at=ends_at
                )
                session.add(created)
                session.flush()
                after = {"counter_id": counter.id, "employee_id": employee.id, "starts_at": starts_at,
                         "ends_at": ends_at}  # fmt: skip
                audit.record(
                    session, principal, "shift.create", "duty_shift", created.id, None, after, note, at=now
                )
    return report
