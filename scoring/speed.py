"""The speed rules. Speed is a signal, never a verdict on its own: plenty of honest people tap one face
and press send in a second or two. A fast rating is excluded only when fast ratings cluster, which a
person tapping quickly does not do:

- bot_speed (any channel): a form submitted in under bot_min_seconds, and
  * the same device sent >= bot_device_min_fast such ratings within bot_device_window_hours, or
  * one network, one office (unit) or one officer/counter received >= bot_cluster_min_fast of them
    within bot_window_hours, far more than the honest share of fast ratings explains (binomial tail
    <= cluster_alpha), or
  * one officer/counter received such an improbable number over the whole period among the fast
    ratings the short windows left (a slow script; left over, so a caught script does not make the
    officer's honest fast raters suspects);
- bot_off_hours (posters): outside opening hours and under bot_off_hours_min_seconds, with
  >= bot_off_hours_min_ratings such ratings at one office or network within bot_off_hours_window_hours,
  again improbable for honest evening raters.

The honest share is estimated from the data (twice the share of fast ratings among all, so that
offices with more quick raters than average are not suspects), never below a floor and never above
ten times it.
"""

from __future__ import annotations

import numpy as np

from scoring.features import outside_office_hours, windowed_cluster
from scoring.params import ScoringParams
from scoring.table import POSTER, RatingTable

_HOUR = 3600
_WHOLE_PERIOD = 100 * 365 * 86_400


def _below(seconds: np.ndarray, threshold: float) -> np.ndarray:
    return np.less(seconds, threshold, where=~np.isnan(seconds), out=np.zeros(len(seconds), bool))


def speed_strength(seconds: np.ndarray, fired: np.ndarray, threshold: float) -> np.ndarray:
    """0.5 at the threshold up to 1 at 0 s for fired rows; uncorroborated fast rows stay near misses."""
    with np.errstate(invalid="ignore"):
        below = 0.5 + 0.5 * np.clip(1 - seconds / threshold, 0, 1)
    return np.where(fired | _below(seconds, threshold), below, 0.0)


def _honest_share(signal: np.ndarray, among: np.ndarray, floor: float) -> float:
    """Twice the observed share (offices differ), at least the floor, at most ten times it: in a small
    or script-heavy data set the observed share says little about honest people."""
    known = int(among.sum())
    observed = 2.0 * float(signal.sum()) / known if known else 0.0
    return min(max(floor, observed), 10 * floor)


def bot_speed(table: RatingTable, params: ScoringParams, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fired rows and strength (see the module docstring)."""
    seconds = table.form_seconds
    fast = _below(seconds, params.bot_min_seconds)
    fired = np.zeros(len(table), dtype=bool)
    if fast.sum() >= min(params.bot_device_min_fast, params.bot_cluster_min_fast):
        share = _honest_share(fast, ~np.isnan(seconds), params.bot_fast_share_floor)
        every = np.ones(len(table), dtype=bool)
        fired |= windowed_cluster(
            table, table.device >= 0, table.device, fast, params.bot_device_window_hours * _HOUR,
            params.bot_device_min_fast, share, 1.0,
        )  # fmt: skip
        window = params.bot_window_hours * _HOUR
        for rows, key in ((table.network >= 0, table.network), (every, table.unit), (every, target)):
            fired |= windowed_cluster(
                table, rows, key, fast, window, params.bot_cluster_min_fast, share, params.cluster_alpha
            )
        # a slow script spread over the period: what the short windows left, per officer or counter
        fired |= windowed_cluster(
            table, every, target, fast & ~fired, _WHOLE_PERIOD, params.bot_cluster_min_fast, share,
            params.cluster_alpha,
        )  # fmt: skip
    return fired, speed_strength(seconds, fired, params.bot_min_seconds)


def bot_off_hours(table: RatingTable, params: ScoringParams) -> tuple[np.ndarray, np.ndarray]:
    """Fired rows and strength (see the module docstring)."""
    seconds = table.form_seconds
    poster = table.channel == POSTER
    signal = poster & outside_office_hours(table, params) & _below(seconds, params.bot_off_hours_min_seconds)
    fired = np.zeros(len(table), dtype=bool)
    if signal.sum() >= params.bot_off_hours_min_ratings:
        window = params.bot_off_hours_window_hours * _HOUR
        share = _honest_share(signal, np.ones(len(table), dtype=bool), params.bot_off_hours_share_floor)
        for rows, key in ((np.ones(len(table), dtype=bool), table.unit), (table.network >= 0, table.network)):
            fired |= windowed_cluster(
                table,
                rows,
                key,
                signal,
                window,
                params.bot_off_hours_min_ratings,
                share,
                params.cluster_alpha,
            )
    strength = speed_strength(seconds, fired, params.bot_off_hours_min_seconds)
    return fired, np.where(signal | fired, strength, 0.0)
