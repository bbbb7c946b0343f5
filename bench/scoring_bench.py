"""Time and peak memory of `python -m scoring --employees` on generated ratings (CSV in, four CSVs
out: flags, scores with the adjusted score, units and the bias audit).

    .venv/bin/python bench/scoring_bench.py                 # 100k and 1M ratings
    .venv/bin/python bench/scoring_bench.py --sizes 100000  # just one size

Each size runs the real command in a child process; peak memory is the child's maximum resident set
size (os.wait4 rusage), so it covers numpy, scikit-learn and the CSV reader together. A second child
times the phases (read, detect, aggregate, write) in-process. Data goes to bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

PHASES = """
import sys, time
from scoring.csvio import read_employees_csv, read_ratings_csv, write_outputs
from scoring.pipeline import ScoringParams, detect, score_table
t0 = time.perf_counter(); table = read_ratings_csv(sys.argv[1]); t1 = time.perf_counter()
flags = detect(table, ScoringParams()); t2 = time.perf_counter()
employees = read_employees_csv(sys.argv[3])
result = score_table(table, ScoringParams(), employees=employees); t3 = time.perf_counter()
write_outputs(result, sys.argv[2]); t4 = time.perf_counter()
print(f"read {t1-t0:.1f}s detect {t2-t1:.1f}s detect+aggregate+audit {t3-t2:.1f}s write {t4-t3:.1f}s")
"""


def generate(n_ratings: int) -> tuple[Path, Path]:
    """ratings_N.csv and employees_N.csv (regenerated when either is missing)."""
    from scoring.sim.simulate import SimConfig, simulate

    path, employees = OUT / f"ratings_{n_ratings}.csv", OUT / f"employees_{n_ratings}.csv"
    if path.exists() and employees.exists():
        return path, employees
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # about 3,000 ratings per unit, as in a province-wide period
    sim = simulate(SimConfig(seed=1, n_honest=n_ratings, n_units=max(6, n_ratings // 3000)))
    sim.write_csv(path)
    sim.write_employees_csv(employees)
    print(f"generated {len(sim):,} ratings in {time.perf_counter() - started:.1f}s -> {path}")
    return path, employees


def run_child(args: list[str]) -> tuple[float, int, int, str, float]:
    """Wall seconds, peak RSS in bytes, exit status, output and CPU seconds (user + system) of one
    child process. On a shared machine the CPU seconds say what the work cost; the wall time also
    counts waiting for a core."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().strip()
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss * 1024, child.returncode, output, cpu  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-phases", action="store_true", help="skip the in-process phase timing")
    args = parser.parse_args()
    results = []
    for size in sorted(args.sizes):
        path, employees = generate(size)
        out_dir = OUT / f"scored_{size}"
        command = [sys.executable, "-m", "scoring", "--ratings", str(path), "--employees", str(employees)]
        command += ["--out", str(out_dir)]
        elapsed, rss, status, output, cpu = run_child(command)
        print(
            f"{size:>9,} ratings: {elapsed:6.1f}s wall, {cpu:6.1f}s CPU, peak RSS {rss / 2**20:7.0f} MiB, "
            f"exit {status}"
        )
        print(f"           {output.splitlines()[-1] if output else ''}")
        if not args.no_phases:
            _, _, _, phases, _ = run_child(
                [sys.executable, "-c", PHASES, str(path), str(out_dir), str(employees)]
            )
            print(f"           phases: {phases}")
        results.append((size, elapsed))
    if len(results) >= 2:
        (small, t_small), (big, t_big) = results[0], results[-1]
        print(f"time ratio {t_big / t_small:.1f}x for {big / small:.0f}x the ratings")


if __name__ == "__main__":
    main()
