"""Officer-week anomaly marker: statistics first, IsolationForest second, review only.

Per (officer, unit, local week) the features are
  1. volume vs the officer's own baseline: log2((n + 1) / (median weekly n of this officer + 1));
  2. share of top scores (overall = 4) minus the unit's share;
  3. share of bottom scores (overall = 1) minus the unit's share;
  4. distinct devices per rating (poster ratings with a device; 1 when there are none).
A week is marked `officer_anomaly` only when the plain statistics already look unusual (at least
anomaly_min_window_ratings ratings and anomaly_min_volume_ratio times the officer's median week) AND the
IsolationForest score (0..1, about 0.5 for ordinary weeks) reaches anomaly_score_threshold. The marker
puts the week's ratings in the review queue; it never excludes a rating by itself. Ratings already
excluded by a rule are left out of the features, so the model looks at what would be counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.features import SECONDS_PER_DAY, dense_groups, local_seconds
from scoring.params import ScoringParams
from scoring.table import POSTER, RatingTable


@dataclass(frozen=True, slots=True)
class AnomalyOutcome:
    marked: np.ndarray  # bool per rating: in a week marked officer_anomaly
    window_score: np.ndarray  # float per rating: the IsolationForest score of its week, 0 if none


def _window_number(table: RatingTable, days: int) -> np.ndarray:
    local_days = local_seconds(table) // SECONDS_PER_DAY
    return (local_days + 3) // days  # +3 aligns 7-day windows to start on Monday


def _group_ids(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense group number per row for the combination of keys, and the row order used."""
    order = np.lexsort(keys[::-1])
    sorted_keys = np.stack([k[order] for k in keys], axis=1)
    change = np.r_[True, np.any(sorted_keys[1:] != sorted_keys[:-1], axis=1)]
    groups = np.empty(len(order), dtype=np.int64)
    groups[order] = np.cumsum(change) - 1
    return groups, order


def officer_week_features(table: RatingTable, used: np.ndarray, params: ScoringParams):
    """Feature matrix per officer-week among used, attributed ratings; returns (features, counts,
    volume ratio, window id per rating or -1)."""
    rows = np.flatnonzero(used & (table.employee >= 0))
    window_of_rating = np.full(len(table), -1, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0), window_of_rating
    employee, unit = table.employee[rows], table.unit[rows]
    week = _window_number(table, params.anomaly_window_days)[rows]
    window, _ = _group_ids(employee, unit, week)
    n_windows = int(window.max()) + 1
    window_of_rating[rows] = window
    counts = np.bincount(window, minlength=n_windows).astype(float)
    overall = table.overall[rows]
    top = np.bincount(window, weights=overall == 4, minlength=n_windows) / counts
    bottom = np.bincount(window, weights=overall == 1, minlength=n_windows) / counts
    unit_n = np.bincount(unit).astype(float)
    unit_top = np.bincount(unit, weights=overall == 4) / np.maximum(unit_n, 1)
    unit_bottom = np.bincount(unit, weights=overall == 1) / np.maximum(unit_n, 1)
    window_unit = np.zeros(n_windows, dtype=np.int64)
    window_unit[window] = unit
    window_officer = np.zeros(n_windows, dtype=np.int64)
    window_officer[window] = _group_ids(employee, unit)[0]
    baseline = _median_per_group(window_officer, counts)
    volume_ratio = (counts + 1) / (baseline + 1)
    with_device = (table.channel[rows] == POSTER) & (table.device[rows] >= 0)
    device_rows = np.bincount(window[with_device], minlength=n_windows)
    pairs = np.unique(
        window[with_device] * (int(table.device.max(initial=0)) + 1) + table.device[rows][with_device]
    )
    distinct = np.bincount(pairs // (int(table.device.max(initial=0)) + 1), minlength=n_windows)
    devices_per_rating = np.where(device_rows > 0, distinct / np.maximum(device_rows, 1), 1.0)
    features = np.column_stack(
        [
            np.log2(volume_ratio),
            top - unit_top[window_unit],
            bottom - unit_bottom[window_unit],
            devices_per_rating,
        ]
    )
    return features, counts, volume_ratio, window_of_rating


def _median_per_group(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per element, the median of values over its group."""
    order = np.lexsort((values, groups))
    sorted_groups, sorted_values = groups[order], values[order]
    dense = dense_groups(sorted_groups)
    starts = np.flatnonzero(np.r_[True, dense[1:] != dense[:-1]])
    sizes = np.diff(np.r_[starts, len(dense)])
    low = sorted_values[starts + (sizes - 1) // 2]
    high = sorted_values[starts + sizes // 2]
    medians = (low + high) / 2
    out = np.empty(len(values))
    out[order] = medians[dense]
    return out


def officer_anomalies(table: RatingTable, used: np.ndarray, params: ScoringParams) -> AnomalyOutcome:
    n = len(table)
    features, counts, volume_ratio, window_of_rating = officer_week_features(table, used, params)
    if len(features) < params.anomaly_min_windows:
        return AnomalyOutcome(np.zeros(n, dtype=bool), np.zeros(n))
    # Imported here: scikit-learn takes seconds to import, and every app process imports this package.
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(
        n_estimators=params.anomaly_n_estimators, random_state=params.anomaly_random_state, n_jobs=1
    )
    forest.fit(features)
    score = -forest.score_samples(features)  # 0..1, higher = easier to isolate = more unusual
    unusual = (counts >= params.anomaly_min_window_ratings) & (
        volume_ratio >= params.anomaly_min_volume_ratio
    )
    marked_windows = unusual & (score >= params.anomaly_score_threshold)
    has_window = window_of_rating >= 0
    marked = np.zeros(n, dtype=bool)
    marked[has_window] = marked_windows[window_of_rating[has_window]]
    window_score = np.zeros(n)
    window_score[has_window] = score[window_of_rating[has_window]]
    return AnomalyOutcome(marked, window_score)
