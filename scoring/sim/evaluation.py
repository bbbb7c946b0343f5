"""Detection quality and attack impact on simulated data (used by tests and bench/simulate_attacks.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.aggregate import officer_values
from scoring.params import ScoringParams
from scoring.pipeline import ScoringResult, score_table
from scoring.reasons import REVIEW_MASK
from scoring.sim.simulate import ATTACK_KINDS, LOOK_ALIKES, SimulatedRatings


@dataclass(frozen=True, slots=True)
class Quality:
    """Recall counts exclusions only; `seen` also counts ratings marked for review (still counted)."""

    precision: float  # excluded ratings that are attacks / all excluded
    recall: dict[str, float]  # per attack kind: excluded / attack ratings
    seen: dict[str, float]  # per attack kind: excluded or marked for review / attack ratings
    honest_excluded_share: float  # honest ratings excluded (in this data set)
    honest_marked_share: float  # honest ratings marked for review and not excluded
    look_alike_excluded: dict[str, float]  # per honest look-alike: share excluded
    n_excluded: int
    n_attack: int


@dataclass(frozen=True, slots=True)
class Movement:
    """How far attacks move the scores of the officers they target, summed over those officers."""

    officers: int
    pipeline: float  # sum |score with attack - score without| under score_table
    plain_mean: float  # the same under a plain mean of all ratings (face, u6, u7 x 25)

    @property
    def ratio(self) -> float:
        return self.pipeline / self.plain_mean if self.plain_mean else 0.0


def detection_quality(sim: SimulatedRatings, result: ScoringResult) -> Quality:
    excluded = result.flags.excluded
    marked = ((result.flags.reason_mask & REVIEW_MASK) != 0) & ~excluded
    attack = sim.kind != ""
    n_excluded = int(excluded.sum())
    recall, seen = {}, {}
    for kind in ATTACK_KINDS:
        of_kind = sim.kind == kind
        if of_kind.any():
            recall[kind] = float(excluded[of_kind].mean())
            seen[kind] = float((excluded | marked)[of_kind].mean())
    honest = ~attack
    look_alikes = {
        name: float(excluded[sim.look_alike == name].mean())
        for name in LOOK_ALIKES
        if (sim.look_alike == name).any()
    }
    return Quality(
        precision=float((excluded & attack).sum() / n_excluded) if n_excluded else 1.0,
        recall=recall,
        seen=seen,
        honest_excluded_share=float(excluded[honest].mean()) if honest.any() else 0.0,
        honest_marked_share=float(marked[honest].mean()) if honest.any() else 0.0,
        look_alike_excluded=look_alikes,
        n_excluded=n_excluded,
        n_attack=int(attack.sum()),
    )


def _plain_means(sim: SimulatedRatings) -> dict[tuple[str, str], float]:
    table = sim.table()
    values = officer_values(table)
    employees = sim.columns["employee_id"]
    units = sim.columns["unit_id"]
    sums: dict[tuple[str, str], list[float]] = {}
    for employee, unit, value in zip(employees.tolist(), units.tolist(), values.tolist(), strict=True):
        if employee:
            sums.setdefault((employee, unit), []).append(value)
    return {key: float(np.mean(v)) for key, v in sums.items()}


def _pipeline_scores(result: ScoringResult) -> dict[tuple[str, str], float]:
    return {(r["employee_id"], r["unit_id"]): r["score"] for r in result.officers if r["score"] is not None}


def attack_movement(
    sim: SimulatedRatings, params: ScoringParams, result: ScoringResult | None = None
) -> Movement:
    """Compare each attacked officer's score with and without the attack rows."""
    honest = sim.honest_only()
    with_attack = _pipeline_scores(result or score_table(sim.table(), params))
    without_attack = _pipeline_scores(score_table(honest.table(), params))
    plain_with, plain_without = _plain_means(sim), _plain_means(honest)
    attacked = {
        (e, u)
        for e, u, k in zip(sim.columns["employee_id"], sim.columns["unit_id"], sim.kind, strict=True)
        if k and e and (e, u) in plain_without  # an officer with no honest rating has no score to move
    }
    pipeline = sum(abs(with_attack[key] - without_attack[key]) for key in attacked)
    plain = sum(abs(plain_with[key] - plain_without[key]) for key in attacked)
    return Movement(officers=len(attacked), pipeline=pipeline, plain_mean=plain)
