"""Unit IKM and officer public-service components from the ratings that were not excluded.

Officer score (25-100): per rating, the officer value is the mean of the available officer-attributable
answers (overall face, u6, u7) x 25. The officer's mean R over v usable ratings is shrunk toward the
unit's mean C of the same value: score = (v R + m C) / (v + m), m = params.prior_weight. The 95% interval
is the normal-normal conjugate approximation: the unit mean acts as a prior worth m ratings, so
SE = sigma / sqrt(v + m), with sigma^2 the officer's variance pooled with the unit's (weights v-1 and m).

score_adjusted is the same score after adjusting officer and unit means for channel and counter mix
(scoring.adjust); the SKP category is decided on it when params.skp_score == "adjusted".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.adjust import fit_mix
from scoring.params import ScoringParams
from scoring.skm import ELEMENT_CODES, SCALE_FACTOR, grade, ikm_from_sums, round_half_up, sample_target
from scoring.table import RatingTable

UNITS_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "n_ratings",
    "n_used",
    *(f"nrr_{code}" for code in ELEMENT_CODES),
    "ikm",
    "mutu",
    "sample_target",
)
SCORES_COLUMNS: tuple[str, ...] = (
    "employee_id",
    "unit_id",
    "n_ratings",
    "n_excluded",
    "n_used",
    "mean_overall",
    "ikm",
    "mutu",
    "score",
    "score_low",
    "score_high",
    "sufficient",
    "category",
    "score_adjusted",
)
CATEGORIES: tuple[str, ...] = (
    "di_atas_ekspektasi",
    "sesuai_ekspektasi",
    "di_bawah_ekspektasi",
    "insufficient",
)
_U6, _U7 = ELEMENT_CODES.index("u6"), ELEMENT_CODES.index("u7")


def officer_values(table: RatingTable) -> np.ndarray:
    """Per rating: mean of overall and the answered u6, u7, on the 25-100 scale."""
    u6 = table.answers[:, _U6].astype(np.float64)
    u7 = table.answers[:, _U7].astype(np.float64)
    answered = 1 + (u6 > 0) + (u7 > 0)
    return (table.overall + u6 + u7) / answered * SCALE_FACTOR


def _answer_sums(groups: np.ndarray, answers: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group and element: sum of answers and number of non-blank answers (exact integers)."""
    sums = np.zeros((size, answers.shape[1]), dtype=np.int64)
    counts = np.zeros_like(sums)
    for element in range(answers.shape[1]):
        column = answers[:, element]
        sums[:, element] = np.bincount(groups, weights=column, minlength=size).round().astype(np.int64)
        counts[:, element] = np.bincount(groups, weights=column > 0, minlength=size).round().astype(np.int64)
    return sums, counts


def _ikm_and_mutu(sums: np.ndarray, counts: np.ndarray) -> tuple[float | None, str | None]:
    ikm = ikm_from_sums([int(s) for s in sums], [int(c) for c in counts])
    if ikm is None:
        return None, None
    return float(ikm), grade(ikm).letter


def _round2(value: float) -> float:
    return float(round_half_up(value, 2))


def unit_records(
    table: RatingTable, used: np.ndarray, served: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """One record per unit, columns as UNITS_COLUMNS, ordered by unit_id. N for the sample target is
    served[unit_id], the people the unit served; without it the target is unknown (None): the number
    of ratings is no population, and taking it for one made every unit meet its target."""
    served = served or {}
    size = len(table.unit_labels)
    n_ratings = np.bincount(table.unit, minlength=size)
    n_used = np.bincount(table.unit[used], minlength=size)
    sums, counts = _answer_sums(table.unit[used], table.answers[used], size)
    records = []
    for code in sorted(range(size), key=lambda c: table.unit_labels[c]):
        label = table.unit_labels[code]
        ikm, mutu = _ikm_and_mutu(sums[code], counts[code])
        record: dict[str, Any] = {
            "unit_id": label,
            "n_ratings": int(n_ratings[code]),
            "n_used": int(n_used[code]),
        }
        for element, name in enumerate(ELEMENT_CODES):
            count = counts[code, element]
            record[f"nrr_{name}"] = float(sums[code, element] / count) if count else None
        people = served.get(label)
        target = None if people is None else sample_target(people)
        record |= {"ikm": ikm, "mutu": mutu, "sample_target": target}
        records.append(record)
    return records


def _category(n_used: int, low: float | None, high: float | None, params: ScoringParams) -> str:
    if n_used < params.min_ratings or low is None or high is None:
        return "insufficient"
    if low >= params.above_expectation_min:
        return "di_atas_ekspektasi"
    if high < params.meets_expectation_min:
        return "di_bawah_ekspektasi"
    return "sesuai_ekspektasi"


def _mean_var(groups: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: count, mean (NaN if empty) and sample variance (NaN below 2 values)."""
    n = np.bincount(groups, minlength=size).astype(np.float64)
    total = np.bincount(groups, weights=values, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        centred = values - mean[groups]
        var = np.bincount(groups, weights=centred * centred, minlength=size) / (n - 1)
    return n, mean, np.where(n >= 2, var, np.nan)


def officer_records(table: RatingTable, used: np.ndarray, params: ScoringParams) -> list[dict[str, Any]]:
    """One record per (employee, unit) with at least one rating, columns as SCORES_COLUMNS."""
    attributed = np.flatnonzero(table.employee >= 0)
    if len(attributed) == 0:
        return []
    values = officer_values(table)
    n_units = len(table.unit_labels)
    _, unit_mean, unit_var = _mean_var(table.unit[used], values[used], n_units)
    mix = fit_mix(table, used, values, params).per_rating(table)
    unit_n = np.bincount(table.unit[used], minlength=n_units)
    unit_mix = np.bincount(table.unit[used], weights=mix[used], minlength=n_units) / np.maximum(unit_n, 1)
    global_mean = float(values[used].mean()) if used.any() else float("nan")
    global_var = float(values[used].var(ddof=1)) if used.sum() >= 2 else 0.0
    unit_mean = np.where(np.isnan(unit_mean), global_mean, unit_mean)
    unit_var = np.where(np.isnan(unit_var), global_var, unit_var)

    key = table.employee[attributed].astype(np.int64) * n_units + table.unit[attributed]
    pairs, group = np.unique(key, return_inverse=True)
    size = len(pairs)
    n_ratings = np.bincount(group, minlength=size)
    used_rows = used[attributed]
    n_used, mean, var = _mean_var(group[used_rows], values[attributed][used_rows], size)
    overall_sum = np.bincount(group[used_rows], weights=table.overall[attributed][used_rows], minlength=size)
    officer_mix = np.bincount(group[used_rows], weights=mix[attributed][used_rows], minlength=size)
    sums, counts = _answer_sums(group[used_rows], table.answers[attributed][used_rows], size)

    records = []
    for index in range(size):
        employee, unit = divmod(int(pairs[index]), n_units)
        v, prior = float(n_used[index]), float(unit_mean[unit])
        spread = (v, float(mean[index]), float(var[index]), prior, float(unit_var[unit]), params)
        record = _officer_score(*spread)
        # the mix adjustment moves the officer's mean and the unit prior; the interval moves with them
        weight = v + params.prior_weight
        shift = (officer_mix[index] + params.prior_weight * unit_mix[unit]) / weight if weight else 0.0
        adjusted = _officer_score(*spread, shift=-shift)
        ikm, mutu = _ikm_and_mutu(sums[index], counts[index])
        decided = adjusted if params.skp_score == "adjusted" else record
        records.append(
            {
                "employee_id": table.employee_labels[employee],
                "unit_id": table.unit_labels[unit],
                "n_ratings": int(n_ratings[index]),
                "n_excluded": int(n_ratings[index] - v),
                "n_used": int(v),
                "mean_overall": _round2(overall_sum[index] / v) if v else None,
                "ikm": ikm,
                "mutu": mutu,
                **record,
                "sufficient": bool(v >= params.min_ratings),
                "category": _category(int(v), decided["score_low"], decided["score_high"], params),
                "score_adjusted": adjusted["score"],
            }
        )
    records.sort(key=lambda r: (r["unit_id"], r["employee_id"]))
    return records


def officer_score(
    v: int, mean: float, var: float, prior: float, prior_var: float, params: ScoringParams
) -> dict[str, Any]:
    """One officer's score, interval, sufficiency and category from the moments officer_records
    computes (v usable ratings with this mean and variance, the unit's mean and variance as the
    prior), without the mix adjustment: what a review decision would do (staff_admin.review.effect)."""
    record = _officer_score(v, mean, var, prior, prior_var, params)
    category = _category(v, record["score_low"], record["score_high"], params)
    return {**record, "sufficient": v >= params.min_ratings, "category": category}


def _officer_score(
    v: float,
    mean: float,
    var: float,
    prior: float,
    prior_var: float,
    params: ScoringParams,
    shift: float = 0.0,
) -> dict[str, float | None]:
    """Shrunk score and 95% interval on the 25-100 scale, moved by `shift` points (the mix
    adjustment); None when no prior and no data exist."""
    m = params.prior_weight
    if np.isnan(prior) or v + m == 0:
        return {"score": None, "score_low": None, "score_high": None}
    score = ((v * mean + m * prior) / (v + m) if v else prior) + shift
    pooled_weight = max(v - 1, 0) + m
    own = (v - 1) * var if v >= 2 else 0.0
    sigma2 = (own + m * prior_var) / pooled_weight if pooled_weight else (var if v >= 2 else 0.0)
    half_width = params.confidence_z * np.sqrt(sigma2 / (v + m))
    low, high = max(25.0, score - half_width), min(100.0, score + half_width)
    score = min(100.0, max(25.0, score))
    return {"score": _round2(score), "score_low": _round2(low), "score_high": _round2(high)}
