"""Each staff page alone: one request at a time through the app in this process (no server, no other
users), the median of `--repeat` timed requests after one warm-up, the HTML's size and the number and
time of its SQL statements. What a page costs, as against bench/staff_pages.py's waits under load.

    .venv/bin/python bench/staff_pages_alone.py --url sqlite:////tmp/city.db [--repeat 5]

The database is the same demo city at size as for bench/staff_pages.py (it creates the same bench
accounts: HR, the head of DUKCAPIL, an officer of DUKCAPIL), and the pages are its personas' pages.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from litestar.testing import TestClient
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.staff_pages import accounts, pages, prepare, sign_in  # noqa: E402
from portal.kernel.settings import Settings  # noqa: E402

PERSONAS = ("hr", "unit_head", "officer")


class Statements:
    """Counts the SQL statements an engine runs, and their time."""

    def __init__(self) -> None:
        self.count, self.seconds, self._began = 0, 0.0, 0.0

    def watch(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args) -> None:
        self._began = time.perf_counter()

    def _after(self, *_args) -> None:
        self.count += 1
        self.seconds += time.perf_counter() - self._began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the database, built with demo-data --ratings N")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ids = prepare(args.url, 4)
    plan = pages(ids)
    with tempfile.TemporaryDirectory(prefix="staff-alone-") as workdir:
        env = dict(os.environ, DATABASE_URL=args.url, APP_ENV="test", VAR_DIR=workdir)
        env.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef")
        app = create_app(Settings.from_env(env))
        statements = Statements()
        statements.watch(app.state.portal.engine)
        print(f"{'page':<40} {'median ms':>10} {'KB':>6} {'statements':>11} {'SQL ms':>7}")
        for username, role in accounts(4):
            if role not in PERSONAS:
                continue
            with TestClient(app, base_url="http://127.0.0.1") as client:
                client.follow_redirects = False
                sign_in(client, username)
                for name, path in plan[role]:
                    client.get(path)  # warm-up
                    times, size = [], 0
                    statements.count, statements.seconds = 0, 0.0
                    for _ in range(args.repeat):
                        began = time.perf_counter()
                        answer = client.get(path)
                        times.append((time.perf_counter() - began) * 1000)
                        size = len(answer.content)
                    median = statistics.median(times)
                    per_page = statements.count / args.repeat
                    sql_ms = statements.seconds * 1000 / args.repeat
                    label = f"{role}: {name}"
                    print(f"{label:<40} {median:>10.0f} {size / 1024:>6.0f} {per_page:>11.0f} {sql_ms:>7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
