"""What the rating writer (portal.citizen.intake) spends per batch, by batch size (docs/performance.md).

    .venv/bin/python bench/writer_batches.py [--backends sqlite,postgresql] [--rounds 60]

Under saturated load each app process's writer stores the ratings waiting as one batch: about 25
with one worker and `wrk -c50`, about 11 with two (each process gets half the citizens). This calls
the writer's own store (`writer.DatabaseStore`, on the connections it keeps between batches) on a
fresh database with the load benchmark's seed, for batches of 1, 11 and 25 ratings back to back on
an otherwise idle process, and prints CPU and wall time per batch and the straight line through them:
a fixed cost per batch (the statements and commits: flood count, counters on duty, stored keys,
insert) and a cost per rating. No server, no HTTP.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.live_server import SECRET, fresh_database, seed  # noqa: E402

SIZES = (1, 11, 25)


def measure(url: str, rounds: int) -> dict[int, tuple[float, float]]:
    """(CPU ms, wall ms) per batch, the median of `rounds` batches, by batch size."""
    from app import create_app
    from portal.citizen import intake, service, writer
    from portal.citizen.forms import parse_rating_form

    os.environ |= {"DATABASE_URL": url}
    upgrade = [sys.executable, "-m", "app", "db", "upgrade"]
    subprocess.run(upgrade, cwd=REPO, check=True, capture_output=True)
    token = seed(url)[0]
    app = create_app()
    portal = app.state.portal
    with portal.engine.connect() as connection:
        counter_id = service.counter_page(connection, token, datetime.now(UTC)).counter_id
    store = writer.DatabaseStore(portal.engine, portal.sessions, portal.settings, portal.signer)

    def batch(size: int) -> tuple[float, float]:
        now = datetime.now(UTC)
        submissions = []
        for _ in range(size):  # as the hot path hands them over: parsed, hashed
            stamp = portal.signer.sign(counter_id, now.timestamp() - 5)
            rating = parse_rating_form({"form_token": stamp, "overall": "3", "comment": "", "website": ""})
            citizen = service.Citizen(secrets.token_urlsafe(24), "127.0.0.1", "id")
            submissions.append(intake.Submission.hashed(SECRET, token, rating, citizen, now))
        cpu, wall = time.thread_time(), time.perf_counter()
        results = store(submissions)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        assert results == [service.SubmitOutcome.STORED] * size, results
        return cpu * 1000, wall * 1000

    for size in SIZES:  # warm-up: statements compiled and prepared
        for _ in range(6):
            batch(size)
    runs: dict[int, list[tuple[float, float]]] = {size: [] for size in SIZES}
    for _ in range(rounds):  # sizes taken in turn, so a machine slowing down slows them all alike
        for size in SIZES:
            runs[size].append(batch(size))
    figures = {
        size: (statistics.median(c for c, _ in runs[size]), statistics.median(w for _, w in runs[size]))
        for size in SIZES
    }
    store.release()
    portal.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=60, help="batches per size (default 60)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
    )
    args = parser.parse_args()
    os.environ |= {
        "SECRET_KEY": SECRET,
        "APP_ENV": "production",
        "BASE_URL": "http://127.0.0.1:8000",
        "DEVICE_THROTTLE_SECONDS": "0",  # as in bench/submit_load.py
        "SUBMIT_FLOOD_LIMIT_PER_MINUTE": "100000000",
        "ACCESS_LOG": "false",
    }
    print("batch of      " + "".join(f"{size:>16}" for size in SIZES) + "   fixed + per rating (CPU)")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as workdir:
            os.environ["VAR_DIR"] = workdir
            with fresh_database(backend, Path(workdir), args.pg_url) as url:
                figures = measure(url, args.rounds)
        cells = "".join(f"{f'{cpu:.2f} / {wall:.2f}':>16}" for cpu, wall in figures.values())
        (small, small_cpu), (large, large_cpu) = ((s, figures[s][0]) for s in (SIZES[0], SIZES[-1]))
        per_rating = (large_cpu - small_cpu) / (large - small)
        fixed = small_cpu - per_rating * small
        print(f"{backend:<14}{cells}   {fixed:.2f} ms + {per_rating:.3f} ms")
    print("cells: CPU / wall ms per batch (median); the writer's thread only")


if __name__ == "__main__":
    main()
