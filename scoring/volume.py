"""Brigades: many people (each on their own phone) giving one officer the same extreme value within a
day or two, far above the officer's normal volume. Told apart from an honest bad day, when ratings are
low at the officer's normal volume: those are the signal the system exists for and stay counted.

Per officer (or counter, for unattributed ratings), over each local day and each pair of consecutive
days, for the value 1 and the value 4 separately:
- n = every rating in the window, k = those with the value (the whole wave, caught or not);
- lambda = the officer's normal number of ratings for the window: the officer's median day, times the
  window's days, scaled down when the whole unit was quieter than usual (see _NormalVolume);
- p_u = the officer's usual share of value u outside the window, shrunk toward the share among the
  unit's other officers (worth brigade_prior_weight ratings), never below brigade_share_floor.

The window is a brigade when all of these hold:
1. volume far above normal: n >= brigade_volume_ratio x max(lambda, 1);
2. the extra ratings came on top of the usual ones, not instead of them:
   n - lambda + z sqrt(lambda) >= brigade_extra_share x (k - p lambda), z = brigade_other_z;
3. the values 2 and 3 each stay at their usual number: k_u <= p_u lambda + z sqrt(p_u lambda);
4. among the ratings no other rule excluded (n', k'): k' >= 3, k >= brigade_min_ratings, and the value
   is improbably frequent: P(Binomial(n', p) >= k') <= brigade_alpha (brigade_far_alpha when
   n >= brigade_far_ratio x lambda and the officer has >= brigade_far_history ratings outside it).

A bad day at normal volume fails 1 and 2 (low ratings replace the usual ones); a crowd of ordinary
ratings fails 3, and so does a crowd on a bad day (it brings 2s beside the 1s, a brigade only its one
value); a script or saboteur caught by another rule lends its volume but not its ratings (4), so
the officer's honest ratings beside it are no wave, while the rest of a wave some of whose phones were
caught (sabotage) still is; ratings caught as scripts by the speed rules are left out altogether.

Excluding a wave also excludes the officer's honest ratings of the same value inside it (nothing
tells them apart). Their number is estimated as p lambda, or p (n - k) / (1 - p) when the window's
other values say the day was busier; a window is a brigade only when they are at most
brigade_collateral of the wave, and the first that many ratings with the value in the window are
left out of the flag (most likely the honest ones before the wave). A wave that fails only this
test, or passes only the weaker surge_* thresholds, is rating_surge: marked for review, still
counted. Shares come from the ratings no rule excluded, and a second and third pass leave out what
the pass before found, so that several waves against one officer do not make each other look normal.

A wave's phones (scoring.wave_phones): within brigade_companion_hours of a wave (brigade or
rating_surge), a rating of the wave's value to the wave's officer that the window tests spared (the
estimate of honest ratings beside the wave, or a window that straddles the night) joins the wave when
its phone gave a wave rating too, and is marked for review when its phone gave two such ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.features import SortedGroups, binomial_tail, local_day, rule_strength
from scoring.params import ScoringParams
from scoring.table import RatingTable
from scoring.wave_phones import wave_phones

EXTREME_VALUES = (1, 4)
MIDDLE_VALUES = (2, 3)
_PASSES = 3
_MIN_LEFT = 3  # ratings of the wave no other rule caught, for the wave to be flagged at all


@dataclass(frozen=True, slots=True)
class VolumeHits:
    brigade: np.ndarray  # bool per rating
    surge: np.ndarray  # bool per rating (review only)
    strength: np.ndarray  # 0..1 per rating


@dataclass(frozen=True, slots=True)
class _Counts:
    """One window length (one day, or two days), at the last rating of each (officer, day)."""

    starts: np.ndarray  # first sorted row of the window
    ends: np.ndarray  # last sorted row of the window
    n: np.ndarray  # every rating in the window
    expected: np.ndarray  # lambda: the officer's normal number of ratings for such a window
    k: dict[int, np.ndarray]  # every rating with the value (1 to 4) in the window
    n_left: np.ndarray  # ratings in the window that no rule excluded
    k_left: dict[int, np.ndarray]  # of those, with the value
    p: dict[int, np.ndarray]  # the officer's usual share of the value (outside the window), shrunk
    history: np.ndarray  # the officer's usable ratings outside the window


def _tier(w: _Counts, value: int, min_count: int, ratio: float, alpha: float, params: ScoringParams):
    n, expected, p = w.n, w.expected, w.p[value]
    floor = np.maximum(expected, 1.0)
    # the wave counts whole (some of its phones may have been caught already, e.g. as sabotage) ...
    hit = (w.k[value] >= min_count) & (w.k_left[value] >= _MIN_LEFT) & (n >= ratio * floor)
    # ... the extra ratings came on top of the usual ones (on a bad day low ratings replace them) ...
    slack = params.brigade_other_z * np.sqrt(floor)  # a day's volume varies by about sqrt(lambda)
    hit &= n - expected + slack >= params.brigade_extra_share * (w.k[value] - p * expected)
    # ... and they are the ones with the value, not a crowd of ordinary ratings (2s and 3s stay normal)
    for other in MIDDLE_VALUES:
        usual = w.p[other] * expected
        hit &= w.k[other] <= usual + params.brigade_other_z * np.sqrt(np.maximum(usual, 1.0))
    tested = np.flatnonzero(hit)
    # the value is improbably frequent in the window; far above the normal volume it only needs to
    # be clearly more frequent than usual (only for an officer with a known normal: a new officer's
    # first busy day is not a wave) ...
    far = n[tested] >= params.brigade_far_ratio * floor[tested]
    far &= w.history[tested] >= params.brigade_far_history
    level = np.where(far, max(alpha, params.brigade_far_alpha), alpha)
    hit[tested] = binomial_tail(w.k[value][tested], n[tested], p[tested]) <= level
    # ... and so is what no other rule caught, so that a caught script or saboteur does not turn the
    # officer's honest ratings beside it into a wave
    tested = np.flatnonzero(hit)
    left = binomial_tail(w.k_left[value][tested], w.n_left[tested], p[tested])
    hit[tested] = left <= max(alpha, params.brigade_left_alpha)
    return hit


class _Sorted:
    """The ratings judged (all but caught scripts) sorted by (target, time), as the columns the tests
    need."""

    def __init__(self, table: RatingTable, target: np.ndarray, rows_mask: np.ndarray) -> None:
        rows = SortedGroups(np.flatnonzero(rows_mask), target, table.ts)
        day = local_day(table)
        self.order = rows.order
        self.groups = rows.groups
        self.unit = table.unit[rows.order].astype(np.int64)
        self.day = (day - day.min() + 1)[rows.order]  # 1-based: the day before is >= 0
        self.overall = table.overall[rows.order]

    def __len__(self) -> int:
        return len(self.order)

    def per_target(self, mask: np.ndarray) -> np.ndarray:
        """Per target group, the number of rows in mask."""
        return np.bincount(self.groups, weights=mask, minlength=int(self.groups.max(initial=-1)) + 1)


class _Windows:
    """Counts of any subset of rows in windows that start and end on (target, day) cells: per-cell
    sums and their running total, so memory grows with the number of officer-days, not ratings."""

    def __init__(self, first_rows: np.ndarray) -> None:
        self.first_rows = first_rows
        self.end_cells = np.arange(len(first_rows))

    def count(self, mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
        per_cell = np.add.reduceat(mask.astype(np.int64), self.first_rows) if len(self.first_rows) else []
        running = np.concatenate(([0], np.cumsum(per_cell)))
        start_cells = np.searchsorted(self.first_rows, starts)
        return (running[self.end_cells + 1] - running[start_cells]).astype(np.float64)


def _day_windows(rows: _Sorted) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The last sorted row of each (target, local day), the first row of that day (one-day window)
    and the first row of the day before when the target had ratings then (two-day window)."""
    groups, day = rows.groups, rows.day
    new_cell = np.r_[True, (groups[1:] != groups[:-1]) | (day[1:] != day[:-1])]
    first_rows = np.flatnonzero(new_cell)
    ends = np.r_[first_rows[1:] - 1, len(groups) - 1] if len(groups) else first_rows
    before = np.maximum(first_rows - 1, 0)  # the last row of the previous cell
    follows = (first_rows > 0) & (groups[before] == groups[first_rows]) & (day[before] == day[first_rows] - 1)
    previous_first = np.r_[0, first_rows[:-1]] if len(first_rows) else first_rows
    two_day = np.where(follows, previous_first, first_rows)
    return ends, first_rows, two_day


class _NormalVolume:
    """The officer's normal number of ratings in a one- or two-day window: the median of the
    officer's ratings per day over the days on which the unit had ratings (a day without a rating of
    the officer counts as 0; a median is not moved by a wave or a crowd), times the window's days,
    scaled down when the unit as a whole was quieter than on its median day (a weekend, a holiday)."""

    def __init__(self, rows: _Sorted, ends: np.ndarray, first: np.ndarray, n_units: int) -> None:
        self.span = int(rows.day.max(initial=0)) + 2
        self.unit_day, counts = np.unique(rows.unit * self.span + rows.day, return_counts=True)
        self.unit_day_counts = counts.astype(np.float64)
        unit_of_day = self.unit_day // self.span
        unit_days = np.bincount(unit_of_day, minlength=n_units)
        unit_median = _medians(unit_of_day, self.unit_day_counts, unit_days)
        cell_target = rows.groups[ends]
        n_targets = int(rows.groups.max(initial=-1)) + 1
        target_unit = np.zeros(n_targets, dtype=np.int64)
        target_unit[cell_target] = rows.unit[ends]
        days = np.maximum(unit_days[target_unit], np.bincount(cell_target, minlength=n_targets))
        target_median = _medians(cell_target, (ends - first + 1).astype(np.float64), days)
        self.unit = rows.unit[ends]
        self.day = rows.day[ends]
        self.unit_median = unit_median[self.unit]
        self.target_median = target_median[cell_target]
        self.n_units = n_units

    def _unit_ratings(self, day: np.ndarray) -> np.ndarray:
        key = self.unit * self.span + day
        at = np.minimum(np.searchsorted(self.unit_day, key), len(self.unit_day) - 1)
        return np.where(self.unit_day[at] == key, self.unit_day_counts[at], 0.0)

    def expected(self, two_days: np.ndarray) -> np.ndarray:
        days = np.where(two_days, 2.0, 1.0)
        unit_window = self._unit_ratings(self.day) + np.where(two_days, self._unit_ratings(self.day - 1), 0.0)
        quiet = np.minimum(unit_window / np.maximum(self.unit_median * days, 1.0), 1.0)
        return self.target_median * days * quiet


def _medians(group: np.ndarray, values: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Per group 0..len(days)-1: the median of its values padded with zeros up to days[group] values."""
    order = np.lexsort((values, group))
    group, values = group[order], values[order]
    present = np.bincount(group, minlength=len(days))
    begin = np.concatenate(([0], np.cumsum(present)[:-1]))
    zeros = days - present

    def at(position: np.ndarray) -> np.ndarray:
        if len(values) == 0:
            return np.zeros(len(days))
        index = np.clip(begin + position - zeros, 0, len(values) - 1)
        return np.where((position >= zeros) & (present > 0), values[index], 0.0)

    total = np.maximum(days, 1)
    return (at((total - 1) // 2) + at(total // 2)) / 2


def _prior_shares(rows: _Sorted, ends: np.ndarray, usable: np.ndarray, n_units: int, weight: float):
    """Per window end and value: weight x the share of the value among the usable ratings of the
    unit's other officers (so that a brigade does not raise its own prior)."""
    unit = rows.unit[ends]
    unit_n = np.bincount(rows.unit, weights=usable, minlength=n_units)[unit]
    target_n = rows.per_target(usable)[rows.groups[ends]]
    others = unit_n - target_n
    shares = {}
    for value in (*EXTREME_VALUES, *MIDDLE_VALUES):
        is_value = usable & (rows.overall == value)
        unit_k = np.bincount(rows.unit, weights=is_value, minlength=n_units)[unit]
        own = (unit_k - rows.per_target(is_value)[rows.groups[ends]]) / np.maximum(others, 1.0)
        shares[value] = weight * np.where(others > 0, own, unit_k / np.maximum(unit_n, 1.0))
    return shares


def brigades(
    table: RatingTable, params: ScoringParams, target: np.ndarray, left: np.ndarray, people: np.ndarray
) -> VolumeHits:
    """brigade and rating_surge among the ratings of `people` (not caught as scripts); `left`: the
    ratings no other rule excluded (only those are flagged)."""
    size = len(table)
    brigade = np.zeros(size, dtype=bool)
    surge = np.zeros(size, dtype=bool)
    strength = np.zeros(size)
    left = left & people
    if not left.any():
        return VolumeHits(brigade, surge, strength)
    rows = _Sorted(table, target, people)
    left_sorted = left[rows.order]
    ends, one_day, two_day = _day_windows(rows)
    normal = _NormalVolume(rows, ends, one_day, len(table.unit_labels))
    found = np.zeros(len(rows), dtype=bool)
    marked = found
    level = np.zeros(len(rows))
    for _ in range(_PASSES):
        usable = left_sorted & ~found
        fired, marked, level = _one_pass(rows, left_sorted, usable, normal, ends, (one_day, two_day), params)
        new = fired & ~found
        found |= fired
        if not new.any():
            break
    brigade[rows.order[found]] = True
    surge[rows.order[marked & ~found]] = True
    strength[rows.order] = np.where(found, np.maximum(level, 0.5), np.where(marked & ~found, 0.45, 0.0))
    caught = people & ~left
    joins, marks = wave_phones(
        table, target, brigade, surge, caught, left, params.brigade_companion_hours * 3600
    )
    strength[joins] = np.maximum(strength[joins], 0.5)
    strength[marks] = np.maximum(strength[marks], 0.45)
    brigade |= joins
    surge |= marks
    return VolumeHits(brigade, surge, strength)


def _one_pass(
    rows: _Sorted, left: np.ndarray, usable: np.ndarray, normal: _NormalVolume, ends, window_starts, params
):
    """Fired (brigade) and marked (surge) sorted rows and a strength level, shares from `usable`."""
    m = params.brigade_prior_weight
    prior = _prior_shares(rows, ends, usable, normal.n_units, m)
    target_usable = rows.per_target(usable)[rows.groups[ends]]
    cells = _Windows(window_starts[0])
    windows = []
    for starts in window_starts:
        k, k_left, p = {}, {}, {}
        usable_n = cells.count(usable, starts)
        for value in (*EXTREME_VALUES, *MIDDLE_VALUES):
            with_value = rows.overall == value
            k[value] = cells.count(with_value, starts)
            outside_k = rows.per_target(with_value & usable)[rows.groups[ends]] - cells.count(
                with_value & usable, starts
            )
            p[value] = np.maximum(
                (outside_k + prior[value]) / (target_usable - usable_n + m), params.brigade_share_floor
            )
            if value in EXTREME_VALUES:
                k_left[value] = cells.count(with_value & left, starts)
        windows.append(
            _Counts(
                starts=starts,
                ends=ends,
                n=(ends - starts + 1).astype(np.float64),
                expected=normal.expected(starts != window_starts[0]),
                k=k,
                n_left=cells.count(left, starts),
                k_left=k_left,
                p=p,
                history=target_usable - usable_n,
            )
        )
    fired = np.zeros(len(rows), dtype=bool)
    marked = np.zeros(len(rows), dtype=bool)
    level = np.zeros(len(rows))
    for value in EXTREME_VALUES:
        with_value = (rows.overall == value) & left
        for w in windows:
            strong = _tier(
                w,
                value,
                params.brigade_min_ratings,
                params.brigade_volume_ratio,
                params.brigade_alpha,
                params,
            )
            # the officer's honest ratings of the value beside the wave: as many as usual on a normal
            # day, or as the window's other values say (a busy day has more of every value; a wave
            # only of its own). Excluding a wave excludes them too, so only when they are few next to
            # the wave; otherwise the wave is marked for review instead
            others = w.n - w.k[value]
            usual = np.maximum(
                w.p[value] * w.expected, w.p[value] * others / np.maximum(1 - w.p[value], 0.05)
            )
            strong &= usual <= params.brigade_collateral * (w.k[value] - usual)
            weak = _tier(
                w, value, params.surge_min_ratings, params.surge_volume_ratio, params.surge_alpha, params
            )
            trimmed = _trimmed_starts(w.starts, with_value, np.floor(usual))
            hit = _mark(len(rows), trimmed[strong], w.ends[strong]) & with_value
            fired |= hit
            marked |= _mark(len(rows), trimmed[weak], w.ends[weak]) & with_value
            peak = float(w.k_left[value][strong].max(initial=0.0))
            strength = rule_strength(np.array(peak), params.brigade_min_ratings)
            level = np.maximum(level, np.where(hit, strength, 0.0))
    return fired, marked, level


def _trimmed_starts(starts: np.ndarray, is_value: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Each window's start moved past its first `skip` rows with the value."""
    positions = np.flatnonzero(is_value)
    if len(positions) == 0:
        return starts
    before = np.searchsorted(positions, starts)  # value rows before the window
    wanted = np.minimum(before + skip.astype(np.int64), len(positions) - 1)
    return np.maximum(starts, positions[wanted])


def _mark(size: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """True for every row inside some range starts[i]..ends[i]."""
    delta = np.zeros(size + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends + 1, -1)
    return np.cumsum(delta[:-1]) > 0
