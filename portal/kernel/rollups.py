"""Rollups of the ratings per local day, unit, counter, officer and the few values the staff pages
filter on (overall face, channel, excluded, has a comment): how many ratings, and per SKM element the
sum and the count of answers. The staff pages add up a few hundred rollup rows instead of reading a
province's millions of ratings (staff_admin.kit.tallies reads them).

The contract (rating_rollup_state holds `through_id` and the time zone of the days): for every day,
the rollup rows equal the aggregate of that day's ratings with id <= through_id, with their flags as
they are now. Readers add the ratings above through_id live (the few that arrived since the last
refresh), so a page is exact without the citizen's submit path doing any work for the rollups.

Kept by three writers, none of them on the citizen path:
- `refresh` (the worker when idle, `rating-portal rollups`, the scoring run, the scaled demo) moves
  through_id up to the newest settled rating and recomputes the days those new ratings fell on;
- `recompute_days` after flags change: the scoring run for its period's days, a reviewer's decision
  for the days of the ratings decided (in the decision's transaction);
- a time zone change (PERIOD_TIMEZONE) rebuilds everything on the next refresh; until then readers
  use no rollup at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import SKM_ELEMENTS, Rating, UTCDateTime

SETTLE = timedelta(seconds=10)  # a rating older than this has committed (the writer commits in ms)
STATE_ID = 1


class RatingRollup(Base):
    __tablename__ = "rating_rollups"
    __table_args__ = (Index("ix_rating_rollups_unit_day", "unit_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local, in the state's time zone
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counter_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: nobody on duty
    overall: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    excluded: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    commented: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    s1: Mapped[int] = mapped_column(Integer)
    s2: Mapped[int] = mapped_column(Integer)
    s3: Mapped[int] = mapped_column(Integer)
    s4: Mapped[int] = mapped_column(Integer)
    s5: Mapped[int] = mapped_column(Integer)
    s6: Mapped[int] = mapped_column(Integer)
    s7: Mapped[int] = mapped_column(Integer)
    s8: Mapped[int] = mapped_column(Integer)
    s9: Mapped[int] = mapped_column(Integer)
    c1: Mapped[int] = mapped_column(Integer)
    c2: Mapped[int] = mapped_column(Integer)
    c3: Mapped[int] = mapped_column(Integer)
    c4: Mapped[int] = mapped_column(Integer)
    c5: Mapped[int] = mapped_column(Integer)
    c6: Mapped[int] = mapped_column(Integer)
    c7: Mapped[int] = mapped_column(Integer)
    c8: Mapped[int] = mapped_column(Integer)
    c9: Mapped[int] = mapped_column(Integer)
    # Sum of the officer value x 6 / 25: (overall + U6 + U7) x 6 / answered, a whole number for 1-3
    # answered items, so the unit's average officer value is exact (staff_admin.dashboard.kept).
    ov: Mapped[int] = mapped_column(BigInteger)
    # Sum of its squares: with n and ov, an officer's mean and variance without reading the ratings
    # (what a review decision does to the score, staff_admin.review.effect).
    ov2: Mapped[int] = mapped_column(BigInteger)


class RollupState(Base):
    __tablename__ = "rating_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    through_id: Mapped[int] = mapped_column(BigInteger)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def commented(comment) -> object:
    """The has-a-comment test of the ratings browser, as SQL."""
    return and_(comment.is_not(None), func.trim(comment) != "")


def officer_points6(overall, u6, u7) -> object:
    answered = 1 + case((u6.is_not(None), 1), else_=0) + case((u7.is_not(None), 1), else_=0)
    return (overall + func.coalesce(u6, 0) + func.coalesce(u7, 0)) * 6 // answered


def usable_through(session: Session, timezone: str) -> int:
    """The through_id readers may rely on: 0 (no rollup) when none was built for this time zone."""
    state = session.get(RollupState, STATE_ID)
    return state.through_id if state is not None and state.timezone == timezone else 0


def _day_rows(day: date, timezone: str, through_id: int, unit_ids: Iterable[int] | None):
    start, end = day_bounds(day, timezone)
    employee = func.coalesce(Rating.employee_id, 0)
    has_comment = case((commented(Rating.comment), True), else_=False)
    keys = (Rating.unit_id, Rating.counter_id, employee, Rating.overall, Rating.channel, Rating.excluded)
    where = [Rating.submitted_at >= start, Rating.submitted_at < end, Rating.id <= through_id]
    if unit_ids is not None:
        where.append(Rating.unit_id.in_(list(unit_ids)))
    inner = select(
        *(key.label(f"k{i}") for i, key in enumerate(keys)),
        has_comment.label("commented"),
        *(getattr(Rating, code).label(code) for code in SKM_ELEMENTS),
        officer_points6(Rating.overall, Rating.u6, Rating.u7).label("ov"),
    ).where(*where)
    sub = inner.subquery()
    group = [sub.c[f"k{i}"] for i in range(len(keys))] + [sub.c.commented]
    return select(
        literal(day, Date).label("day"),
        *group,
        func.count(),
        *(func.coalesce(func.sum(sub.c[code]), 0) for code in SKM_ELEMENTS),
        *(func.count(sub.c[code]) for code in SKM_ELEMENTS),
        func.coalesce(func.sum(sub.c.ov), 0),
        func.coalesce(func.sum(sub.c.ov * sub.c.ov), 0),
    ).group_by(*group)


ROLLUP_COLUMNS = (
    ["day", "unit_id", "counter_id", "employee_id", "overall", "channel", "excluded", "commented", "n"]
    + [f"s{i}" for i in range(1, 10)]
    + [f"c{i}" for i in range(1, 10)]
    + ["ov", "ov2"]
)


def recompute_days(
    session: Session, days: Iterable[date], unit_ids: Iterable[int] | None = None, timezone: str | None = None
) -> int:
    """Rebuild the rollup rows of these days (of these units only, when given) from the ratings up to
    through_id, in the caller's transaction; how many days. Nothing to do without a rollup."""
    state = session.get(RollupState, STATE_ID)
    if state is None or (timezone is not None and state.timezone != timezone) or not state.through_id:
        return 0
    units = None if unit_ids is None else sorted(set(unit_ids))
    done = 0
    for day in sorted(set(days)):
        gone = delete(RatingRollup).where(RatingRollup.day == day)
        if units is not None:
            gone = gone.where(RatingRollup.unit_id.in_(units))
        session.execute(gone)
        statement = _day_rows(day, state.timezone, state.through_id, units)
        session.execute(insert(RatingRollup).from_select(ROLLUP_COLUMNS, statement))
        done += 1
    return done


def days_between(start: datetime, end: datetime, timezone: str) -> list[date]:
    """The local days that [start, end) touches."""
    first, last = local_day(start, timezone), local_day(end - timedelta(microseconds=1), timezone)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def recompute_ratings(session: Session, ratings: Iterable[Rating]) -> int:
    """After a person changed these ratings' flags: their days, for their units."""
    state = session.get(RollupState, STATE_ID)
    if state is None:
        return 0
    chosen = [r for r in ratings if r.id <= state.through_id]
    days = {local_day(r.submitted_at, state.timezone) for r in chosen}
    return recompute_days(session, days, {r.unit_id for r in chosen}) if days else 0


def refresh(session: Session, timezone: str, now: datetime | None = None, full: bool = False) -> int:
    """Bring the rollups up to the newest settled rating (or rebuild them all); the caller commits.
    Returns how many days were recomputed."""
    now = now or datetime.now(UTC)
    state = session.get(RollupState, STATE_ID, with_for_update=True)
    if state is None:
        state = RollupState(id=STATE_ID, timezone=timezone, through_id=0)
        session.add(state)
        session.flush()
    if full or state.timezone != timezone:
        session.execute(delete(RatingRollup))
        state.timezone, state.through_id = timezone, 0
    newest = session.scalar(select(func.max(Rating.id)).where(Rating.submitted_at < now - SETTLE)) or 0
    if newest <= state.through_id:
        state.refreshed_at = now
        return 0
    span = session.execute(
        select(func.min(Rating.submitted_at), func.max(Rating.submitted_at)).where(
            Rating.id > state.through_id, Rating.id <= newest
        )
    ).one()
    state.through_id = newest
    session.flush()
    days = days_between(span[0], span[1] + timedelta(microseconds=1), timezone) if span[0] else []
    # Days before the previous watermark kept their other ratings: recompute them whole.
    done = recompute_days(session, days)
    state.refreshed_at = now
    return done


def after_scoring(session: Session, start: datetime, end: datetime, now: datetime) -> int:
    """In a scoring run's write transaction, once the flags of [start, end) are written: bring the
    rollups up to date and recompute the period's days. Nothing when no rollup was ever built."""
    state = session.get(RollupState, STATE_ID)
    if state is None:
        return 0
    done = refresh(session, state.timezone, now)
    return done + recompute_days(session, days_between(start, end, state.timezone))
