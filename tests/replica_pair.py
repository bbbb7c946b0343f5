"""A real PostgreSQL primary and its streaming hot standby, made on this machine for the read-replica
tests (tests/staff_admin/test_read_replica.py).

Both are clusters of their own in one temporary directory, on free loopback ports: `initdb` makes the
primary (trust for loopback, replication included, and `wal_level=replica`, initdb's defaults, so
nothing of the machine's PostgreSQL is changed or restarted, and the copy is of a near-empty cluster
whatever else the machine's server holds); `pg_basebackup -R -X stream` copies it into the standby's
data directory with the standby settings, and a second postmaster serves that. The programs come from
Debian's /usr/lib/postgresql/<version>/bin (the newest), or from PATH. PostgreSQL refuses to run as
root: as root they run as the `postgres` user (`runuser`), which owns the directory.

`streaming_pair()` stops both servers and removes the directory however the tests end: an error,
Ctrl-C, or a SIGTERM (a CI job's timeout), which it turns into a KeyboardInterrupt while it runs. A
pair left behind by a test process killed outright is stopped and removed by the next one (its
directory names the process that made it).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from portal.kernel.replica import lsn_number
from tests.live_server import free_port

PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup")
PREFIX = "rp-replica-"
OWNER_FILE = "owner.pid"
# The servers' sockets go in the directory: /tmp keeps the path within the 107 bytes a socket may have
# (mkdtemp makes a private directory there, so the shared /tmp is safe).
TEMP = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()  # noqa: S108
START_ATTEMPTS = 5  # a free port can be taken by someone else before the postmaster binds it
# Small and quick servers: a test cluster need not survive a power cut.
SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=40"


class PostgresMissing(RuntimeError):
    pass


def postgres_programs() -> Path:
    """The directory of initdb, pg_ctl and pg_basebackup."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in versions:
        if all((bindir / name).exists() for name in PROGRAMS):
            return bindir
    found = shutil.which("initdb")
    if found and all(shutil.which(name) for name in PROGRAMS):
        return Path(found).parent
    raise PostgresMissing("initdb, pg_ctl and pg_basebackup not found (/usr/lib/postgresql/*/bin, PATH)")


def _as_owner() -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs PostgreSQL's programs, and the owner for the directory."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresMissing("running as root and there is no postgres user to run PostgreSQL") from None
    if shutil.which("runuser") is None:
        raise PostgresMissing("running as root without runuser to run PostgreSQL as postgres")
    return ["runuser", "-u", "postgres", "--"], owner.pw_uid, owner.pw_gid


@dataclass
class StreamingPair:
    base: Path
    bindir: Path
    prefix: list[str]
    primary_port: int = 0
    standby_port: int = 0
    database: str = "portal"

    def url(self, port: int, database: str | None = None) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database or self.database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    def run(self, *args: str, timeout: float = 120) -> None:
        """A PostgreSQL program, its output kept in the directory's log for a failure's message."""
        log = self.base / "programs.log"
        with log.open("ab") as out:
            done = subprocess.run(
                [*self.prefix, str(self.bindir / args[0]), *args[1:]],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                timeout=timeout,
                env=_clean_env(),
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{_tail(log)}")

    def start(self, name: str, port: int = 0) -> int:
        """Starts the postmaster of data directory `name` on `port` or a free one; returns once it
        accepts connections (a standby: once it is consistent and answers read-only queries)."""
        for attempt in range(START_ATTEMPTS):
            port = port if port and attempt == 0 else free_port()
            options = f"-p {port} -k {self.base} {SERVER_OPTIONS}"
            data, log = str(self.base / name), str(self.base / f"{name}.log")
            try:
                self.run("pg_ctl", "start", "-D", data, "-l", log, "-w", "-t", "60", "-o", options)
                return port
            except RuntimeError:
                if attempt == START_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def running(self, name: str) -> bool:
        return (self.base / name / "postmaster.pid").exists()

    def stop(self, name: str) -> None:
        if self.running(name):
            try:
                self.run("pg_ctl", "stop", "-D", str(self.base / name), "-m", "fast", "-w", "-t", "60")
            except (RuntimeError, subprocess.TimeoutExpired):
                self.run("pg_ctl", "stop", "-D", str(self.base / name), "-m", "immediate", "-w", "-t", "60")

    def standby_running(self) -> bool:
        return self.running("standby")

    def start_standby(self) -> None:
        """Again on its port when it is still free: apps made before keep their READ_DATABASE_URL."""
        self.standby_port = self.start("standby", self.standby_port)

    def stop_standby(self) -> None:
        self.stop("standby")

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        primary = create_engine(self.primary_url, isolation_level="AUTOCOMMIT")
        standby = create_engine(self.standby_url, isolation_level="AUTOCOMMIT")
        try:
            with primary.connect() as conn:
                target = lsn_number(conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar())
            deadline = time.monotonic() + timeout
            with standby.connect() as conn:
                while True:
                    replayed = conn.execute(text("SELECT pg_last_wal_replay_lsn()::text")).scalar_one()
                    if replayed is not None and lsn_number(replayed) >= target:
                        return
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the standby did not replay up to the primary in {timeout} s")
                    time.sleep(0.02)
        finally:
            primary.dispose()
            standby.dispose()

    def pause_replay(self) -> None:
        """The standby stops applying WAL (it still receives it) until `resume_replay`: what the
        primary commits from now on is missing there."""
        self._standby_sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._standby_sql("SELECT pg_wal_replay_resume()")

    def _standby_sql(self, statement: str) -> None:
        engine = create_engine(self.url(self.standby_port, "postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()


def require_programs() -> None:
    """Raises PostgresMissing when no pair can be started on this machine."""
    postgres_programs()
    _as_owner()


def _reap_abandoned(bindir: Path, prefix: list[str]) -> None:
    """Stops and removes the pairs of test processes that no longer exist."""
    for base in Path(TEMP).glob(f"{PREFIX}*"):
        try:
            owner = int((base / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being made
        if _alive(owner):
            continue
        pair = StreamingPair(base, bindir, prefix)
        for name in ("standby", "primary"):
            with contextlib.suppress(Exception):
                pair.stop(name)
        shutil.rmtree(base, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt("SIGTERM")  # pytest then tears its fixtures down


def _clean_env() -> dict[str, str]:
    """No PGHOST, PGPORT or PGDATA of the caller's steers the programs to another server."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def streaming_pair() -> Iterator[StreamingPair]:
    """A primary with a database `portal` and its hot standby, streaming; both stopped and their
    directory removed at the end, however it ends."""
    bindir = postgres_programs()
    prefix, uid, gid = _as_owner()
    _reap_abandoned(bindir, prefix)
    base = Path(tempfile.mkdtemp(prefix=PREFIX, dir=TEMP))
    (base / OWNER_FILE).write_text(str(os.getpid()))
    pair = StreamingPair(base, bindir, prefix)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        if uid is not None:
            os.chown(base, uid, gid)  # type: ignore[arg-type]
        pair.run("initdb", "-D", str(base / "primary"), "-U", "postgres", "-A", "trust", "--no-locale",
                 "-E", "UTF8", "--no-sync")  # fmt: skip
        pair.primary_port = pair.start("primary")
        admin = create_engine(pair.url(pair.primary_port, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pair.database}"'))
        admin.dispose()
        pair.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
                 "-D", str(base / "standby"), "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        pair.start_standby()
        yield pair
    finally:
        for name in ("standby", "primary"):
            with contextlib.suppress(Exception):
                pair.stop(name)
        shutil.rmtree(base, ignore_errors=True)
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
