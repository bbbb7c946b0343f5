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
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Rating
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

    by_table: dict[tuple[int, Period], list[Question]] = {}
    for question in questions:
        by_table.setdefault((question.unit_id, period_of(session, question.first_day)), []).append(question)
    found: dict[int, Effect] = {}
    for (unit_id, period), asked in by_table.items():
        table, excluded = _unit_table(session, unit_id, period, timezone)
        used_now = ~excluded
        unit_now = _unit(unit_records(table, used_now), unit_id)
        for question in asked:
            waiting = np.isin(table.rating_id, np.fromiter(question.rating_ids, dtype=np.int64))
            # confirming what is excluded already, or restoring what counts already, changes nothing
            choices = [used_now, used_now & ~waiting, used_now | waiting]
            same = [True, not (used_now & waiting).any(), not (excluded & waiting).any()]
            officers: list[Figure | None] = [None, None, None]
            if question.employee_id is not None:
                alone = _one_officer(table, question.employee_id)
                now = _officer(officer_records(alone, used_now, params), question)
                officers = [
                    now if unchanged else _officer(officer_records(alone, used, params), question)
                    for used, unchanged in zip(choices, same, strict=True)
                ]
            units = [
                unit_now if unchanged else _unit(unit_records(table, used), unit_id)
                for used, unchanged in zip(choices, same, strict=True)
            ]
            found[question.incident_id] = Effect(period.label, *officers, *units)
    return found


def _unit_table(session: Session, unit_id: int, period: Period, timezone: str):
    """The unit's ratings of the period as the core's table, with only what the aggregates read
    (officer, overall face, the nine answers); and which of them are excluded now. Read as plain
    columns: the page needs this for every unit and period it shows."""
    import numpy as np

    from scoring.table import RatingTable

    start, end = period.bounds(timezone)
    answers = [getattr(Rating, code) for code in SKM_ELEMENTS]
    rows = (
        session.connection()  # plain rows, without the ORM's per-row work
        .execute(
            select(Rating.id, Rating.employee_id, Rating.overall, Rating.excluded, *answers).where(
                Rating.unit_id == unit_id, Rating.submitted_at >= start, Rating.submitted_at < end
            )
        )
        .all()
    )
    n = len(rows)
    width = 4 + len(SKM_ELEMENTS)
    columns = np.array(list(zip(*rows, strict=True)) or [()] * width, dtype=np.float64).T  # None: NaN
    employee_ids = np.nan_to_num(columns[:, 1], nan=-1).astype(np.int64)
    labels, codes = np.unique(employee_ids[employee_ids >= 0], return_inverse=True)
    employee = np.full(n, -1, dtype=np.int32)
    employee[employee_ids >= 0] = codes.reshape(-1)
    table = RatingTable(
        rating_id=columns[:, 0].astype(np.int64),
        ts=np.zeros(n, dtype=np.int64),
        utc_offset_min=np.zeros(n, dtype=np.int32),
        unit=np.zeros(n, dtype=np.int32),
        counter=np.zeros(n, dtype=np.int32),
        employee=employee,
        channel=np.zeros(n, dtype=np.int8),
        device=np.full(n, -1, dtype=np.int32),
        network=np.full(n, -1, dtype=np.int32),
        overall=columns[:, 2].astype(np.int8),
        answers=np.nan_to_num(columns[:, 4:], nan=0.0).astype(np.int8),
        form_seconds=np.full(n, np.nan),
        outside_hours=np.full(n, -1, dtype=np.int8),
        unit_labels=np.array([str(unit_id)], dtype=object),
        counter_labels=np.array(["0"], dtype=object),
        counter_unit=np.zeros(1, dtype=np.int32),
        employee_labels=np.array([str(e) for e in labels.tolist()], dtype=object),
        network_labels=np.array([], dtype=object),
    )
    return table, columns[:, 3] == 1


def _one_officer(table, employee_id: int):
    """The table with only this officer's ratings attributed: the unit's figures (the officer's
    prior) are the same, and the aggregate computes the one record asked for."""
    import numpy as np

    found = np.flatnonzero(table.employee_labels == str(employee_id))
    mine = table.employee == found[0] if len(found) else np.zeros(len(table), dtype=bool)
    return replace(
        table,
        employee=np.where(mine, 0, -1).astype(np.int32),
        employee_labels=np.array([str(employee_id)], dtype=object),
    )


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
