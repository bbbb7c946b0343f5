"""What a decision on an incident does to the figures: the officer's score (and the unit's IKM) now,
if the incident's waiting ratings are confirmed as excluded, and if they are restored, computed by the
scoring core's own aggregate functions on the unit's ratings of the period.

The period is the shortest scored period that holds the incident's first rating (a month before a
quarter), or that rating's calendar month when none is scored. "Now" counts what the ratings' flags
say today (the detector's exclusions with every decision made since), so it can differ from the
stored result of a run made before the latest decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.models import ScoringRun
from scoring.params import ScoringParams
from scoring.periods import Period, parse_period


@dataclass(frozen=True)
class Figure:
    """An officer's score (or a unit's IKM) under one choice."""

    value: float | None
    low: float | None = None
    high: float | None = None
    used: int = 0  # ratings that count
    sufficient: bool = True  # an officer with fewer than the minimum of usable ratings has no score
    category: str | None = None  # scoring.aggregate.CATEGORIES; None for a unit


@dataclass(frozen=True)
class Effect:
    period: str  # its label
    officer_now: Figure | None  # None when nobody was on duty
    officer_confirmed: Figure | None
    officer_restored: Figure | None
    unit_now: Figure
    unit_confirmed: Figure
    unit_restored: Figure


@dataclass(frozen=True)
class Question:
    """One incident's question: whose figures, which period, which ratings are decided."""

    incident_id: int
    unit_id: int
    employee_id: int | None
    first_day: date  # local day of its first rating
    rating_ids: frozenset[int]  # its waiting ratings


def period_of(session: Session, day: date) -> Period:
    """The shortest scored period holding `day`, else its calendar month."""
    runs = session.execute(
        select(ScoringRun.period_start, ScoringRun.period_end, ScoringRun.period_label).where(
            ScoringRun.period_start <= day, ScoringRun.period_end >= day
        )
    ).all()
    if runs:
        start, end, label = min(runs, key=lambda run: (run[1] - run[0], -run[0].toordinal()))
        return Period(start, end, label)
    return parse_period(f"{day.year}-{day.month:02d}")


def effects(
    session: Session, questions: Iterable[Question], params: ScoringParams, timezone: str
) -> dict[int, Effect]:
    """incident id -> its Effect; the unit's ratings of a period are read once for all its incidents."""
    import numpy as np  # the scoring core's libraries load when a queue with incidents is first shown

    from scoring.aggregate import officer_records, unit_records
    from scoring.db.store import contract_rows
    from scoring.table import RatingTable

    by_table: dict[tuple[int, Period], list[Question]] = {}
    for question in questions:
        by_table.setdefault((question.unit_id, period_of(session, question.first_day)), []).append(question)
    found: dict[int, Effect] = {}
    for (unit_id, period), asked in by_table.items():
        start, end = period.bounds(timezone)
        where = (Rating.unit_id == unit_id, Rating.submitted_at >= start, Rating.submitted_at < end)
        table = RatingTable.from_records(contract_rows(session, *where))
        flags = dict(session.execute(select(Rating.id, Rating.excluded).where(*where)).all())
        ids = np.array([int(rid) for rid in table.rating_id], dtype=np.int64)
        used_now = ~np.array([flags[int(rid)] for rid in ids], dtype=bool)
        for question in asked:
            waiting = np.isin(ids, np.fromiter(question.rating_ids, dtype=np.int64))
            choices = (used_now, used_now & ~waiting, used_now | waiting)
            officers = [_officer(officer_records(table, used, params), question) for used in choices]
            units = [_unit(unit_records(table, used), unit_id) for used in choices]
            found[question.incident_id] = Effect(period.label, *officers, *units)
    return found


def _officer(records: list[dict], question: Question) -> Figure | None:
    if question.employee_id is None:
        return None
    for record in records:
        if record["employee_id"] == str(question.employee_id) and record["unit_id"] == str(question.unit_id):
            return Figure(
                record["score"],
                record["score_low"],
                record["score_high"],
                record["n_used"],
                record["sufficient"],
                record["category"],
            )
    return Figure(None, sufficient=False, category="insufficient")


def _unit(records: list[dict], unit_id: int) -> Figure:
    for record in records:
        if record["unit_id"] == str(unit_id):
            return Figure(record["ikm"], used=record["n_used"])
    return Figure(None)
