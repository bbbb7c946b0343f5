"""Time of the review queue at volume (SQLite and PostgreSQL): the first page after a big scoring run
(numbering every flagged rating into incidents, then the page with its evidence and score effects), the
next page loads, and one incident's decision.

    .venv/bin/python bench/review_queue_bench.py                       # 100k ratings, 10k flagged, both
    .venv/bin/python bench/review_queue_bench.py --honest 200000 --incidents 2000 --backends sqlite

One unit, one month, 20 officers at 4 counters: `--honest` ordinary ratings and `--incidents` phones
that each sent 10 burst-flagged ratings for one officer (what the detector leaves after scoring). The
data is written straight to a freshly migrated scratch database (not timed); the queue is then read
through its service functions as a unit head's page would. PostgreSQL comes from BENCH_POSTGRES_URL
(default: the local server, database `test`, used only to create and drop a scratch database).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.kernel.db import make_engine, make_sessionmaker  # noqa: E402
from portal.kernel.models import Counter, Employee, Rating, Unit  # noqa: E402
from portal.ops import migrate  # noqa: E402
from scoring.params import ScoringParams  # noqa: E402
from staff_admin.access import Principal  # noqa: E402
from staff_admin.review import service  # noqa: E402
from staff_admin.users import create_user  # noqa: E402

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 in Jakarta
ZONE = "Asia/Jakarta"
OFFICERS, COUNTERS, PER_INCIDENT = 20, 4, 10


def scratch_database(backend: str, workdir: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    server = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"rp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def fill(url: str, honest: int, incidents: int) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Unit), [{"id": 1, "code": "U1", "name": "Dinas Bench"}])
        connection.execute(
            insert(Counter),
            [
                {"id": c, "unit_id": 1, "name": f"Loket {c}", "timezone": ZONE, "opening_hours": {}}
                for c in range(1, COUNTERS + 1)
            ],
        )
        connection.execute(
            insert(Employee),
            [
                {"id": e, "nip": f"19850312201001{2}{e:03d}", "name": f"Petugas {e}", "unit_id": 1}
                for e in range(1, OFFICERS + 1)
            ],
        )
        rows, spread = [], 27 * 24 * 3600 / max(1, honest)
        for k in range(honest):
            rows.append(_rating(k, START + timedelta(seconds=k * spread), f"citizen-{k}", "", k % 4 + 1))
        for i in range(incidents):
            at = START + timedelta(days=i % 27, hours=i % 8, minutes=i % 50)
            for j in range(PER_INCIDENT):
                n = honest + i * PER_INCIDENT + j
                rows.append(_rating(n, at + timedelta(seconds=20 * j), f"phone-{i}", "burst", 4, officer=i))
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(Rating), rows[start : start + 20_000])
    engine.dispose()


def _rating(
    n: int, at: datetime, device: str, reasons: str, overall: int, officer: int | None = None
) -> dict:
    officer = (n if officer is None else officer) % OFFICERS + 1
    return {
        "submission_key": f"k{n}",
        "counter_id": officer % COUNTERS + 1,
        "unit_id": 1,
        "employee_id": officer,
        "attribution": "roster",
        "channel": "poster",
        "submitted_at": at,
        "overall": overall,
        "u6": overall,
        "u7": overall,
        "form_seconds": 40.0,
        "device_hash": device,
        "network_hash": "carrier",
        "language": "id",
        "excluded": bool(reasons),
        "reasons": reasons,
    }


def timed(label: str, action) -> object:
    began = time.perf_counter()
    result = action()
    print(f"  {label}: {time.perf_counter() - began:.2f} s")
    return result


def run(backend: str, honest: int, incidents: int) -> None:
    with tempfile.TemporaryDirectory(prefix="review-bench-") as workdir:
        url, drop = scratch_database(backend, Path(workdir))
        try:
            migrate.upgrade(url)
            fill(url, honest, incidents)
            print(f"{backend}: {honest:,} ratings, {incidents:,} incidents of {PER_INCIDENT} flagged ratings")
            engine = make_engine(url)
            sessions = make_sessionmaker(engine)
            with sessions() as db:  # a real account: decisions are audited under it
                user = create_user(
                    db, START, username="head", role="unit_head", password="x" * 16, unit_code="U1"
                )
                db.commit()
                head = Principal(user.id, "head", "Head", "unit_head", 1, None, frozenset({1}))
            params = ScoringParams()

            def page(number: int = 1) -> service.QueuePage:
                with sessions() as db:
                    return service.review_queue(db, head, "id", ZONE, datetime.now(UTC), params, number)

            first = timed("first page (numbers every flagged rating)", page)
            assert first.total == incidents, first.total
            timed("the same page again", page)
            timed("page 50", lambda: page(50))

            def decide() -> None:
                with sessions() as db:
                    ids = first.incidents[0].rating_ids
                    service.decide(db, head, datetime.now(UTC), ids, "confirm", "bench", [ids[0]])

            timed("one incident's decision", decide)
            engine.dispose()
        finally:
            drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--honest", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=1_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.backends:
        run(backend, args.honest, args.incidents)
    return 0


if __name__ == "__main__":
    sys.exit(main())
