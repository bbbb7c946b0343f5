"""Bias audit: are officers' scores systematically different by gender, age band or channel?

An impact assessment for systematic scoring of people (UU 27/2022 on personal data protection asks
for one). Per period, for every group of every dimension, the group's mean officer score minus the
mean of the other officers of that dimension, with a 95% Welch interval; a gap is flagged when it holds
after Holm's correction over all groups of all dimensions (family-wise alpha = params.audit_alpha) AND
is at least params.audit_min_gap points on the 25-100 scale (a statistically sure gap of half a point
is not a finding).

- Officers: each employee with a sufficient score (n_used >= min_ratings) in the period; the score the
  SKP category uses (params.skp_score: the documented score, or the adjusted one), averaged over the
  employee's units weighted by usable ratings.
- gender: female / male, from digit 15 of the NIP (1 male, 2 female).
- age_band: <30, 30-39, 40-49, 50+, the age at the period's last day, from the birth date in NIP
  digits 1-8.
- channel: poster / kiosk / ticket, the channel through which most of the officer's usable ratings
  came (officers at a kiosk counter against the others).
Employees without a (valid) NIP are left out of gender and age, not of channel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from scoring.params import ScoringParams
from scoring.table import CHANNELS, RatingTable

AUDIT_COLUMNS: tuple[str, ...] = ("dimension", "group", "officers", "gap", "gap_low", "gap_high", "flagged")
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male"),
    "age_band": ("<30", "30-39", "40-49", "50+"),
    "channel": CHANNELS,
}


class NipError(ValueError):
    """The message says what is wrong with a NIP, for people."""


@dataclass(frozen=True, slots=True)
class Person:
    birth: date
    female: bool


def read_nip(nip: str) -> Person:
    """Birth date (digits 1-8) and gender (digit 15: 1 male, 2 female) of an 18-digit NIP."""
    value = "".join(str(nip).split())
    if len(value) != 18 or not value.isascii() or not value.isdigit():
        raise NipError("a NIP has exactly 18 digits")
    try:
        birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise NipError("digits 1-8 of a NIP must be a birth date (YYYYMMDD)") from None
    if value[14] not in "12":
        raise NipError("digit 15 of a NIP must be 1 (male) or 2 (female)")
    return Person(birth, value[14] == "2")


def age_band(person: Person, on: date) -> str:
    age = on.year - person.birth.year - ((on.month, on.day) < (person.birth.month, person.birth.day))
    return "<30" if age < 30 else "30-39" if age < 40 else "40-49" if age < 50 else "50+"


def main_channels(table: RatingTable, used: np.ndarray) -> dict[str, str]:
    """employee_id -> the channel of most of the employee's used ratings (ties: the first channel)."""
    rows = used & (table.employee >= 0)
    counts = np.zeros((len(table.employee_labels), len(CHANNELS)), dtype=np.int64)
    np.add.at(counts, (table.employee[rows], table.channel[rows].astype(np.int64)), 1)
    return {
        str(label): CHANNELS[int(np.argmax(row))]
        for label, row in zip(table.employee_labels, counts, strict=True)
        if row.any()
    }


def officer_scores(officers: Sequence[Mapping[str, Any]], params: ScoringParams) -> dict[str, float]:
    """employee_id -> score (the one the SKP category uses), for sufficient officers, weighted by
    usable ratings over the employee's units."""
    column = "score_adjusted" if params.skp_score == "adjusted" else "score"
    totals: dict[str, list[float]] = {}
    for record in officers:
        if record["sufficient"] and record[column] is not None:
            total = totals.setdefault(str(record["employee_id"]), [0.0, 0.0])
            total[0] += record[column] * record["n_used"]
            total[1] += record["n_used"]
    return {employee: value / weight for employee, (value, weight) in totals.items() if weight}


def bias_audit(
    officers: Sequence[Mapping[str, Any]],
    nips: Mapping[str, str],
    channels: Mapping[str, str],
    period_end: date,
    params: ScoringParams,
) -> list[dict[str, Any]]:
    """Rows keyed by AUDIT_COLUMNS, every group of every dimension in a fixed order. nips: employee_id
    -> NIP (invalid ones are left out of gender and age); channels: employee_id -> main channel."""
    scores = officer_scores(officers, params)
    people = {}
    for employee, nip in nips.items():
        try:
            people[str(employee)] = read_nip(nip)
        except NipError:
            continue
    groups: dict[str, dict[str, str]] = {"gender": {}, "age_band": {}, "channel": {}}
    for employee in scores:
        person = people.get(employee)
        if person is not None:
            groups["gender"][employee] = "female" if person.female else "male"
            groups["age_band"][employee] = age_band(person, period_end)
        if employee in channels:
            groups["channel"][employee] = channels[employee]
    rows = []
    for dimension, names in DIMENSIONS.items():
        member = groups[dimension]
        for name in names:
            inside = [scores[e] for e, g in member.items() if g == name]
            outside = [scores[e] for e, g in member.items() if g != name]
            rows.append(
                {"dimension": dimension, "group": name, "officers": len(inside), **_gap(inside, outside)}
            )
    _flag(rows, params)
    return rows


def _gap(inside: list[float], outside: list[float]) -> dict[str, Any]:
    """Difference of means with a Welch 95% interval and a two-sided p value (None when not testable)."""
    none = {"gap": None, "gap_low": None, "gap_high": None, "flagged": False, "_p": None}
    if not inside or not outside:
        return none
    gap = float(np.mean(inside) - np.mean(outside))
    if len(inside) < 2 or len(outside) < 2:
        return none | {"gap": round(gap, 2)}
    from scipy.stats import t  # scipy comes with scikit-learn

    var_in, var_out = np.var(inside, ddof=1) / len(inside), np.var(outside, ddof=1) / len(outside)
    se = math.sqrt(var_in + var_out)
    if se == 0:
        return none | {"gap": round(gap, 2), "gap_low": round(gap, 2), "gap_high": round(gap, 2),
                       "_p": 0.0 if gap else 1.0}  # fmt: skip
    df = (var_in + var_out) ** 2 / (var_in**2 / (len(inside) - 1) + var_out**2 / (len(outside) - 1))
    half = float(t.ppf(0.975, df)) * se
    p_value = float(2 * t.sf(abs(gap) / se, df))
    return {
        "gap": round(gap, 2),
        "gap_low": round(gap - half, 2),
        "gap_high": round(gap + half, 2),
        "flagged": False,
        "_p": p_value,
    }


def _flag(rows: list[dict[str, Any]], params: ScoringParams) -> None:
    """Holm's step-down over every tested group: flagged when rejected and |gap| >= audit_min_gap."""
    tested = sorted((row["_p"], index) for index, row in enumerate(rows) if row["_p"] is not None)
    for rank, (p_value, index) in enumerate(tested):
        if p_value > params.audit_alpha / (len(tested) - rank):
            break
        rows[index]["flagged"] = abs(rows[index]["gap"]) >= params.audit_min_gap
    for row in rows:
        del row["_p"]
