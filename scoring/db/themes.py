"""Comment themes of a scoring run: each unit's comments of the period, from the ratings the run did not
exclude, grouped by the pure core (scoring/themes.py) and stored beside the run's results.

`store.score_period` calls this inside its write transaction, after the flags are written, so
`ratings.excluded` already holds this run's decisions and a failure leaves the previous run whole.
"""

from __future__ import annotations

import itertools
import operator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.models import CommentTheme
from scoring.periods import Period
from scoring.themes import comment_themes


def store_comment_themes(session: Session, run_id: int, period: Period, timezone: str) -> int:
    """Computes and inserts the run's themes unit by unit; returns how many were stored."""
    start, end = period.bounds(timezone)
    rows = session.execute(
        select(Rating.unit_id, Rating.comment, Rating.overall)
        .where(
            Rating.submitted_at >= start,
            Rating.submitted_at < end,
            Rating.excluded.is_(False),
            Rating.comment.is_not(None),
            Rating.comment != "",
        )
        .order_by(Rating.unit_id, Rating.id)
    )
    stored = 0
    for unit_id, unit_rows in itertools.groupby(rows, key=operator.itemgetter(0)):
        themes = comment_themes([(comment, overall) for _, comment, overall in unit_rows])
        records = [
            {
                "run_id": run_id,
                "unit_id": unit_id,
                "rank": rank,
                "label": theme.label,
                "terms": list(theme.terms),
                "is_other": theme.other,
                "n_comments": theme.count,
                "low_share": theme.low_share,
                "examples": list(theme.examples),
            }
            for rank, theme in enumerate(themes, start=1)
        ]
        if records:
            session.execute(insert(CommentTheme), records)
            stored += len(records)
    return stored
