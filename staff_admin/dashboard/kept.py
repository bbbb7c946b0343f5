"""Figures counted from the ratings a scoring run kept, for what the run does not store per row: each
counter of a unit (volume, IKM, share of 1-2 ratings, its element report), the city as a whole, and the
officers' U6/U7 answers and the unit's average officer value.

"Kept" means: submitted in the run's period before the run finished, and not excluded (the detector's
flags as the run wrote them, with any review decision made since). So the counters of a unit add up to
the unit's stored result until a reviewer changes a flag, and the next run folds that change in too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Rating
from scoring.periods import Period
from scoring.skm import SCALE_FACTOR, ikm_from_sums, nrr
from staff_admin.dashboard.results import ChosenRun

LOW_OVERALL_MAX = 2  # overall 1 (very dissatisfied) or 2 (dissatisfied)


@dataclass(frozen=True)
class Sums:
    """Per element answer sums and answer counts of a group of kept ratings."""

    n_used: int
    n_low: int  # overall 1 or 2
    sums: tuple[int, ...]
    counts: tuple[int, ...]

    @classmethod
    def empty(cls) -> Sums:
        zeros = (0,) * len(SKM_ELEMENTS)
        return cls(0, 0, zeros, zeros)

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.n_used + other.n_used,
            self.n_low + other.n_low,
            tuple(a + b for a, b in zip(self.sums, other.sums, strict=True)),
            tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
        )

    def nrrs(self) -> list[Fraction | None]:
        return [nrr(total, count) for total, count in zip(self.sums, self.counts, strict=True)]

    def nrr(self, element: str) -> Fraction | None:
        index = SKM_ELEMENTS.index(element)
        return nrr(self.sums[index], self.counts[index])

    @property
    def ikm(self) -> Decimal | None:
        return ikm_from_sums(self.sums, self.counts)

    @property
    def low_share(self) -> float | None:
        """Percentage of 1-2 overall ratings, None without ratings."""
        return 100 * self.n_low / self.n_used if self.n_used else None


def kept(run: ChosenRun) -> list[ColumnElement[bool]]:
    start, end = Period(run.start, run.end, run.label).bounds(run.timezone)
    return [
        Rating.submitted_at >= start,
        Rating.submitted_at < end,
        Rating.submitted_at <= run.scored_at,
        Rating.excluded.is_(False),
    ]


def kept_sums(
    session: Session, run: ChosenRun, group: ColumnElement[Any] | None, *where: ColumnElement[bool]
) -> dict[Any, Sums]:
    """{group value: Sums} over the run's kept ratings matching `where` (one query)."""
    key = literal(0) if group is None else group
    elements = [getattr(Rating, code) for code in SKM_ELEMENTS]
    rows = session.execute(
        select(
            key.label("key"),
            func.count(),
            func.coalesce(func.sum(case((Rating.overall <= LOW_OVERALL_MAX, 1), else_=0)), 0),
            *(func.coalesce(func.sum(column), 0) for column in elements),
            *(func.count(column) for column in elements),
        )
        .where(*kept(run), *where)
        .group_by(key)
    )
    width = len(elements)
    return {
        row[0]: Sums(
            int(row[1]),
            int(row[2]),
            tuple(int(n) for n in row[3 : 3 + width]),
            tuple(int(n) for n in row[3 + width :]),
        )
        for row in rows
    }


def total(groups: Iterable[Sums]) -> Sums:
    result = Sums.empty()
    for sums in groups:
        result = result + sums
    return result


def officer_value() -> ColumnElement[float]:
    """Per rating, the officer value of scoring.aggregate.officer_values: the mean of the overall
    face and the answered U6, U7, on the 25-100 scale."""
    answered = 1 + case((Rating.u6.is_not(None), 1), else_=0) + case((Rating.u7.is_not(None), 1), else_=0)
    points = Rating.overall + func.coalesce(Rating.u6, 0) + func.coalesce(Rating.u7, 0)
    return points * float(SCALE_FACTOR) / answered
