"""The officer items kept when a period closes: per officer and unit the answer sums and counts of U6
(competence) and U7 (behaviour) over the run's kept ratings (submitted in the period before the run
finished, not excluded). Closing stores them on the period's snapshot rows, so later review decisions
cannot change a closed period's items, as they cannot change its scores."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.models import ScoringRun
from scoring.periods import Period

ItemSums = tuple[int, int, int, int]  # u6 sum, u6 count, u7 sum, u7 count


def officer_items(session: Session, run: ScoringRun) -> dict[tuple[int, int], ItemSums]:
    """{(employee id, unit id): (u6 sum, u6 count, u7 sum, u7 count)} of the run's kept ratings."""
    start, end = Period(run.period_start, run.period_end, run.period_label).bounds(run.timezone)
    rows = session.execute(
        select(
            Rating.employee_id,
            Rating.unit_id,
            func.coalesce(func.sum(Rating.u6), 0),
            func.count(Rating.u6),
            func.coalesce(func.sum(Rating.u7), 0),
            func.count(Rating.u7),
        )
        .where(
            Rating.submitted_at >= start,
            Rating.submitted_at < end,
            Rating.submitted_at <= run.finished_at,
            Rating.excluded.is_(False),
            Rating.employee_id.is_not(None),
        )
        .group_by(Rating.employee_id, Rating.unit_id)
    )
    return {(employee, unit): (int(a), int(b), int(c), int(d)) for employee, unit, a, b, c, d in rows}


def with_items(rows: list[dict], items: dict[tuple[int, int], ItemSums]) -> list[dict]:
    """Snapshot rows (dicts with employee_id and unit_id) with their item columns filled."""
    for row in rows:
        u6_sum, u6_count, u7_sum, u7_count = items.get((row["employee_id"], row["unit_id"]), (0, 0, 0, 0))
        row |= {"u6_sum": u6_sum, "u6_count": u6_count, "u7_sum": u7_sum, "u7_count": u7_count}
    return rows
