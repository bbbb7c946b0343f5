"""Staff pages at size: several signed-in users at once against the real server, p50/p95 per page,
and the ratings CSV export's first byte and rows per second.

    # a database built once (it is not changed but for the bench's own staff accounts):
    DATABASE_URL=sqlite:////tmp/city.db .venv/bin/rating-portal db upgrade
    DATABASE_URL=sqlite:////tmp/city.db .venv/bin/rating-portal demo-data --ratings 1000000
    DATABASE_URL=sqlite:////tmp/city.db .venv/bin/rating-portal demo-users
    DATABASE_URL=sqlite:////tmp/city.db .venv/bin/rating-portal demo-casework
    .venv/bin/python bench/staff_pages.py --url sqlite:////tmp/city.db --think 1   # people reading
    .venv/bin/python bench/staff_pages.py --url sqlite:////tmp/city.db             # back to back

The server is started as `rating-portal serve` starts it (tests/live_server.py: uvicorn, its own
process group, `--workers`); every user is a thread with its own HTTP client that signs in through the
login form, then opens its persona's pages in a shuffled order for `--rounds` rounds after one warm-up
round that is not counted, pausing before each page a random time of mean `--think` seconds (none by
default: the users then saturate the server, and the pages served per second are its capacity). The
personas: HR and an admin (every unit), the head of DUKCAPIL, and an officer of DUKCAPIL (their own
page). The ratings browser is opened with several filters and deep
pages. The export is HR's CSV of one month (`--export-period`, default the latest full month) and of
everything (`--export-all`), read to the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import model_registry  # noqa: E402,F401  (every table known)
from portal.kernel.db import make_engine, make_sessionmaker  # noqa: E402
from portal.kernel.models import Counter, Employee, Rating, Unit  # noqa: E402
from staff_admin.models import User  # noqa: E402
from staff_admin.users import create_user  # noqa: E402
from tests import live_server  # noqa: E402
from tests.staff_admin.conftest import CSRF_FIELD  # noqa: E402

PASSWORD = "bench staff password 2026"  # noqa: S105  (the bench's own accounts)
UNIT = "DUKCAPIL"
PERSONAS = (
    ("bench.hr", "hr"),
    ("bench.head", "unit_head"),
    ("bench.officer", "officer"),
    ("bench.admin", "admin"),
)


def database_size(url: str) -> tuple[int, int]:
    """(bytes of the database, ratings)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        ratings = connection.scalar(select(func.count()).select_from(Rating))
        if engine.dialect.name == "postgresql":
            size = connection.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            path = Path(engine.url.database)
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    engine.dispose()
    return int(size), int(ratings)


def accounts(users: int) -> list[tuple[str, str]]:
    """One account per user (sign-in is throttled per account): bench.hr.1, bench.head.2, ..."""
    return [(f"{PERSONAS[i % len(PERSONAS)][0]}.{i}", PERSONAS[i % len(PERSONAS)][1]) for i in range(users)]


def prepare(url: str, users: int) -> dict:
    """The bench's staff accounts (once) and the ids its pages name."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        unit_id = db.scalar(select(Unit.id).where(Unit.code == UNIT))
        counter_id = db.scalar(select(func.min(Counter.id)).where(Counter.unit_id == unit_id))
        officer = db.execute(
            select(Employee.id, Employee.nip).where(Employee.unit_id == unit_id).order_by(Employee.id)
        ).first()
        newest = db.scalar(select(func.max(Rating.submitted_at)))
        for username, role in accounts(users):
            if db.scalar(select(User.id).where(User.username == username)) is None:
                scope = (
                    {"unit_code": UNIT}
                    if role == "unit_head"
                    else {"nip": officer.nip}
                    if role == "officer"
                    else {}
                )
                create_user(db, datetime.now(UTC), username=username, role=role, password=PASSWORD, **scope)
        db.commit()
    engine.dispose()
    month = date(newest.year, newest.month, 1) - timedelta(days=1)
    return {
        "unit": unit_id,
        "counter": counter_id,
        "officer": officer.id,
        "month": f"{month:%Y-%m}",
        "this_month": f"{newest:%Y-%m}",
    }


def pages(ids: dict) -> dict[str, list[tuple[str, str]]]:
    """Persona -> [(page name, path)]."""
    u, c, e, m = ids["unit"], ids["counter"], ids["officer"], ids["month"]
    browser = [
        ("ratings: first page", "/admin/ratings"),
        ("ratings: page 2,000", "/admin/ratings?page=2000"),
        ("ratings: last page", "/admin/ratings?page=1000000"),
        ("ratings: overall 1 with comment, p20", "/admin/ratings?overall=1&comment=yes&page=20"),
        ("ratings: excluded, p5", "/admin/ratings?excluded=yes&page=5"),
        ("ratings: officer + month, p3", f"/admin/ratings?officer={e}&period={m}&page=3"),
        ("ratings: counter, p100", f"/admin/ratings?counter={c}&page=100"),
        ("ratings: unit + month, p500", f"/admin/ratings?unit={u}&period={m}&page=500"),
    ]
    staff = [
        ("home (to-do)", "/admin/"),
        ("dashboard", "/admin/dashboard/"),
        ("dashboard: unit + counter", f"/admin/dashboard/?unit={u}&counter={c}"),
        ("review queue", "/admin/review/"),
        ("complaints", "/admin/complaints/"),
        ("publik", "/publik/"),
    ]
    return {
        "hr": staff + browser,
        "admin": staff + browser,
        "unit_head": staff[:5] + browser[:2] + browser[5:],
        "officer": [
            ("officer's own page", "/admin/me/"),
            ("officer: a month", f"/admin/me/?month={ids['this_month']}"),
        ],
    }


def sign_in(client: httpx.Client, username: str) -> None:
    token = CSRF_FIELD.search(client.get("/admin/login").text).group(1)
    data = {"username": username, "password": PASSWORD, "_csrf_token": token}
    answer = client.post("/admin/login", data=data)
    if answer.status_code != 303:
        raise RuntimeError(f"{username} could not sign in: {answer.status_code}")


def user(
    base: str,
    username: str,
    role: str,
    plan,
    rounds: int,
    think: float,
    out: list,
    barrier: threading.Barrier,
) -> None:
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
        try:
            sign_in(client, username)
        except Exception:
            barrier.abort()  # the others stop waiting
            raise
        barrier.wait()  # every user signed in: the load starts together
        rng = random.Random(username)
        for round_ in range(rounds + 1):
            order = list(plan[role])
            rng.shuffle(order)
            for name, path in order:
                if think:  # a person reads the page before the next click
                    time.sleep(rng.expovariate(1 / think))
                began = time.perf_counter()
                answer = client.get(path)
                elapsed = (time.perf_counter() - began) * 1000
                if round_:  # the first round warms the caches
                    out.append((name, elapsed, answer.status_code))


def export_in_process(url: str, period: str) -> tuple[float, int, float]:
    """The export's own cost without HTTP and its client: the service's chunks read in this process."""
    from staff_admin.access import Principal
    from staff_admin.dashboard import ratings

    engine = make_engine(url)
    hr = Principal(0, "bench", "Bench", "hr", None, None, frozenset())
    began = time.perf_counter()
    export = ratings.export(make_sessionmaker(engine), hr, {"period": period}, "Asia/Jakarta")
    first, lines = None, 0
    for chunk in export.chunks:
        first = first or time.perf_counter() - began
        lines += chunk.count("\n")
    total = time.perf_counter() - began
    engine.dispose()
    return (first or total) * 1000, lines - 1, (lines - 1) / total


def percentile(values: list[float], q: float) -> float:
    return live_server.percentile(values, q) or 0.0


def export(base: str, query: str) -> tuple[float, int, float]:
    """(ms to the first byte, rows, rows per second) of HR's ratings CSV."""
    with httpx.Client(base_url=base, timeout=600) as client:
        sign_in(client, "bench.hr.0")
        began = time.perf_counter()
        first = None
        lines = 0
        with client.stream("GET", f"/admin/ratings/export.csv{query}") as answer:
            if answer.status_code != 200:
                raise RuntimeError(f"export answered {answer.status_code}")
            for chunk in answer.iter_bytes():
                if first is None:
                    first = time.perf_counter() - began
                lines += chunk.count(b"\n")
        total = time.perf_counter() - began
    rows = max(0, lines - 1)
    return (first or total) * 1000, rows, rows / total if total else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the database, built with demo-data --ratings N")
    parser.add_argument("--users", type=int, default=8, help="signed-in users at once (personas in turn)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="a user's mean pause between pages (random, exponential); 0: back to back, saturating",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--export-period", default=None, help="default: the latest full month")
    parser.add_argument("--export-all", action="store_true", help="also export every rating")
    parser.add_argument("--no-export", action="store_true", help="pages only")
    parser.add_argument("--export-in-process", action="store_true", help="only the month's export, no server")
    parser.add_argument(
        "--skip", action="append", default=[], metavar="TEXT", help="leave out pages whose name holds TEXT"
    )
    args = parser.parse_args()

    ids = prepare(args.url, args.users)
    if args.export_in_process:
        period = args.export_period or ids["month"]
        first, rows, speed = export_in_process(args.url, period)
        print(f"export {period} in-process: first byte {first:.0f} ms, {rows:,} rows, {speed:,.0f} rows/s")
        return 0
    size, ratings = database_size(args.url)
    print(f"{ratings:,} ratings, database {size / 2**20:,.0f} MiB, {args.users} users, {args.rounds} rounds")
    print(f"{os.cpu_count()} cores, {args.workers} server processes")
    plan = {
        role: [(name, path) for name, path in chosen if not any(text in name for text in args.skip)]
        for role, chosen in pages(ids).items()
    }
    with tempfile.TemporaryDirectory(prefix="staff-bench-") as workdir:
        port = live_server.free_port()
        # APP_ENV=test: staff cookies without `Secure` over the bench's plain HTTP (production marks
        # them Secure, which an HTTP client then never sends back); rendering is as in production.
        env = live_server.portal_env(args.url, port, Path(workdir), APP_ENV="test")
        log = Path(workdir) / "server.log"
        command = live_server.portal_command(port, args.workers)
        with live_server.server(command, env, port, "/health", log):
            base = f"http://127.0.0.1:{port}"
            out: list[tuple[str, float, int]] = []
            barrier = threading.Barrier(args.users)
            threads = [
                threading.Thread(
                    target=user,
                    args=(base, *accounts(args.users)[i], plan, args.rounds, args.think, out, barrier),
                )
                for i in range(args.users)
            ]
            load_before = os.getloadavg()[0]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.perf_counter() - began
            print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
            served = len(out) * (args.rounds + 1) / args.rounds / took
            print(f"{served:.1f} pages/s served, think time {args.think} s")
            print(f"{'page':<40} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  errors")
            names = list(dict.fromkeys(name for name, _, _ in out))
            for name in names:
                times = [ms for n, ms, _ in out if n == name]
                errors = sum(1 for n, _, status in out if n == name and status != 200)
                row = (
                    f"{name:<40} {len(times):>4} {percentile(times, 50):>8.0f} {percentile(times, 95):>8.0f}"
                )
                print(f"{row} {max(times):>8.0f}  {errors or ''}")
            every = [ms for _, ms, _ in out]
            p50, p95 = percentile(every, 50), percentile(every, 95)
            print(f"{'all pages':<40} {len(every):>4} {p50:>8.0f} {p95:>8.0f}")
            queries = [f"?period={args.export_period or ids['month']}"] + ([""] if args.export_all else [])
            queries = [] if args.no_export else queries
            for query in queries:
                first, rows, speed = export(base, query)
                what = query or " (everything)"
                print(f"export{what}: first byte {first:.0f} ms, {rows:,} rows, {speed:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
