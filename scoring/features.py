"""Vectorised building blocks: local time, targets, sorted groups and sliding time windows."""

from __future__ import annotations

import numpy as np

from scoring.params import ScoringParams
from scoring.table import RatingTable

SECONDS_PER_DAY = 86_400


def local_seconds(table: RatingTable) -> np.ndarray:
    """Seconds since the epoch on the submitter's local wall clock."""
    return table.ts + table.utc_offset_min.astype(np.int64) * 60


def local_day(table: RatingTable) -> np.ndarray:
    """Local calendar day number (days since 1970-01-01)."""
    return local_seconds(table) // SECONDS_PER_DAY


def outside_office_hours(table: RatingTable, params: ScoringParams) -> np.ndarray:
    """True where the rating came outside opening hours: the recorded flag when present, else the
    default window (params.office_weekdays, office_start_hour..office_end_hour) in local time."""
    local = local_seconds(table)
    weekday = (local // SECONDS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    hour = (local % SECONDS_PER_DAY) // 3600
    inside = np.isin(weekday, params.office_weekdays) & (hour >= params.office_start_hour)
    inside &= hour < params.office_end_hour
    return np.where(table.outside_hours >= 0, table.outside_hours == 1, ~inside)


def targets(table: RatingTable) -> np.ndarray:
    """Who a rating is about: the officer when attributed, else the counter (codes kept disjoint)."""
    n_employees = len(table.employee_labels)
    return np.where(table.employee >= 0, table.employee, n_employees + table.counter).astype(np.int64)


def device_rule_rows(table: RatingTable) -> np.ndarray:
    """Rows device-based rules judge: every rating with a device hash, whatever its channel. A kiosk
    code or a queue ticket proves that someone was served, not who rated: one phone rating many
    tickets or kiosk codes is judged like one phone at a poster."""
    return table.device >= 0


def pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One int64 key per (a, b) pair, both non-negative."""
    return a.astype(np.int64) * (int(b.max(initial=0)) + 1) + b.astype(np.int64)


def dense_groups(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 0, 1, 1, 1, 2... for an already sorted key array."""
    if len(sorted_keys) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.empty(len(sorted_keys), dtype=bool)
    starts[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=starts[1:])
    return np.cumsum(starts) - 1


def window_starts(groups: np.ndarray, times: np.ndarray, window: int) -> np.ndarray:
    """For rows sorted by (group, time): index of the first row of the same group within `window`
    seconds before (inclusive) each row."""
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    relative = times - times.min()
    span = int(relative.max()) + window + 1
    key = groups.astype(np.int64) * span + relative
    return np.searchsorted(key, key - window, side="left")


def windowed_sum(starts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of weights over rows starts[i]..i for every i."""
    cumulative = np.concatenate(([0], np.cumsum(weights, dtype=np.int64)))
    return cumulative[np.arange(1, len(weights) + 1)] - cumulative[starts]


def mark_ranges(starts: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """True for every row inside some range starts[i]..i where hits[i]."""
    delta = np.zeros(len(starts) + 1, dtype=np.int64)
    ends = np.flatnonzero(hits)
    np.add.at(delta, starts[ends], 1)
    np.add.at(delta, ends + 1, -1)
    return np.cumsum(delta[:-1]) > 0


def group_max(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the maximum of values within its (dense, sorted) group."""
    if len(groups) == 0:
        return values.copy()
    boundaries = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return np.maximum.reduceat(values, boundaries)[groups - groups[0]]


def distinct_count(group: np.ndarray, value: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct values per group code 0..n_groups-1 (group and value non-negative)."""
    pairs = np.unique(pair_key(group, value))
    owners = pairs // (int(value.max(initial=0)) + 1)
    return np.bincount(owners, minlength=n_groups)


def rule_strength(observed: np.ndarray, threshold: float) -> np.ndarray:
    """0..1 where reaching the threshold gives 0.5 and twice the threshold gives 1."""
    return np.clip(0.5 * observed / threshold, 0.0, 1.0)


class SortedGroups:
    """A subset of rows sorted by (group key, time), with dense group numbers."""

    def __init__(self, rows: np.ndarray, key: np.ndarray, ts: np.ndarray) -> None:
        local_order = np.lexsort((ts[rows], key[rows]))
        self.order = rows[local_order]
        self.groups = dense_groups(key[self.order])
        self.ts = ts[self.order]

    def scatter(self, n: int, values: np.ndarray, fill: float | bool = 0) -> np.ndarray:
        out = np.full(n, fill, dtype=values.dtype)
        out[self.order] = values
        return out


def binomial_tail(k: np.ndarray, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p), elementwise (1 where k <= 0)."""
    from scipy.special import betainc  # scipy comes with scikit-learn; imported on first use

    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    p = np.clip(np.broadcast_to(np.asarray(p, dtype=np.float64), k.shape), 1e-12, 1.0)
    out = np.ones(k.shape)
    positive = (k > 0) & (k <= n)
    out[positive] = betainc(k[positive], n[positive] - k[positive] + 1, p[positive])
    out[k > n] = 0.0
    return out


def windowed_cluster(
    table: RatingTable,
    rows: np.ndarray,
    key: np.ndarray,
    signal: np.ndarray,
    window: int,
    min_count: int,
    share: float,
    alpha: float,
) -> np.ndarray:
    """Per rating: True for the signal rows inside some window of `window` seconds (rows of one key,
    among `rows`) that holds >= min_count signal rows whose number is improbable among all the
    window's rows if each were a signal with probability `share` (binomial tail <= alpha)."""
    n = len(table)
    per_key = np.bincount(key[rows & signal], minlength=int(key.max(initial=0)) + 1)
    candidates = rows & (per_key[np.maximum(key, 0)] >= min_count)  # keys that can ever reach it
    if not candidates.any():
        return np.zeros(n, dtype=bool)
    sorted_rows = SortedGroups(np.flatnonzero(candidates), key, table.ts)
    starts = window_starts(sorted_rows.groups, sorted_rows.ts, window)
    hits = signal[sorted_rows.order]
    total = np.arange(len(starts)) - starts + 1
    count = windowed_sum(starts, hits.astype(np.int64))
    hit = (count >= min_count) & hits
    if alpha < 1:
        tested = np.flatnonzero(hit)
        hit[tested] = binomial_tail(count[tested], total[tested], share) <= alpha
    fired = mark_ranges(starts, hit) & hits
    return sorted_rows.scatter(n, fired, False)
