"""The people a unit served in a period: the N of the SKM sample target (scoring.skm.sample_target).

Month by month: the tickets the unit's queue machines issued (the queue API, portal/citizen/api.py)
where it issued any, otherwise the volume its head entered from the unit's own register
(ServiceVolume). Never the number of ratings. A month with neither, or a month the period covers only
in part without tickets (a register counts whole months), leaves the period's N unknown; months that
have not begun yet are not counted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from portal.kernel.models import RatingTicket
from scoring.db.models import ServiceVolume
from scoring.periods import Period

TICKETS, REGISTER = "tickets", "register"


@dataclass(frozen=True)
class MonthServed:
    month: date  # first day of the calendar month
    whole: bool  # the period covers the whole month
    tickets: int  # issued through the queue API in the part of the month the period covers
    entered: int | None  # the register's volume for the month, if entered

    @property
    def source(self) -> str | None:
        if self.tickets:
            return TICKETS
        if self.entered is not None and self.whole:
            return REGISTER
        return None

    @property
    def people(self) -> int | None:
        source = self.source
        return self.tickets if source == TICKETS else self.entered if source == REGISTER else None


@dataclass(frozen=True)
class Served:
    months: tuple[MonthServed, ...]

    @property
    def people(self) -> int | None:
        """N for the period, or None when any month's count is unknown."""
        counts = [month.people for month in self.months]
        if not counts or any(count is None for count in counts):
            return None
        return sum(count for count in counts if count is not None)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({m.source for m in self.months if m.source is not None}))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_months(period: Period, today: date) -> list[tuple[date, date, date]]:
    """(month, first day, last day) of each calendar month the period touches, clipped to it, up to
    the month of `today`."""
    months = []
    month = month_start(period.start)
    while month <= period.end and month <= today:
        last = next_month(month) - timedelta(days=1)
        months.append((month, max(month, period.start), min(last, period.end)))
        month = next_month(month)
    return months


def people_served(
    session: Session,
    period: Period,
    timezone: str,
    today: date,
    unit_ids: Collection[int] | None = None,
) -> dict[int, Served]:
    """{unit id: Served} for the given units (every unit with tickets or volumes when None)."""
    months = period_months(period, today)
    if not months:
        return {unit: Served(()) for unit in unit_ids or ()}
    spans = [Period(first, last, "").bounds(timezone) for _, first, last in months]
    issued_at = RatingTicket.created_at
    index = case(
        *((and_(issued_at >= s, issued_at < e), i) for i, (s, e) in enumerate(spans)), else_=-1
    ).label("month")
    in_units = true() if unit_ids is None else RatingTicket.unit_id.in_(list(unit_ids))
    issued = (
        select(RatingTicket.unit_id.label("unit_id"), index)
        .where(
            in_units,
            RatingTicket.api_key_id.is_not(None),
            RatingTicket.created_at >= spans[0][0],
            RatingTicket.created_at < spans[-1][1],
        )
        .subquery()
    )
    tickets: dict[tuple[int, int], int] = {
        (unit, month): count
        for unit, month, count in session.execute(
            select(issued.c.unit_id, issued.c.month, func.count()).group_by(issued.c.unit_id, issued.c.month)
        )
    }
    volume_units = true() if unit_ids is None else ServiceVolume.unit_id.in_(list(unit_ids))
    entered: dict[tuple[int, date], int] = {
        (unit, month): people
        for unit, month, people in session.execute(
            select(ServiceVolume.unit_id, ServiceVolume.month, ServiceVolume.people).where(
                volume_units, ServiceVolume.month >= months[0][0], ServiceVolume.month <= months[-1][0]
            )
        )
    }
    units = set(unit_ids) if unit_ids is not None else {u for u, _ in tickets} | {u for u, _ in entered}
    return {
        unit: Served(
            tuple(
                MonthServed(
                    month=month,
                    whole=first == month and next_month(month) - timedelta(days=1) == last,
                    tickets=tickets.get((unit, i), 0),
                    entered=entered.get((unit, month)),
                )
                for i, (month, first, last) in enumerate(months)
            )
        )
        for unit in units
    }


def served_for_scoring(session: Session, period: Period, timezone: str, today: date) -> dict[str, int]:
    """N per unit as the scoring core labels units (str of the id), for the units whose N is known."""
    return {
        str(unit): served.people
        for unit, served in people_served(session, period, timezone, today).items()
        if served.people is not None
    }
