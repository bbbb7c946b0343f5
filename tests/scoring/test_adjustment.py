"""The adjusted score on worlds with a known counter and channel effect (built here, not simulated
with hidden parameters, so the truth is known)."""

import numpy as np
import pytest

from scoring.adjust import fit_mix
from scoring.aggregate import officer_values
from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.table import CHANNELS, RatingTable

DAY = 86_400
START = 20_150 * DAY  # a day number, 08:00 local below


def world(
    counter_effect: tuple[float, ...],
    rotation: float,
    channel_effect: tuple[float, float, float] = (0.0, 0.0, 0.0),
    officers: int = 6,
    per_officer: int = 400,
    seed: int = 0,
) -> RatingTable:
    """One unit; officers of equal quality (3.2 on the face scale); officer k usually sits at counter
    k % counters, and at a random other counter in a share `rotation` of their ratings. A counter's
    effect moves the face, u6 and u7 answers of every rating served there, whoever serves."""
    rng = np.random.default_rng(seed)
    n = officers * per_officer
    officer = np.repeat(np.arange(officers), per_officer)
    counters = len(counter_effect)
    counter = np.where(rng.random(n) < rotation, rng.integers(0, counters, n), officer % counters)
    channel = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    expected = 3.2 + np.asarray(counter_effect)[counter] + np.asarray(channel_effect)[channel]
    overall = np.clip(np.rint(expected + rng.normal(0, 0.7, n)), 1, 4)
    answers = np.zeros((n, 9))
    answers[:, 5:7] = np.clip(np.rint(expected[:, None] + rng.normal(0, 0.6, (n, 2))), 1, 4)
    return RatingTable.from_columns(
        rating_id=[f"r{i}" for i in range(n)],
        ts_utc=START + (np.arange(n) % 40) * DAY + rng.integers(0, 7 * 3600, n),
        utc_offset_minutes=np.full(n, 420),
        unit_id=["U1"] * n,
        counter_id=[f"L{c}" for c in counter],
        employee_id=[f"E{o}" for o in officer],
        channel=[CHANNELS[c] for c in channel],
        device_hash=[f"d{i}" for i in range(n)],
        network_hash=[f"carrier-{i % 7}" for i in range(n)],
        overall=overall,
        answers=answers,
        form_seconds=np.full(n, 20.0),
    )


def scores(table: RatingTable, column: str) -> dict[str, float]:
    return {r["employee_id"]: r[column] for r in score_table(table).officers}


def spread(values: dict[str, float]) -> float:
    return max(values.values()) - min(values.values())


def test_it_finds_a_counter_that_is_rated_lower_whoever_sits_there():
    table = world(counter_effect=(-0.6, 0.0, 0.0), rotation=0.4)
    used = np.ones(len(table), dtype=bool)

    mix = fit_mix(table, used, officer_values(table), ScoringParams())

    counter = dict(zip(table.counter_labels, mix.counter, strict=True))
    lower = counter["L0"] - (counter["L1"] + counter["L2"]) / 2
    assert lower == pytest.approx(-0.6 * 25, abs=4)  # 15 points, give or take rounding to whole answers


def test_it_adjusts_away_the_counter_so_equal_officers_score_alike():
    table = world(counter_effect=(-0.6, 0.0, 0.0), rotation=0.4)

    raw, adjusted = scores(table, "score"), scores(table, "score_adjusted")

    # officers E0 and E3 usually sit at the hard counter: their raw scores are clearly lower
    assert raw["E0"] < raw["E1"] - 4 and raw["E3"] < raw["E4"] - 4
    assert spread(adjusted) < spread(raw) / 3


def test_it_adjusts_away_the_channel_mix():
    # the kiosk is rated 0.4 higher; officers E0..E2 get most of their ratings through it
    table = world(counter_effect=(0.0,), rotation=0.0, channel_effect=(0.0, 0.4, 0.0))
    used = np.ones(len(table), dtype=bool)

    mix = fit_mix(table, used, officer_values(table), ScoringParams())

    assert mix.channel[CHANNELS.index("kiosk")] - mix.channel[CHANNELS.index("poster")] == pytest.approx(
        10, abs=3
    )


def test_it_leaves_the_score_alone_when_counter_and_officer_cannot_be_told_apart():
    # each officer always at their own counter: a hard counter looks exactly like a weak officer
    table = world(counter_effect=(-0.6, 0.0, 0.0), rotation=0.0)

    raw, adjusted = scores(table, "score"), scores(table, "score_adjusted")

    assert max(abs(raw[e] - adjusted[e]) for e in raw) < 0.5


def test_it_decides_the_category_on_the_adjusted_score_only_when_asked():
    table = world(counter_effect=(-0.9, 0.0, 0.0), rotation=0.4)
    raw = {r["employee_id"]: r for r in score_table(table).officers}
    adjusted = {r["employee_id"]: r for r in score_table(table, ScoringParams(skp_score="adjusted")).officers}

    assert raw["E0"]["score"] == adjusted["E0"]["score"]
    assert raw["E0"]["score_adjusted"] > raw["E0"]["score"]
    assert [raw[e]["category"] for e in sorted(raw)] != [adjusted[e]["category"] for e in sorted(raw)]
