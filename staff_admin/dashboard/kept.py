"""Figures counted from the ratings a scoring run kept, for what the run does not store per row: each
counter of a unit (volume, IKM, share of 1-2 ratings, its element report), the city as a whole, and the
officers' U6/U7 answers and the unit's average officer value.

"Kept" means: submitted in the run's period before the run finished, and not excluded (the detector's
flags as the run wrote them, with any review decision made since). So the counters of a unit add up to
the unit's stored result until a reviewer changes a flag, and the next run folds that change in too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Rating
from scoring.periods import Period
from scoring.skm import SCALE_FACTOR, ikm_from_sums, nrr
from staff_admin.dashboard.results import ChosenRun
from staff_admin.kit.tallies import Dims, Where, bucket_tallies

LOW_OVERALL_MAX = 2  # overall 1 (very dissatisfied) or 2 (dissatisfied)


@dataclass(frozen=True)
class Sums:
    """Per element answer sums and answer counts of a group of kept ratings."""

    n_used: int
    n_low: int  # overall 1 or 2
    sums: tuple[int, ...]
    counts: tuple[int, ...]
    ov6: int = 0  # officer value x 6 / 25, summed (average_officer_value)

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
            self.ov6 + other.ov6,
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


def kept_bucket(run: ChosenRun) -> tuple[datetime, datetime]:
    """The run's kept time range: its period, cut where the run finished (inclusive)."""
    start, end = Period(run.start, run.end, run.label).bounds(run.timezone)
    return start, min(end, run.scored_at + timedelta(microseconds=1))


def kept(run: ChosenRun) -> list[ColumnElement[bool]]:
    """The run's kept ratings as a live condition on the ratings table, for what the rollups do not
    hold (the respondent profile)."""
    start, end = kept_bucket(run)
    return [Rating.submitted_at >= start, Rating.submitted_at < end, Rating.excluded.is_(False)]


def kept_sums(
    session: Session,
    run: ChosenRun,
    group: str | None,
    where: Where | None = None,
    timezone: str | None = None,
) -> dict[Any, Sums]:
    """{group value: Sums} over the run's kept ratings matching `where` (a function of the tallies'
    dimensions: staff_admin.kit.tallies); `group` is one of those dimensions, None for one group (0),
    and an employee of None stands for nobody on duty. Read from the day rollups in `timezone`'s days
    (the run's own by default) and the ratings beyond them."""

    def kept_where(dims: Dims) -> list[ColumnElement[bool]]:
        return [dims["excluded"].is_(False), *(where(dims) if where else [])]

    groups = ("overall",) if group is None else (group, "overall")
    tallies = bucket_tallies(session, [kept_bucket(run)], timezone or run.timezone, groups, kept_where)
    found: dict[Any, Sums] = {}
    for key, tally in tallies.items():
        value = 0 if group is None else key[1]
        if group == "employee" and value == 0:
            value = None
        overall = key[-1]
        sums = Sums(
            tally.n, tally.n if overall <= LOW_OVERALL_MAX else 0, tally.sums, tally.counts, tally.ov6
        )
        found[value] = found[value] + sums if value in found else sums
    return found


def total(groups: Iterable[Sums]) -> Sums:
    result = Sums.empty()
    for sums in groups:
        result = result + sums
    return result


def average_officer_value(sums: Sums) -> float | None:
    """The mean officer value of scoring.aggregate.officer_values (the mean of the overall face and
    the answered U6, U7, on the 25-100 scale) over a group of kept ratings, None without any."""
    if not sums.n_used:
        return None
    return float(Fraction(sums.ov6, sums.n_used) * SCALE_FACTOR / 6)
