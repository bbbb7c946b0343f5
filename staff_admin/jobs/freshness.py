"""Are a period's stored figures out of date? They are when, since its scoring run started, ratings
of the period arrived or reviewers decided on ratings of the period (a confirmed or restored rating,
an upheld appeal: each is a RatingDecision). A closed period is frozen on purpose and never stale.

Measured from the run's start, not its end: a rating that arrived while the run was reading may or
may not be in it, so it counts as new (the notice errs towards "score again"). A rating's
`submitted_at` is the server's arrival time, so both queries read short ranges of indexed columns,
cheap however large the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db import freeze
from scoring.db.models import RatingDecision, ScoringRun
from scoring.periods import Period


@dataclass(frozen=True)
class Staleness:
    since: datetime  # the first change after the run started, in the run's time zone
    new_ratings: int
    new_decisions: int


def staleness(
    session: Session, period_key: str, scope: ColumnElement[bool] | None = None
) -> Staleness | None:
    """None when the period's figures are current, it has no run, or it is closed. `scope` (a clause
    on Rating.unit_id) counts only what a unit head may see."""
    run = session.execute(
        select(
            ScoringRun.period_start,
            ScoringRun.period_end,
            ScoringRun.period_label,
            ScoringRun.timezone,
            ScoringRun.started_at,
        ).where(ScoringRun.period_key == period_key)
    ).first()
    if run is None:
        return None
    try:
        freeze.refuse_if_frozen(session, period_key)  # HR closed the period (staff_admin.periods)
    except freeze.ResultsFrozen:
        return None
    start, end = Period(run.period_start, run.period_end, run.period_label).bounds(run.timezone)
    in_period = (Rating.submitted_at >= start, Rating.submitted_at < end, true() if scope is None else scope)
    new_ratings, first_rating = session.execute(
        select(func.count(), func.min(Rating.submitted_at)).where(
            *in_period, Rating.submitted_at >= run.started_at
        )
    ).one()
    new_decisions, first_decision = session.execute(
        select(func.count(), func.min(RatingDecision.decided_at))
        .join(Rating, Rating.id == RatingDecision.rating_id)
        .where(*in_period, RatingDecision.decided_at >= run.started_at)
    ).one()
    if not new_ratings and not new_decisions:
        return None
    times = [t for t in (first_rating, first_decision) if t is not None]
    since = min(times).astimezone(ZoneInfo(run.timezone))
    return Staleness(since=since, new_ratings=int(new_ratings), new_decisions=int(new_decisions))
