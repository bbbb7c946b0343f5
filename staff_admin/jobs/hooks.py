"""What a finished scoring job tells the rest of the staff area: after a job stored a period's
results, every registered hook runs in the job's own transaction, before it commits (the periods
package registers one that marks HR's period scored, as it registers its freeze check with
scoring.db.freeze). The jobs package knows nothing of who registers, so the periods package may use
jobs without jobs using it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from scoring.db.store import RunSummary  # numpy and scikit-learn: not loaded by the web app

# (session, period key, the run's summary, who asked (user id), when it finished, job id) -> None
ScoredHook = Callable[[Session, str, "RunSummary", int | None, datetime, int], None]
_hooks: list[ScoredHook] = []


def when_scored(hook: ScoredHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def scored(
    session: Session,
    period_key: str,
    summary: RunSummary,
    actor_user_id: int | None,
    now: datetime,
    job_id: int,
) -> None:
    for hook in _hooks:
        hook(session, period_key, summary, actor_user_id, now, job_id)
