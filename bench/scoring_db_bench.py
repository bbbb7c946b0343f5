"""Time and peak memory of `rating-portal score` on the database path (SQLite and PostgreSQL).

    .venv/bin/python bench/scoring_db_bench.py                          # 100k and 1M, both engines
    .venv/bin/python bench/scoring_db_bench.py --sizes 100000 --backends sqlite

For each size and engine: a fresh database is migrated, filled with simulated ratings (honest traffic
plus labelled attacks, scoring.sim.simulate) and then scored by the real command in a child process. Wall
time and the child's peak resident memory (os.wait4) are reported; loading the data is not timed.
PostgreSQL comes from BENCH_POSTGRES_URL (default: the local server, database `test`, used only to
create and drop a scratch database).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.ops import migrate  # noqa: E402
from tests.simulated_ratings import load_simulated  # noqa: E402

SECRET = "bench-secret-key-0123456789-0123456789"  # noqa: S105  (a scratch database)


def scratch_database(backend: str, workdir: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    server = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"rp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def database_bytes(url: str, workdir: Path) -> int:
    """Size of the scored database: the SQLite file (with its WAL), or PostgreSQL's own count."""
    if url.startswith("sqlite"):
        return sum(f.stat().st_size for f in workdir.glob("*.db*"))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    finally:
        engine.dispose()


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        log.seek(0)
        return elapsed, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), log.read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    args = parser.parse_args()
    command = [str(Path(sys.executable).parent / "rating-portal"), "score", "--period"]
    for backend in args.backends:
        for size in sorted(args.sizes):
            with tempfile.TemporaryDirectory() as workdir:
                url, drop = scratch_database(backend, Path(workdir))
                try:
                    migrate.upgrade(url)
                    started = time.perf_counter()
                    # in a process of its own: Linux keeps a process's peak memory across fork and
                    # exec, so simulated data held here would count in the scoring child's figure
                    with multiprocessing.get_context("spawn").Pool(1) as pool:
                        period = pool.apply(load_simulated, (url, size))
                    loaded = time.perf_counter() - started
                    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PERIOD_TIMEZONE": "UTC"}
                    elapsed, rss, status, output = run_child([*command, period], env)
                    print(
                        f"{backend:10} {size:>9,} ratings (loaded in {loaded:5.0f} s): "
                        f"score {elapsed:6.1f} s wall, "
                        f"peak RSS {rss / 2**20:6.0f} MiB, exit {status}"
                    )
                    print(f"           {output.splitlines()[-1] if output else ''}")
                    stored = database_bytes(url, Path(workdir))
                    per_rating = stored / size
                    print(f"           database: {stored / 1e6:.1f} MB, {per_rating:.0f} B/rating")
                finally:
                    drop()


if __name__ == "__main__":
    main()
