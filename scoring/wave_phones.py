"""A wave's phones (part of the brigade rule, scoring.volume): within brigade_companion_hours of a wave
(brigade, rating_surge, or what the device rules caught of people), a rating of the wave's value to the
wave's officer that the window tests spared joins the wave when its phone gave a wave rating too, and
is marked for review when its phone gave two such ratings. A phone that rated once is never flagged
this way."""

from __future__ import annotations

import numpy as np

from scoring.table import RatingTable


def within(key: np.ndarray, ts: np.ndarray, of_key: np.ndarray, of_ts: np.ndarray, seconds: float):
    """Per (key, ts): whether a row of (of_key, of_ts) has the same key at most `seconds` away
    (itself included when it is one of them)."""
    if len(key) == 0 or len(of_key) == 0:
        return np.zeros(len(key), dtype=bool)
    # one sorted line: each key's moments far apart from the next key's, so only same-key rows meet
    _, rank = np.unique(np.concatenate([key, of_key]), return_inverse=True)
    start = min(int(ts.min()), int(of_ts.min()))
    spread = np.int64(1 << 40)  # seconds, far more than any period holds
    query = rank[: len(key)].astype(np.int64) * spread + (ts - start)
    line = np.sort(rank[len(key) :].astype(np.int64) * spread + (of_ts - start))
    at = np.searchsorted(line, query)
    before = line[np.maximum(at - 1, 0)]
    after = line[np.minimum(at, len(line) - 1)]
    return (np.abs(query - before) <= seconds) | (np.abs(after - query) <= seconds)


def wave_phones(
    table: RatingTable,
    target: np.ndarray,
    brigade: np.ndarray,
    surge: np.ndarray,
    caught: np.ndarray,
    left: np.ndarray,
    seconds: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The ratings of a wave's phones that the window tests spared: (join the brigade, join the
    marked wave). A wave here is also what the device rules caught of people (`caught`: the phones
    of a wave that rated often enough to be seen as sabotage). A candidate is a rating of the wave's
    value to the wave's officer, no rule caught, at most `seconds` from a wave rating. It joins when
    its phone gave another rating of the value to the officer at most `seconds` away: a wave rating
    (then it takes that rating's flag) or another candidate (then it is marked for review: a phone
    rating an officer twice in two days, with the wave's value, while the wave lasts)."""
    joins, marks = np.zeros(len(table), dtype=bool), np.zeros(len(table), dtype=bool)
    wave = np.flatnonzero((brigade | surge | caught) & (target >= 0))
    if len(wave) == 0:
        return joins, marks
    ts, devices = table.ts, int(table.device.max(initial=0)) + 1

    def officer_value(rows: np.ndarray) -> np.ndarray:
        return target[rows].astype(np.int64) * 8 + table.overall[rows]

    def phone(rows: np.ndarray) -> np.ndarray:
        return officer_value(rows) * devices + table.device[rows]

    candidates = np.flatnonzero(left & ~brigade & ~surge & (target >= 0) & (table.device >= 0))
    candidates = candidates[
        within(officer_value(candidates), ts[candidates], officer_value(wave), ts[wave], seconds)
    ]
    wave = wave[table.device[wave] >= 0]
    for flag, result in ((brigade, joins), (surge, marks)):
        of = wave[flag[wave]]
        result[candidates] = within(phone(candidates), ts[candidates], phone(of), ts[of], seconds)
    # two spared ratings of one phone: each has the other within reach (a lone rating only itself)
    key, at = phone(candidates), ts[candidates]
    order = np.lexsort((at, key))
    key, at, sorted_rows = key[order], at[order], candidates[order]
    pair = (key[1:] == key[:-1]) & (np.diff(at) <= seconds)
    paired = np.zeros(len(sorted_rows), dtype=bool)
    paired[1:] |= pair
    paired[:-1] |= pair
    marks[sorted_rows[paired]] = True
    marks &= ~joins
    return joins, marks
