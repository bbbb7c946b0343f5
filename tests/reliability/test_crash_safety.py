"""Crash safety: the server killed with SIGKILL under load, and a scoring run killed mid-way.

Server: citizens rate concurrently (each their own device cookie and a unique comment) against two
worker processes; the whole process group is killed while ratings are in flight, restarted, and
every citizen retries as a browser would (the same form again if the rating was sent but its answer
was lost). Afterwards every citizen has a success answer and exactly one stored rating, nothing else
was stored, and the database passes its consistency checks.

Scoring: `rating-portal score` is killed while it computes and again while it holds its write
transaction; the previous run's results and flags are untouched each time, and the next run completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from portal.kernel.db import make_engine
from portal.kernel.models import Rating
from portal.ops import migrate
from portal.ops.backup import postgresql_in_use
from scoring.db.models import OfficerResult, ScoringRun, UnitResult
from tests import live_server
from tests.live_server import Visit
from tests.reliability.conftest import consistency_problems
from tests.simulated_ratings import load_simulated as load_simulated_ratings

# Slow; on one pytest-xdist worker (--dist loadgroup): one load on real servers at a time.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]

CITIZENS = 500
LANES = 12  # citizens in flight at once
KILL_AFTER = 80  # ratings answered before the kill
RETRY_PAUSE = 0.05
DEADLINE = 40


def citizen_env(url: str, port: int, workdir: Path) -> dict[str, str]:
    return live_server.portal_env(
        url, port, workdir, DEVICE_THROTTLE_SECONDS="0", SUBMIT_FLOOD_LIMIT_PER_MINUTE="100000000"
    )


async def crowd(port: int, citizens: list[Visit], restart) -> dict:
    """LANES citizens at a time until every citizen has a 303. `restart` (a blocking callable) is
    run in a thread once KILL_AFTER citizens are through: it kills and restarts the server."""
    queue: asyncio.Queue[Visit] = asyncio.Queue()
    for one in citizens:
        queue.put_nowait(one)
    done, lost_answers, unexpected = 0, 0, []
    killed = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def lane() -> None:
        nonlocal done, lost_answers
        while not queue.empty():
            one = queue.get_nowait()
            while True:
                await live_server.visit(port, one, timeout=15)
                if one.outcome == "303":
                    done += 1
                    break
                if one.outcome.startswith(("GET", "POST")):  # the server answered with an error
                    unexpected.append(f"{one.comment}: {one.outcome}")
                    break
                lost_answers += one.posted  # the rating went out; its answer never came back
                await asyncio.sleep(RETRY_PAUSE)  # a person pressing the button again
            if done >= KILL_AFTER and not killed.is_set():
                killed.set()

    async def killer() -> float:
        await killed.wait()
        began = loop.time()
        await asyncio.to_thread(restart)
        return loop.time() - began

    lanes = [asyncio.create_task(lane()) for _ in range(LANES)]
    kill = asyncio.create_task(killer())
    async with asyncio.timeout(DEADLINE):
        await asyncio.gather(*lanes)
        downtime = await kill
    return {"lost_answers": lost_answers, "unexpected": unexpected, "downtime_s": downtime}


def test_every_answered_rating_survives_a_killed_server(fresh_url: str, tmp_path: Path) -> None:
    port = live_server.free_port()
    env = citizen_env(fresh_url, port, tmp_path)
    live_server.migrate(env)
    tokens = live_server.seed(fresh_url)
    log = tmp_path / "server.log"
    command = live_server.portal_command(port, workers=2)
    run = uuid.uuid4().hex[:8]
    citizens = [Visit(f"/r/{tokens[i % 3]}", comment=f"crash {run} citizen {i:04d}") for i in range(CITIZENS)]
    servers = [live_server.start_server(command, env, port, "/health", log)]
    killed_at: list[int] = []

    def kill_and_restart() -> None:
        members = live_server.group_members(servers[0].pid)
        live_server.stop_server(servers[0], signal.SIGKILL)
        killed_at.append(len(members))
        servers.append(live_server.start_server(command, env, port, "/health", log))

    try:
        result = asyncio.run(crowd(port, citizens, kill_and_restart))
    finally:
        for proc in servers:
            live_server.stop_server(proc)

    assert killed_at and killed_at[0] >= 3, "the master and both workers were running when killed"
    assert result["unexpected"] == []
    assert [c.comment for c in citizens if c.outcome != "303"] == []
    retried = [c for c in citizens if len(c.history) > 1]
    assert retried, "some citizens were cut off by the kill and tried again"
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Rating.comment, func.count()).group_by(Rating.comment)).all())
        attributed = conn.execute(select(func.count()).where(Rating.employee_id.is_not(None))).scalar_one()
    engine.dispose()
    assert {comment: n for comment, n in stored.items() if n != 1} == {}, "a rating was stored twice"
    assert sorted(stored) == sorted(c.comment for c in citizens), "every answered rating, nothing else"
    assert attributed == CITIZENS
    assert consistency_problems(fresh_url) == []
    text_log = log.read_text(errors="replace")
    assert "Traceback" not in text_log and '"log": "error"' not in text_log
    print(
        f"killed after {KILL_AFTER} ratings; {len(retried)} citizens retried, "
        f"{result['lost_answers']} ratings sent whose answer was lost; "
        f"back up in {result['downtime_s']:.1f} s"
    )


# --- scoring killed mid-run ---------------------------------------------------------------------------

SCORING_RATINGS = 20_000
EXTRA_RATINGS = 300


def results_snapshot(url: str) -> dict:
    """Everything a scoring run writes: its run row, unit and officer results, the rating flags."""
    engine = make_engine(url)
    with engine.connect() as conn:
        runs = conn.execute(
            select(ScoringRun.id, ScoringRun.period_key, ScoringRun.input_hash, ScoringRun.n_ratings)
        ).all()
        units = conn.execute(
            select(*(c for c in UnitResult.__table__.c if c.name != "id")).order_by(UnitResult.unit_id)
        ).all()
        officers = conn.execute(
            select(*(c for c in OfficerResult.__table__.c if c.name != "id")).order_by(
                OfficerResult.employee_id
            )
        ).all()
        flags = conn.execute(
            select(
                Rating.id, Rating.excluded, Rating.reasons, Rating.anomaly_score, Rating.scored_at
            ).order_by(Rating.id)
        ).all()
    engine.dispose()
    return {"runs": runs, "units": units, "officers": officers, "flags": flags}


def add_ratings(url: str, n: int) -> None:
    """n more ratings in the period (copies of the first ones), so a completed run would differ."""
    engine = make_engine(url)
    columns = [c for c in Rating.__table__.c if c.name not in ("id", "submission_key")]
    with engine.begin() as conn:
        rows = conn.execute(select(*columns).order_by(Rating.id).limit(n)).mappings().all()
        extra = [
            dict(row) | {"submission_key": f"extra-{i}", "scored_at": None} for i, row in enumerate(rows)
        ]
        conn.execute(insert(Rating), extra)
    engine.dispose()


def reading(proc: subprocess.Popen, url: str) -> bool:
    """Whether the scoring process has opened the database (it connects when it starts reading)."""
    if url.startswith("sqlite"):
        path = os.path.realpath(url.removeprefix("sqlite:///"))
        with contextlib.suppress(OSError):
            return any(os.path.realpath(fd) == path for fd in Path(f"/proc/{proc.pid}/fd").iterdir())
        return False
    return bool(postgresql_in_use(url))


def in_write_transaction(_proc: subprocess.Popen, url: str) -> bool:
    """Whether another connection holds the scoring run's write transaction."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as probe:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            probe.execute("ROLLBACK")
            return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname = 'scoring_runs' AND l.mode = 'RowExclusiveLock' "
                        "AND l.pid <> pg_backend_pid() AND l.database = "  # pg_locks spans the server
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.fixture
def scorer() -> Iterator[Callable[[dict[str, str], str], subprocess.Popen]]:
    """Starts `rating-portal score --period P` runs; any still running at the end are killed."""
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str], period: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "app", "score", "--period", period]
        proc = subprocess.Popen(
            command,
            cwd=live_server.REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        kill(proc)


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    output, _ = proc.communicate(timeout=timeout)
    return proc.returncode, output.decode(errors="replace")


def kill(proc: subprocess.Popen) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def test_a_killed_scoring_run_leaves_the_previous_results(
    fresh_url: str, tmp_path: Path, scorer: Callable[[dict[str, str], str], subprocess.Popen]
) -> None:
    migrate.upgrade(fresh_url)
    period = load_simulated_ratings(fresh_url, SCORING_RATINGS)
    env = live_server.portal_env(fresh_url, 8000, tmp_path, PERIOD_TIMEZONE="UTC")
    status, output = finish(scorer(env, period))
    assert status == 0, output
    in_database = float(re.search(r"; ([0-9.]+) s$", output.strip()).group(1))  # after its imports
    first_count = results_snapshot(fresh_url)["runs"][0].n_ratings
    add_ratings(fresh_url, EXTRA_RATINGS)
    before = results_snapshot(fresh_url)
    assert len(before["runs"]) == 1 and before["units"] and before["officers"]

    # 1. killed while it reads and computes; 2. killed inside its write transaction (the old run
    # deleted, the new one half written). A run that finishes between two looks is taken as the old
    # results and the kill is tried again.
    for phase, moment, pause in (("read", reading, in_database * 0.3), ("write", in_write_transaction, 0)):
        caught = False
        for _attempt in range(3):
            proc = scorer(env, period)
            while proc.poll() is None and not (caught := moment(proc, fresh_url)):
                time.sleep(0.005)
            time.sleep(pause)
            if caught and proc.poll() is None:
                kill(proc)
                break
            caught = False
            status, output = finish(proc)
            assert status == 0, output
            before = results_snapshot(fresh_url)
        assert caught, f"never killed the run in its {phase} phase"
        assert results_snapshot(fresh_url) == before, f"killed in the {phase} phase"
        assert consistency_problems(fresh_url) == []

    # 3. the next run completes and replaces the results
    status, output = finish(scorer(env, period))
    assert status == 0, output
    after = results_snapshot(fresh_url)
    assert [run.n_ratings for run in after["runs"]] == [first_count + EXTRA_RATINGS]
    assert all(flag.scored_at is not None for flag in after["flags"])
    assert consistency_problems(fresh_url) == []
