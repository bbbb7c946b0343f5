"""Counts and SKM sums of ratings for the staff pages, from the day rollups (portal.kernel.rollups)
where they cover a whole local day, and from the ratings themselves for the rest: the parts of days at
a range's edges, and the ratings that arrived since the last refresh (id above through_id). The result
is what a query of the ratings alone would give, at the cost of a few hundred rollup rows.

Callers filter with a function of the dimension columns (the same names on either source): unit,
counter, employee (0: nobody on duty), overall, channel, excluded, commented."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Rating
from portal.kernel.rollups import (
    RatingRollup,
    commented,
    day_bounds,
    local_day,
    officer_points6,
    usable_through,
)

Dims = dict[str, ColumnElement[Any]]
Where = Callable[[Dims], list[ColumnElement[bool]]]
WIDTH = len(SKM_ELEMENTS)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))  # no period chosen


@dataclass(frozen=True)
class Tally:
    n: int
    sums: tuple[int, ...]
    counts: tuple[int, ...]
    ov6: int  # officer value x 6 / 25, summed (portal.kernel.rollups.officer_points6)
    ov6_squares: int  # its squares, summed: the officer value's variance

    @classmethod
    def empty(cls) -> Tally:
        return cls(0, (0,) * WIDTH, (0,) * WIDTH, 0, 0)

    @classmethod
    def of_rating(cls, overall: int, answers: Sequence[int | None]) -> Tally:
        """One rating's tally (answers in SKM_ELEMENTS order, None when blank)."""
        u6, u7 = answers[SKM_ELEMENTS.index("u6")], answers[SKM_ELEMENTS.index("u7")]
        answered = 1 + (u6 is not None) + (u7 is not None)
        ov6 = (overall + (u6 or 0) + (u7 or 0)) * 6 // answered  # as officer_points6
        return cls(
            1,
            tuple(a or 0 for a in answers),
            tuple(int(a is not None) for a in answers),
            ov6,
            ov6 * ov6,
        )

    def __add__(self, other: Tally) -> Tally:
        return self._plus(other, 1)

    def __sub__(self, other: Tally) -> Tally:
        return self._plus(other, -1)

    def _plus(self, other: Tally, sign: int) -> Tally:
        return Tally(
            self.n + sign * other.n,
            tuple(a + sign * b for a, b in zip(self.sums, other.sums, strict=True)),
            tuple(a + sign * b for a, b in zip(self.counts, other.counts, strict=True)),
            self.ov6 + sign * other.ov6,
            self.ov6_squares + sign * other.ov6_squares,
        )


def rating_dims(tail: bool = False) -> Dims:
    """The dimensions on the ratings table; for the newest ratings (`tail`) unit and counter as
    expressions that no index serves, so the primary key's range is read, not a unit's ratings."""
    return {
        "unit": Rating.unit_id + 0 if tail else Rating.unit_id,
        "counter": Rating.counter_id + 0 if tail else Rating.counter_id,
        "employee": func.coalesce(Rating.employee_id, 0),
        "overall": Rating.overall,
        "channel": Rating.channel,
        "excluded": Rating.excluded,
        "commented": case((commented(Rating.comment), True), else_=False),
    }


def rollup_dims() -> Dims:
    r = RatingRollup
    return {
        "unit": r.unit_id,
        "counter": r.counter_id,
        "employee": r.employee_id,
        "overall": r.overall,
        "channel": r.channel,
        "excluded": r.excluded,
        "commented": r.commented,
    }


def _covered(start: datetime, end: datetime, timezone: str) -> tuple[date, date] | None:
    """The whole local days inside [start, end), or None."""
    first = local_day(start, timezone)
    if day_bounds(first, timezone)[0] < start:
        first += timedelta(days=1)
    last = local_day(end - timedelta(microseconds=1), timezone)
    if day_bounds(last, timezone)[1] > end:
        last -= timedelta(days=1)
    return (first, last) if first <= last else None


@dataclass(frozen=True)
class _Plan:
    through: int
    covered: list[tuple[int, date, date]]  # (bucket, first day, last day) read from the rollups
    # The ratings read one by one, in disjoint parts that each use one index: the edges of the
    # buckets (submitted_at) up to through_id, and everything beyond through_id (the primary key).
    # One statement per part: an OR of them made SQLite scan the whole table.
    live: list[ColumnElement[bool]]  # the last one is the newest ratings' when through_id > 0


def _plan(session: Session, buckets: Sequence[tuple[datetime, datetime]], timezone: str) -> _Plan:
    through = usable_through(session, timezone)
    covered, edges = [], []
    for index, (start, end) in enumerate(buckets):
        days = _covered(start, end, timezone) if through else None
        if days is None:
            edges.append((start, end))
            continue
        covered.append((index, *days))
        edges += [(start, day_bounds(days[0], timezone)[0]), (day_bounds(days[1], timezone)[1], end)]
    settled = [Rating.id <= through] if through else []
    parts = [and_(Rating.submitted_at >= s, Rating.submitted_at < e, *settled) for s, e in edges if s < e]
    if through:  # the newest ratings, by the primary key alone (their buckets sort them out after)
        parts.append(Rating.id > through)
    return _Plan(through, covered, parts)


def bucket_tallies(
    session: Session,
    buckets: Sequence[tuple[datetime, datetime]],
    timezone: str,
    group: Sequence[str] = (),
    where: Where | None = None,
) -> dict[tuple[Any, ...], Tally]:
    """{(bucket index, *group values): Tally} of the ratings in each [start, end) bucket (buckets do
    not overlap) matching `where`; an employee of 0 means nobody on duty."""
    plan = _plan(session, buckets, timezone)
    found: dict[tuple[Any, ...], Tally] = {}

    def add(rows) -> None:
        for bucket, *rest in rows:
            if bucket < 0:
                continue
            keys, numbers = tuple(rest[: len(group)]), [int(x or 0) for x in rest[len(group) :]]
            tally = Tally(
                numbers[0],
                tuple(numbers[1 : 1 + WIDTH]),
                tuple(numbers[1 + WIDTH : 1 + 2 * WIDTH]),
                numbers[-2],
                numbers[-1],
            )
            key = (int(bucket), *keys)
            found[key] = found[key] + tally if key in found else tally

    if plan.covered:
        dims, r = rollup_dims(), RatingRollup
        label = case(*((and_(r.day >= a, r.day <= b), i) for i, a, b in plan.covered), else_=-1)
        in_days = or_(*(and_(r.day >= a, r.day <= b) for _, a, b in plan.covered))
        numbers = ["n", *(f"s{i}" for i in range(1, 10)), *(f"c{i}" for i in range(1, 10)), "ov", "ov2"]
        inner = select(
            label.label("bucket"),
            *(dims[g].label(f"g_{g}") for g in group),
            *(getattr(r, m) for m in numbers),
        ).where(in_days, *(where(dims) if where else []))
        sub = inner.subquery()
        measures = [sub.c[m] for m in numbers]
        keys = [sub.c.bucket, *(sub.c[f"g_{g}"] for g in group)]
        add(session.execute(select(*keys, *(func.sum(m) for m in measures)).group_by(*keys)))
    label = case(
        *((and_(Rating.submitted_at >= s, Rating.submitted_at < e), i) for i, (s, e) in enumerate(buckets)),
        else_=-1,
    )
    for number, part in enumerate(plan.live):
        dims = rating_dims(tail=bool(plan.through) and number == len(plan.live) - 1)
        inner = select(
            label.label("bucket"),
            *(dims[g].label(f"g_{g}") for g in group),
            *(getattr(Rating, code).label(code) for code in SKM_ELEMENTS),
            officer_points6(Rating.overall, Rating.u6, Rating.u7).label("ov"),
        ).where(part, *(where(dims) if where else []))
        sub = inner.subquery()  # so GROUP BY names columns (PostgreSQL and the CASE's parameters)
        keys = [sub.c.bucket, *(sub.c[f"g_{g}"] for g in group)]
        add(
            session.execute(
                select(
                    *keys,
                    func.count(),
                    *(func.sum(sub.c[code]) for code in SKM_ELEMENTS),
                    *(func.count(sub.c[code]) for code in SKM_ELEMENTS),
                    func.sum(sub.c.ov),
                    func.sum(sub.c.ov * sub.c.ov),
                ).group_by(*keys)
            )
        )
    return found


def day_counts(
    session: Session, start: datetime, end: datetime, timezone: str, where: Where | None = None
) -> list[tuple[date, int]]:
    """How many ratings in [start, end) match `where`, per local day, the newest day first."""
    plan = _plan(session, [(start, end)], timezone)
    counts: dict[date, int] = {}
    if plan.covered:
        _, first, last = plan.covered[0]
        r = RatingRollup
        rows = session.execute(
            select(r.day, func.sum(r.n))
            .where(r.day >= first, r.day <= last, *(where(rollup_dims()) if where else []))
            .group_by(r.day)
        )
        counts.update({day: int(n) for day, n in rows})
    for number, part in enumerate(plan.live):  # within [start, end), but for the newest ratings
        dims = rating_dims(tail=bool(plan.through) and number == len(plan.live) - 1)
        live = session.scalars(select(Rating.submitted_at).where(part, *(where(dims) if where else [])))
        for moment in live:
            if start <= moment < end:
                day = local_day(moment, timezone)
                counts[day] = counts.get(day, 0) + 1
    return sorted(((d, n) for d, n in counts.items() if n), reverse=True)
