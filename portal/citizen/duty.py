"""Who is on duty at a counter: the one rule, in SQL for single lookups and in Python for batches.

The rule: the employee whose shift [starts_at, ends_at) at the counter covers the moment; the latest
start wins overlaps (then the latest shift). `tests/portal/test_duty.py` holds that both forms agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, DutyShift, Employee, Unit

_COUNTERS, _UNITS, _EMPLOYEES, _SHIFTS = (model.__table__ for model in (Counter, Unit, Employee, DutyShift))
_SHIFTS_WITH_EMPLOYEE = _SHIFTS.join(_EMPLOYEES, _EMPLOYEES.c.id == _SHIFTS.c.employee_id)


def on_duty_query(what: Any, counter_id: Any, moment: Any) -> Select:
    """The rule in SQL: `what` of the employee on duty at the counter at the moment."""
    return (
        select(what)
        .select_from(_SHIFTS_WITH_EMPLOYEE)
        .where(_SHIFTS.c.counter_id == counter_id, _SHIFTS.c.starts_at <= moment, _SHIFTS.c.ends_at > moment)
        .order_by(_SHIFTS.c.starts_at.desc(), _SHIFTS.c.id.desc())
        .limit(1)
    )


def on_duty_among(shifts: Sequence[Any], moment: datetime) -> Any | None:
    """The rule in Python, over a counter's shifts (rows with starts_at, ends_at, id)."""
    covering = [shift for shift in shifts if shift.starts_at <= moment < shift.ends_at]
    return max(covering, key=lambda shift: (shift.starts_at, shift.id), default=None)


def duty_changes_at(row: Any) -> datetime | None:
    """When the officer on duty of a COUNTER_ON_DUTY row may change next (None: not on this roster).

    The officer on duty holds the covering shift with the latest start; that stays so until its end,
    or until a later shift starts. (A covering shift that ends sooner does not matter: it started
    earlier, so it was not the one on duty.)"""
    ends = [moment for moment in (row.duty_ends_at, row.next_shift_starts_at) if moment is not None]
    return min(ends, default=None)


def _on_duty_column(column: Any) -> Any:
    return on_duty_query(column, _COUNTERS.c.id, bindparam("moment")).correlate(_COUNTERS).scalar_subquery()


_COUNTER_COLUMNS = (
    _COUNTERS.c.id,
    _COUNTERS.c.public_token,
    _COUNTERS.c.name,
    _COUNTERS.c.unit_id,
    _COUNTERS.c.timezone,
    _COUNTERS.c.opening_hours,
    _UNITS.c.name.label("unit_name"),
)
_WITH_UNIT = _COUNTERS.outerjoin(_UNITS, _UNITS.c.id == _COUNTERS.c.unit_id)

# The first shift at the counter that starts after :moment: the latest start wins, so it takes over.
_NEXT_SHIFT_STARTS_AT = (
    select(func.min(_SHIFTS.c.starts_at))
    .where(_SHIFTS.c.counter_id == _COUNTERS.c.id, _SHIFTS.c.starts_at > bindparam("moment"))
    .correlate(_COUNTERS)
    .scalar_subquery()
)

# The citizen page's one query: an active counter by its public token, its unit's name and the officer
# on duty at :moment, built once, as Core (no ORM entities); with the end of that officer's shift and
# the next shift's start, the officer shown cannot change before the earlier of the two
# (duty_changes_at). The officer's columns are scalar subqueries (each an index search of the
# counter's shifts), which every engine plans well; a join on a correlated subquery would depend on
# the planner.
COUNTER_ON_DUTY = (
    select(
        *_COUNTER_COLUMNS,
        _on_duty_column(_EMPLOYEES.c.id).label("officer_id"),
        _on_duty_column(_EMPLOYEES.c.name).label("officer_name"),
        _on_duty_column(_EMPLOYEES.c.photo_path).label("officer_photo_path"),
        _on_duty_column(_SHIFTS.c.ends_at).label("duty_ends_at"),
        _NEXT_SHIFT_STARTS_AT.label("next_shift_starts_at"),
    )
    .select_from(_WITH_UNIT)
    .where(_COUNTERS.c.public_token == bindparam("token"), _COUNTERS.c.active.is_(True))
)

# The batch lookup's one statement: the active counters by token, each with its shifts overlapping
# [:first, :last] (a row per shift; one row with no shift where none overlaps).
_SHIFT_COLUMNS = (
    _SHIFTS.c.id.label("shift_id"),
    _SHIFTS.c.starts_at,
    _SHIFTS.c.ends_at,
    _EMPLOYEES.c.id.label("officer_id"),
    _EMPLOYEES.c.name.label("officer_name"),
    _EMPLOYEES.c.photo_path.label("officer_photo_path"),
)
_COUNTERS_WITH_SHIFTS = (
    select(*_COUNTER_COLUMNS, *_SHIFT_COLUMNS)
    .select_from(
        _WITH_UNIT.outerjoin(
            _SHIFTS_WITH_EMPLOYEE,
            and_(
                _SHIFTS.c.counter_id == _COUNTERS.c.id,
                _SHIFTS.c.starts_at <= bindparam("last"),
                _SHIFTS.c.ends_at > bindparam("first"),
            ),
        )
    )
    .where(_COUNTERS.c.public_token.in_(bindparam("tokens", expanding=True)), _COUNTERS.c.active.is_(True))
)
_COUNTER_FIELDS = len(_COUNTER_COLUMNS)


@dataclass(frozen=True)
class _Shift:
    id: int
    starts_at: datetime
    ends_at: datetime
    officer_id: int
    officer_name: str
    officer_photo_path: str | None


@dataclass(frozen=True)
class CounterOnDuty:
    """The columns of COUNTER_ON_DUTY, for one (token, moment) of a batch."""

    id: int
    public_token: str
    name: str
    unit_id: int
    timezone: str
    opening_hours: Any
    unit_name: str | None
    officer_id: int | None
    officer_name: str | None
    officer_photo_path: str | None


def counters_on_duty(
    session: Session | Connection, wanted: Sequence[tuple[str, datetime]]
) -> list[CounterOnDuty | None]:
    """COUNTER_ON_DUTY for many (token, moment) pairs in one statement (the counters with their shifts
    overlapping the moments); None where no active counter has the token."""
    if not wanted:
        return []
    moments = [moment for _, moment in wanted]
    bounds = {"tokens": sorted({token for token, _ in wanted}), "first": min(moments), "last": max(moments)}
    counters: dict[str, tuple] = {}
    shifts: dict[str, list[_Shift]] = defaultdict(list)
    for row in session.execute(_COUNTERS_WITH_SHIFTS, bounds):
        counters[row.public_token] = tuple(row[:_COUNTER_FIELDS])
        if row.shift_id is not None:
            shifts[row.public_token].append(_Shift(*row[_COUNTER_FIELDS:]))
    found: list[CounterOnDuty | None] = []
    for token, moment in wanted:
        counter = counters.get(token)
        if counter is None:
            found.append(None)
            continue
        officer = on_duty_among(shifts[token], moment)
        found.append(
            CounterOnDuty(
                *counter,
                officer_id=officer.officer_id if officer else None,
                officer_name=officer.officer_name if officer else None,
                officer_photo_path=officer.officer_photo_path if officer else None,
            )
        )
    return found
