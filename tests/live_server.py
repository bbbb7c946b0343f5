"""The real server on loopback, shared by the reliability tests and the load scripts in bench/.

A fresh database (a SQLite file, or a PostgreSQL database created on a server and dropped after),
migrated by the real command and seeded with counters and officers on duty; the app served by uvicorn
in its own process group as `rating-portal serve` serves it (no access log of uvicorn's, no proxy
headers); and citizens as raw HTTP/1.1 over asyncio, a new connection per citizen, so every citizen
can land on any worker process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

from sqlalchemy import create_engine, func, make_url, select, text

from portal.kernel.db import make_engine, make_sessionmaker, normalise_url
from portal.kernel.hours import STANDARD_OFFICE_HOURS
from portal.kernel.models import Counter, DutyShift, Employee, Rating, Unit
from portal.ops.accesslog import UVICORN_LOG_CONFIG
from portal.ops.serving import EVENT_LOOP, HTTP_PROTOCOL

REPO = Path(__file__).resolve().parent.parent
SECRET = "live-server-secret-key-" + "x" * 32
FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')
ACTION = re.compile(rb'<form[^>]*? action="([^"]+)"')
DEVICE = re.compile(rb"rp_device=([^;]+)")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- servers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uvicorn(app: str, port: int, workers: int) -> list[str]:
    """Served as `rating-portal serve` serves it: uvicorn, no access log, no proxy headers, its own
    log lines as JSON."""
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--http", HTTP_PROTOCOL, "--loop", EVENT_LOOP]
    command += ["--log-config", str(UVICORN_LOG_CONFIG)]
    return [*command, "--workers", str(workers), "--no-access-log", "--no-proxy-headers"]


def portal_command(port: int, workers: int) -> list[str]:
    return [*uvicorn("app:create_app", port, workers), "--factory"]


def launch(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Starts a server in its own process group, its output appended to `log`; see wait_ready."""
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True)


def wait_ready(proc: subprocess.Popen, port: int, ready_path: str, log: Path, timeout: float = 90) -> None:
    """Returns once the server answers 200 on `ready_path`; stops it and raises if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"server did not start:\n{log.read_text(errors='replace')[-3000:]}")
        url = f"http://127.0.0.1:{port}{ready_path}"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.1)


def start_server(
    command: list[str], env: dict[str, str], port: int, ready_path: str, log: Path
) -> subprocess.Popen:
    proc = launch(command, env, log)
    wait_ready(proc, port, ready_path, log)
    return proc


def stop_server(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Signals the server's whole process group (master and workers) and reaps the master."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if sig == signal.SIGKILL:  # workers are not our children: wait until the kernel has them gone
        deadline = time.monotonic() + 10
        while group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)


@contextlib.contextmanager
def server(command: list[str], env: dict[str, str], port: int, ready_path: str, log: Path):
    """Runs a server in its own process group until the block ends; waits until it answers."""
    proc = start_server(command, env, port, ready_path, log)
    try:
        yield proc
    finally:
        stop_server(proc)


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group: uvicorn's master and its workers."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            after = stat.read_text().rsplit(")", 1)[1].split()
            if int(after[2]) == pgid and after[0] != "Z":
                members.append(int(stat.parent.name))
    return sorted(members)


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def access_log(log: Path) -> list[dict]:
    """The app's JSON access-log lines in a server log (other lines are skipped)."""
    entries = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("log") == "access":
                    entries.append(entry)
    return entries


# --- databases -------------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path, pg_server: str | None) -> Iterator[str]:
    """A new empty database: a SQLite file in `workdir`, or a PostgreSQL database created on
    `pg_server` (any database URL of that server) and dropped, with its connections, after."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'portal.db'}"
        return
    if not pg_server:
        raise ValueError("a PostgreSQL server URL is needed")
    server_url = normalise_url(pg_server)
    name = f"rp_live_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def portal_env(url: str, port: int, workdir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production-like app process on loopback."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, APP_ENV="production", PORT=str(port))
    env |= {"VAR_DIR": str(workdir), "BASE_URL": f"http://127.0.0.1:{port}"}
    return env | overrides


def migrate(env: dict[str, str]) -> None:
    """`rating-portal db upgrade`, as an operator runs it."""
    command = [sys.executable, "-m", "app", "db", "upgrade"]
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)


def seed(url: str) -> list[str]:
    """One unit, three counters, an officer on duty at each now (ratings get attributed)."""
    engine, now = make_engine(url), datetime.now(UTC)
    with make_sessionmaker(engine)() as db:
        unit = Unit(code="BENCH", name="Dinas Kependudukan dan Pencatatan Sipil")
        db.add(unit)
        db.flush()
        counters = [
            Counter(unit_id=unit.id, name=f"Loket {i}", opening_hours=STANDARD_OFFICE_HOURS) for i in "123"
        ]
        staff = [Employee(nip=f"19850312201001200{i}", name=f"Petugas {i}", unit_id=unit.id) for i in "123"]
        db.add_all(counters + staff)
        db.flush()
        for counter, officer, before in zip(counters, staff, staff[1:] + staff[:1], strict=True):
            for who, start, end in ((before, -24, -12), (officer, -12, 12)):
                starts, ends = now + timedelta(hours=start), now + timedelta(hours=end)
                db.add(DutyShift(employee_id=who.id, counter_id=counter.id, starts_at=starts, ends_at=ends))
        db.commit()
        tokens = [c.public_token for c in counters]
    engine.dispose()
    return tokens


def count_ratings(url: str) -> tuple[int, int]:
    """Ratings stored, and how many of them are attributed to the officer on duty."""
    engine = make_engine(url)
    with engine.connect() as conn:
        roster = func.count().filter(Rating.attribution == "roster")
        total, attributed = conn.execute(select(func.count(), roster).select_from(Rating)).one()
    engine.dispose()
    return total, attributed


# --- citizens --------------------------------------------------------------------------------------


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if length is None:
        raise RuntimeError("answer without Content-Length")
    return int(head.split(b" ", 2)[1]), head, await reader.readexactly(int(length.group(1)))


@dataclass
class Visit:
    """One citizen at one counter: the form they got (kept for a retry) and what became of it."""

    path: str  # /r/{token}
    comment: str = ""
    overall: int = 4
    form_token: bytes | None = None
    action: str | None = None
    device: str | None = None
    posted: bool = False  # the rating was sent in the last attempt (its answer may have been lost)
    outcome: str = ""  # "303", "GET 500", "POST 422", or the exception's name
    get_ms: float | None = None
    post_ms: float | None = None
    attempts: int = 0
    history: list[str] = field(default_factory=list)


async def visit(port: int, citizen: Visit, started: float | None = None, timeout: float = 10) -> Visit:
    """The form (unless the citizen kept one: a retry of the same form), then the rating with the
    device cookie the form came with, on a new connection. `started` (loop time) is when the citizen
    was due: form latency counts from then, so a slow server cannot hide its queue."""
    loop = asyncio.get_running_loop()
    started = loop.time() if started is None else started
    citizen.attempts += 1
    citizen.posted = False
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            common = f"Host: 127.0.0.1:{port}\r\nAccept-Language: id-ID,id;q=0.9\r\n"
            sent = loop.time()
            if citizen.form_token is None:
                writer.write(f"GET {citizen.path} HTTP/1.1\r\n{common}\r\n".encode())
                status, head, body = await read_answer(reader)
                sent = loop.time()
                citizen.get_ms = (sent - started) * 1000
                token, action, device = FORM_TOKEN.search(body), ACTION.search(body), DEVICE.search(head)
                if status != 200 or not (token and action and device):
                    citizen.outcome = f"GET {status}"
                    return citizen
                citizen.form_token, citizen.action = token.group(1), action.group(1).decode()
                citizen.device = device.group(1).decode()
            form = b"form_token=" + citizen.form_token + f"&overall={citizen.overall}&u6=4&u7=3".encode()
            form += f"&comment={quote_plus(citizen.comment)}&website=".encode()
            cookie = f"Cookie: rp_device={citizen.device}\r\n"
            request = (
                f"POST {citizen.action} HTTP/1.1\r\n{common}{cookie}"
                f"Content-Length: {len(form)}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
            )
            writer.write(request.encode() + form)
            citizen.posted = True
            status, _, _ = await read_answer(reader)
            citizen.post_ms = (loop.time() - sent) * 1000
            citizen.outcome = "303" if status == 303 else f"POST {status}"
    except (OSError, asyncio.IncompleteReadError, RuntimeError, TimeoutError) as error:
        citizen.outcome = type(error).__name__
    finally:
        citizen.history.append(citizen.outcome)
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, RuntimeError):
                await writer.wait_closed()
    return citizen


async def citizen(port: int, path: str, scheduled: float, out: dict) -> None:
    """One citizen of an open-loop load: tallies outcomes and latencies into `out`."""
    done = await visit(port, Visit(path), scheduled)
    if done.get_ms is not None:
        out["get_ms"].append(done.get_ms)
    if done.post_ms is not None:
        out["post_ms"].append(done.post_ms)
    out["outcomes"][done.outcome] = out["outcomes"].get(done.outcome, 0) + 1


def percentile(values: list[float], q: float) -> float | None:
    values = sorted(values)
    return values[max(0, math.ceil(q / 100 * len(values)) - 1)] if values else None


async def steady(port: int, tokens: list[str], rate: float, seconds: float) -> dict:
    """Starts `rate` citizens a second for `seconds`, whatever the answers do (open loop)."""
    loop = asyncio.get_running_loop()
    out: dict = {"get_ms": [], "post_ms": [], "outcomes": {}}
    start, tasks, lag = loop.time() + 0.1, [], 0.0
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        lag = max(lag, loop.time() - scheduled)
        tasks.append(asyncio.create_task(citizen(port, f"/r/{tokens[i % len(tokens)]}", scheduled, out)))
    await asyncio.gather(*tasks)
    see_other = out["outcomes"].pop("303", 0)
    result = {
        "started": len(tasks),
        "see_other": see_other,
        "errors": out["outcomes"],
        "max_lag_ms": lag * 1000,
    }
    for kind in ("get", "post"):
        result |= {f"{kind}_p{q}_ms": percentile(out[f"{kind}_ms"], q) for q in (50, 99)}
    return result
