"""Officer scores adjusted for channel and counter mix, as patient surveys adjust for patient mix and
survey mode before hospitals are compared (HCAHPS).

Ratings differ by channel (a kiosk by the counter, a poster, a queue slip rated at home) and by
counter (a counter that refuses incomplete files is rated lower whoever sits there). The model, over
the used, attributed ratings of the period, for the officer value y (face, u6, u7 on 25-100):

    y = a_officer + b_channel + c_counter + e

Officer effects are fixed effects: channel and counter effects are estimated from the differences
*within* each officer's own ratings (the same officer rated higher at one counter than at another, or
through the kiosk than through the poster), as the HCAHPS patient-mix model estimates its adjustments
within hospitals. So a good officer is never taken for a good counter. Channel and counter effects are
shrunk toward 0 by ridge penalties worth adjust_channel_prior and adjust_counter_prior ratings: an
effect needs evidence from many ratings before it moves anyone's score. Solved by conjugate gradients
on cells (officer x counter x channel), so the cost does not grow with the number of ratings.

An officer's adjustment is the mean effect of their own ratings' channels and counters minus the mean
over all ratings (the reference mix); the unit's prior is adjusted the same way. The adjusted score is
the documented score with both adjusted: (v (R - d_officer) + m (C - d_unit)) / (v + m).

Limits: where an officer always sits at the same counter and is rated through one channel, nothing can
tell the counter from the officer and the adjustment is 0; effects are assumed the same for everyone
(no interaction between officer and counter); officer attributes (gender, age) are never adjusted for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.params import ScoringParams
from scoring.table import CHANNELS, RatingTable

_MAX_ITERATIONS = 500
_TOLERANCE = 1e-10


@dataclass(frozen=True, slots=True)
class MixEffects:
    counter: np.ndarray  # effect per counter code, points on 25-100
    channel: np.ndarray  # effect per channel code (poster, kiosk, ticket)
    reference: float  # mean effect over the used, attributed ratings

    def per_rating(self, table: RatingTable) -> np.ndarray:
        """Each rating's channel and counter effect relative to the reference mix."""
        return self.counter[table.counter] + self.channel[table.channel] - self.reference


def fit_mix(table: RatingTable, used: np.ndarray, values: np.ndarray, params: ScoringParams) -> MixEffects:
    n_counters, n_channels = len(table.counter_labels), len(CHANNELS)
    rows = np.flatnonzero(used & (table.employee >= 0))
    if len(rows) == 0:
        return MixEffects(np.zeros(n_counters), np.zeros(n_channels), 0.0)
    officer, counter = table.employee[rows].astype(np.int64), table.counter[rows].astype(np.int64)
    channel = table.channel[rows].astype(np.int64)
    key = (officer * n_counters + counter) * n_channels + channel
    cells, cell_of_row = np.unique(key, return_inverse=True)
    weight = np.bincount(cell_of_row).astype(np.float64)
    total = np.bincount(cell_of_row, weights=values[rows])
    cell_channel = cells % n_channels
    cell_counter = cells // n_channels % n_counters
    _, cell_officer = np.unique(cells // (n_channels * n_counters), return_inverse=True)
    officer_n = np.bincount(cell_officer, weights=weight)
    officer_mean = np.bincount(cell_officer, weights=total) / officer_n
    penalty = np.r_[
        np.full(n_counters, params.adjust_counter_prior), np.full(n_channels, params.adjust_channel_prior)
    ]

    def within(effect: np.ndarray) -> np.ndarray:
        """Per cell, weight x (effect - the officer's weighted mean effect)."""
        mean = np.bincount(cell_officer, weights=weight * effect) / officer_n
        return weight * (effect - mean[cell_officer])

    def gather(x: np.ndarray) -> np.ndarray:
        return x[cell_counter] + x[n_counters + cell_channel]

    def scatter(per_cell: np.ndarray) -> np.ndarray:
        return np.r_[
            np.bincount(cell_counter, weights=per_cell, minlength=n_counters),
            np.bincount(cell_channel, weights=per_cell, minlength=n_channels),
        ]

    def apply(x: np.ndarray) -> np.ndarray:
        return scatter(within(gather(x))) + penalty * x

    rhs = scatter(total - weight * officer_mean[cell_officer])
    diagonal = scatter(weight) + penalty
    x = _conjugate_gradients(apply, rhs, diagonal)
    effects = MixEffects(x[:n_counters], x[n_counters:], 0.0)
    reference = float(np.mean(effects.counter[table.counter[rows]] + effects.channel[table.channel[rows]]))
    return MixEffects(effects.counter, effects.channel, reference)


def _conjugate_gradients(apply, rhs: np.ndarray, diagonal: np.ndarray) -> np.ndarray:
    """Solve apply(x) = rhs for a symmetric positive definite operator, Jacobi-preconditioned."""
    x = np.zeros_like(rhs)
    residual = rhs.copy()
    scale = float(rhs @ rhs)
    if scale == 0:
        return x
    preconditioned = residual / diagonal
    direction = preconditioned.copy()
    rho = float(residual @ preconditioned)
    for _ in range(_MAX_ITERATIONS):
        product = apply(direction)
        step = rho / float(direction @ product)
        x += step * direction
        residual -= step * product
        if float(residual @ residual) <= _TOLERANCE * scale:
            break
        preconditioned = residual / diagonal
        rho, previous = float(residual @ preconditioned), rho
        direction = preconditioned + rho / previous * direction
    return x
