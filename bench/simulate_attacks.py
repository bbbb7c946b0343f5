"""Detection quality on simulated honest traffic with labelled attacks, per attack kind.

    .venv/bin/python bench/simulate_attacks.py                        # seeds 11 22 33, 20k honest
    .venv/bin/python bench/simulate_attacks.py --seeds 1 2 --n-honest 50000 --scales 1

For each seed and each incidents scale (how many attack incidents relative to the default mix; 0 is a
world without any attack) prints: precision, recall per attack kind (excluded / attack ratings) and
"seen" (excluded or marked for review, still counted), the share of honest ratings excluded and
marked, the share of each honest look-alike excluded (fast tappers, weekly regulars, bad days), and
how far the attacks move the attacked officers' scores under the pipeline vs a plain mean. Then the
review-only marker on carrier-network stuffing, and a summary table over all runs.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.reasons import REASON_BIT
from scoring.sim.evaluation import Quality, attack_movement, detection_quality
from scoring.sim.simulate import ATTACK_KINDS, LOOK_ALIKES, SimConfig, simulate


@dataclass
class Run:
    seed: int
    scale: float
    quality: Quality
    movement: float | None


def report(seed: int, scale: float, n_honest: int, params: ScoringParams) -> Run:
    started = time.perf_counter()
    sim = simulate(SimConfig(seed=seed, n_honest=n_honest, incidents_scale=scale, attacks=scale > 0))
    result = score_table(sim.table(), params)
    quality = detection_quality(sim, result)
    print(f"seed {seed}, incidents x{scale:g}: {len(sim):,} ratings, {quality.n_attack} attack ratings, "
          f"{quality.n_excluded} excluded")  # fmt: skip
    movement = None
    if scale > 0:
        moved = attack_movement(sim, params, result)
        movement = moved.ratio
        print(
            f"  precision {quality.precision:.3f}; attacked officers {moved.officers}: movement "
            f"{moved.pipeline:.2f} (pipeline) vs {moved.plain_mean:.2f} (plain mean), "
            f"ratio {moved.ratio:.3f}"
        )
        for kind in ATTACK_KINDS:
            if kind in quality.recall:
                print(f"    {kind:<16} recall {quality.recall[kind]:.3f}   seen {quality.seen[kind]:.3f}")
    look_alikes = ", ".join(
        f"{name} excluded {share:.2%}" for name, share in quality.look_alike_excluded.items()
    )
    print(
        f"  honest excluded {quality.honest_excluded_share:.4%}, marked for review "
        f"{quality.honest_marked_share:.3%}; {look_alikes}  ({time.perf_counter() - started:.1f}s)"
    )
    return Run(seed, scale, quality, movement)


def review_only(seed: int, n_honest: int, params: ScoringParams) -> None:
    sim = simulate(SimConfig(seed=seed, n_honest=n_honest, kinds=(), extra_kinds=("carrier_stuffing",)))
    flags = score_table(sim.table(), params).flags
    marked = (flags.reason_mask & (REASON_BIT["officer_anomaly"] | REASON_BIT["rating_surge"])) != 0
    flagged = marked | flags.excluded
    stuffing = sim.kind == "carrier_stuffing"
    incidents = np.unique(sim.incident[stuffing])
    caught = np.unique(sim.incident[stuffing & flagged])
    print(
        f"seed {seed}: carrier-network stuffing (4s, no device pattern): {len(caught)}/{len(incidents)} "
        f"incidents excluded or marked for review, {flags.excluded[stuffing].mean():.0%} of its ratings "
        "excluded"
    )


def summary(runs: list[Run]) -> None:
    attacked = [run for run in runs if run.scale > 0]
    calm = [run for run in runs if run.scale == 0]
    print("\nsummary over", len(attacked), "worlds with attacks and", len(calm), "without")
    print(f"  precision: min {min(r.quality.precision for r in attacked):.3f}")
    for kind in ATTACK_KINDS:
        recalls = [r.quality.recall[kind] for r in attacked if kind in r.quality.recall]
        seen = [r.quality.seen[kind] for r in attacked if kind in r.quality.seen]
        print(
            f"  {kind:<16} recall min {min(recalls):.3f} mean {np.mean(recalls):.3f}  "
            f"seen min {min(seen):.3f}"
        )
    print(f"  movement ratio: max {max(r.movement for r in attacked):.3f}")
    if calm:
        print(
            f"  honest excluded without attacks: max {max(r.quality.honest_excluded_share for r in calm):.4%}"
        )
    for name in LOOK_ALIKES:
        shares = [r.quality.look_alike_excluded.get(name, 0.0) for r in runs]
        print(f"  {name:<12} excluded: max {max(shares):.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 22, 33])
    parser.add_argument("--n-honest", type=int, default=20_000)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.5, 1.0, 2.0, 0.0])
    args = parser.parse_args()
    params = ScoringParams()
    runs = [report(seed, scale, args.n_honest, params) for scale in args.scales for seed in args.seeds]
    for seed in args.seeds:
        review_only(seed, args.n_honest, params)
    summary(runs)


if __name__ == "__main__":
    main()
