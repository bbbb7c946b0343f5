"""What a decision on an incident does to the figures: the officer's score (and the unit's IKM) now,
if the incident's waiting ratings are confirmed as excluded, and if they are restored, computed by the
scoring core's formulas (scoring.aggregate.officer_score, scoring.skm.ikm_from_sums).

The period is the shortest scored period that holds the incident's first rating (a month before a
quarter), or that rating's calendar month when none is scored. "Now" counts what the ratings' flags
say today (the detector's exclusions with every decision made since), so it can differ from the
stored result of a run made before the latest decisions.

The unit's ratings of the period are never read one by one: their sums per officer and flag come from
the day rollups (staff_admin.kit.tallies), and a choice only moves the incident's own ratings from one
side to the other, so each figure is the sums now plus or minus those few ratings' own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.aggregate import officer_score
from scoring.db.models import ScoringRun
from scoring.params import ScoringParams
from scoring.periods import Period, parse_period
from scoring.skm import SCALE_FACTOR, ikm_from_sums
from staff_admin.kit.tallies import Tally, bucket_tallies

OV6_TO_SCORE = SCALE_FACTOR / 6  # tallies sum the officer value x 6 / 25, a whole number


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
class Waiting:
    """One of an incident's waiting ratings, as much of it as the figures need."""

    submitted_at: datetime
    employee_id: int | None
    excluded: bool
    tally: Tally  # Tally.of_rating


@dataclass(frozen=True)
class Question:
    """One incident's question: whose figures, which period, which ratings are decided."""

    incident_id: int
    unit_id: int
    employee_id: int | None
    first_day: date  # local day of its first rating
    waiting: tuple[Waiting, ...]


def period_of(runs: list[tuple[date, date, str]], day: date) -> Period:
    """The shortest scored period holding `day` (`runs`: scored periods' start, end and label), else
    its calendar month."""
    holding = [run for run in runs if run[0] <= day <= run[1]]
    if holding:
        start, end, label = min(holding, key=lambda run: (run[1] - run[0], -run[0].toordinal()))
        return Period(start, end, label)
    return parse_period(f"{day.year}-{day.month:02d}")


def effects(
    session: Session, questions: Iterable[Question], params: ScoringParams, timezone: str
) -> dict[int, Effect]:
    """incident id -> its Effect; a unit's sums of a period are read once for all its incidents."""
    scored = select(ScoringRun.period_start, ScoringRun.period_end, ScoringRun.period_label).distinct()
    runs = [tuple(run) for run in session.execute(scored)]
    by_table: dict[tuple[int, Period], list[Question]] = {}
    for question in questions:
        by_table.setdefault((question.unit_id, period_of(runs, question.first_day)), []).append(question)
    found: dict[int, Effect] = {}
    for (unit_id, period), asked in by_table.items():
        start, end = period.bounds(timezone)
        sums = bucket_tallies(
            session,
            [(start, end)],
            timezone,
            group=("employee", "excluded"),
            where=lambda dims, unit_id=unit_id: [dims["unit"] == unit_id],
        )
        used: dict[int, Tally] = {
            employee: tally for (_, employee, excluded), tally in sums.items() if not excluded
        }
        unit_now = sum(used.values(), Tally.empty())
        for question in asked:
            decided = [w for w in question.waiting if start <= w.submitted_at < end]
            # confirming takes out those that count now; restoring adds those excluded now
            out = [w for w in decided if not w.excluded]
            back = [w for w in decided if w.excluded]
            units = [unit_now, unit_now - _total(out), unit_now + _total(back)]
            officers: list[Figure | None] = [None, None, None]
            if question.employee_id is not None:
                mine = used.get(question.employee_id, Tally.empty())
                own = [
                    mine,
                    mine - _total(out, question.employee_id),
                    mine + _total(back, question.employee_id),
                ]
                officers = [_officer(o, u, params) for o, u in zip(own, units, strict=True)]
            found[question.incident_id] = Effect(period.label, *officers, *(_unit(u) for u in units))
    return found


def _total(waiting: list[Waiting], employee_id: int | None = None) -> Tally:
    chosen = [w.tally for w in waiting if employee_id is None or w.employee_id == employee_id]
    return sum(chosen, Tally.empty())


def _moments(tally: Tally) -> tuple[float, float]:
    """Mean and sample variance of the officer value (NaN where undefined), exact until the division."""
    n, total, squares = tally.n, tally.ov6, tally.ov6_squares
    mean = total / n * OV6_TO_SCORE if n else math.nan
    var = (n * squares - total * total) / (n * (n - 1)) * OV6_TO_SCORE**2 if n >= 2 else math.nan
    return mean, var


def _officer(mine: Tally, unit: Tally, params: ScoringParams) -> Figure:
    mean, var = _moments(mine)
    prior, prior_var = _moments(unit)
    record = officer_score(mine.n, mean, var, prior, 0.0 if math.isnan(prior_var) else prior_var, params)
    return Figure(
        record["score"],
        record["score_low"],
        record["score_high"],
        mine.n,
        record["sufficient"],
        record["category"],
    )


def _unit(unit: Tally) -> Figure:
    ikm = ikm_from_sums(unit.sums, unit.counts)
    return Figure(None if ikm is None else float(ikm), used=unit.n)
