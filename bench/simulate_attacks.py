"""Detection quality on simulated honest traffic with labelled attacks.

    .venv/bin/python bench/simulate_attacks.py                       # seeds 11 22 33, 20k honest ratings
    .venv/bin/python bench/simulate_attacks.py --seeds 1 2 --n-honest 50000

Prints per seed: precision, recall per attack kind, the share of honest ratings excluded when no attack
is present, how far attacks move the attacked officers' scores under the pipeline vs a plain mean, and
how often the review-only officer-week marker catches carrier-network stuffing no rule can see.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.reasons import REASON_BIT
from scoring.sim.evaluation import attack_movement, detection_quality
from scoring.sim.simulate import ATTACK_KINDS, SimConfig, simulate


def report_seed(seed: int, n_honest: int, params: ScoringParams) -> None:
    started = time.perf_counter()
    sim = simulate(SimConfig(seed=seed, n_honest=n_honest))
    result = score_table(sim.table(), params)
    quality = detection_quality(sim, result)
    movement = attack_movement(sim, params, result)
    calm = simulate(SimConfig(seed=seed, n_honest=n_honest, attacks=False))
    calm_quality = detection_quality(calm, score_table(calm.table(), params))
    recall = "  ".join(f"{kind} {quality.recall.get(kind, float('nan')):.3f}" for kind in ATTACK_KINDS)
    print(
        f"seed {seed}: {len(sim):,} ratings, {quality.n_attack} attack ratings, {quality.n_excluded} excluded"
    )
    print(f"  precision {quality.precision:.3f}   recall: {recall}")
    print(
        f"  honest excluded: {quality.honest_excluded_share:.4%} with attacks, "
        f"{calm_quality.honest_excluded_share:.4%} without"
    )
    print(
        f"  attacked officers {movement.officers}: score movement {movement.pipeline:.2f} (pipeline) vs "
        f"{movement.plain_mean:.2f} (plain mean), ratio {movement.ratio:.3f}"
    )
    review_only(seed, n_honest, params)
    print(f"  ({time.perf_counter() - started:.1f}s)")


def review_only(seed: int, n_honest: int, params: ScoringParams) -> None:
    sim = simulate(SimConfig(seed=seed, n_honest=n_honest, extra_kinds=("carrier_stuffing",)))
    flags = score_table(sim.table(), params).flags
    marked = (flags.reason_mask & REASON_BIT["officer_anomaly"]) != 0
    stuffing = sim.kind == "carrier_stuffing"
    incidents = np.unique(sim.incident[stuffing])
    caught = np.unique(sim.incident[stuffing & marked])
    honest_marked = marked[sim.kind == ""].mean()
    print(
        f"  review marker (officer_anomaly): {len(caught)}/{len(incidents)} carrier-stuffing incidents, "
        f"{honest_marked:.2%} of honest ratings marked for review (never excluded)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 22, 33])
    parser.add_argument("--n-honest", type=int, default=20_000)
    args = parser.parse_args()
    for seed in args.seeds:
        report_seed(seed, args.n_honest, ScoringParams())


if __name__ == "__main__":
    main()
