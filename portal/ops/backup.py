"""`rating-portal backup --out FILE` and `rating-portal restore FILE`.

SQLite: an online backup through SQLite's backup API (a consistent copy while the server keeps
answering), checked with `PRAGMA integrity_check` and written readable by the owner only (it holds
keyed hashes and contact details). Restore checks the file first, refuses while another process has
the database open unless `--force`, keeps a copy of the database it replaces, and writes the backup
in through the same API, so a reader never sees half a database.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`
with the connection taken from DATABASE_URL (the password through the environment, never the
command line); when those tools are not installed the commands print what to run instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from portal.kernel.db import normalise_url
from portal.kernel.settings import Settings


class BackupError(RuntimeError):
    """A message for the operator; the command exits with status 2."""


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int
    revision: str | None


# --- SQLite ---------------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for other engines."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _check(conn: sqlite3.Connection, what: str) -> str | None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is not a readable SQLite database: {error}") from None
    if result != [("ok",)]:
        raise BackupError(f"{what} failed the integrity check: {result[:3]}")
    revision = _revision(conn)
    if revision is None:
        raise BackupError(f"{what} is not a rating-portal database (no migration revision in it)")
    return revision


def backup_sqlite(database: Path, out: Path) -> Copied:
    """A consistent copy of a live database at `out` (replaced atomically)."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(database, timeout=30)) as source,
        closing(sqlite3.connect(partial)) as target,
    ):
        source.backup(target)  # one step: a single read snapshot, writers are not blocked (WAL)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        revision = _check(target, "the copy")
    partial.chmod(0o600)
    os.replace(partial, out)
    return Copied(out, out.stat().st_size, revision)


def sqlite_in_use(database: Path) -> bool:
    """Whether another connection has the database open (a server that has answered a request, a
    scoring run, a shell): they keep a shared lock that an exclusive connection cannot get past."""
    if not database.exists():
        return False
    with closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as probe:
        try:
            probe.execute("PRAGMA locking_mode=EXCLUSIVE")
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("SELECT count(*) FROM sqlite_master").fetchall()
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
    return False


def restore_sqlite(backup: Path, database: Path, force: bool = False) -> tuple[Copied, Path | None]:
    """Replaces the database's content with the backup's; returns what was restored and where the
    replaced database was kept (None when there was none)."""
    if not backup.exists():
        raise BackupError(f"no backup file at {backup}")
    with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source:
        revision = _check(source, str(backup))
    if not force and sqlite_in_use(database):
        raise BackupError(
            f"{database} is in use by another process (a running server or job?). Stop it and run "
            "the restore again, or pass --force to restore under it (its open requests may fail)."
        )
    kept = None
    if database.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = backup_sqlite(database, database.with_name(f"{database.name}.before-restore-{stamp}")).path
    database.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(database, timeout=30)) as target,
    ):
        source.backup(target)
        _check(target, "the restored database")
    return Copied(database, database.stat().st_size, revision), kept


# --- PostgreSQL -----------------------------------------------------------------------------------


def libpq_environment(url: str) -> dict[str, str]:
    """PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE for pg_dump/pg_restore from DATABASE_URL."""
    parsed = make_url(normalise_url(url))
    values = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
    }
    return {k: v for k, v in values.items() if v}


def _pg_tool(name: str, guidance: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed (Debian/Ubuntu: apt-get install postgresql-client). Run instead, "
            f"with PGHOST, PGPORT, PGUSER, PGDATABASE (and PGPASSWORD or ~/.pgpass) set:\n  {guidance}"
        )
    return tool


def backup_postgresql(url: str, out: Path) -> Copied:
    tool = _pg_tool("pg_dump", f"pg_dump --format=custom --no-owner --no-privileges --file {out}")
    partial = out.with_name(out.name + ".partial")
    command = [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial)]
    _run(command, url)
    partial.chmod(0o600)
    os.replace(partial, out)
    return Copied(out, out.stat().st_size, None)


def postgresql_in_use(url: str) -> int:
    """Other sessions connected to the database."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def restore_postgresql(url: str, backup: Path, force: bool = False) -> Copied:
    options = "--clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error"
    tool = _pg_tool("pg_restore", f'pg_restore {options} --dbname "$PGDATABASE" {backup}')
    if not backup.exists():
        raise BackupError(f"no backup file at {backup}")
    others = postgresql_in_use(url)
    if others and not force:
        raise BackupError(
            f"the database is in use: {others} other session(s) are connected (servers, jobs?). Stop "
            "them and run the restore again, or pass --force to restore under them."
        )
    database = make_url(normalise_url(url)).database or ""
    _run([tool, *options.split(), "--dbname", database, str(backup)], url)
    return Copied(backup, backup.stat().st_size, None)


def _run(command: list[str], url: str) -> None:
    env = dict(os.environ) | libpq_environment(url)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed:\n{done.stderr.strip()}")


# --- commands ---------------------------------------------------------------------------------------


def register(commands: argparse._SubParsersAction, _create_app: Callable) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database to FILE while the server runs (SQLite backup API, or pg_dump)"
    )
    backup.add_argument("--out", type=Path, required=True, metavar="FILE")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser(
        "restore", help="replace the database's content with a backup (keeps a copy of the replaced one)"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true", help="restore even while other processes use the database"
    )
    restore.set_defaults(handler=_restore)


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.out.exists() and not args.force:
            raise BackupError(f"{args.out} exists; pass --force to replace it")
        database = sqlite_path(settings.database_url)
        if database is not None:
            copied = backup_sqlite(database, args.out)
            detail = f"SQLite, schema {copied.revision}, integrity ok"
        else:
            copied = backup_postgresql(settings.database_url, args.out)
            detail = "pg_dump custom format; restore with `rating-portal restore`"
    except BackupError as error:
        print(f"rating-portal: {error}", file=sys.stderr)
        return 2
    print(f"backed up to {copied.path} ({copied.size:,} bytes; {detail})")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    try:
        database = sqlite_path(settings.database_url)
        if database is not None:
            copied, kept = restore_sqlite(args.file, database, args.force)
            print(f"restored {args.file} into {database} (schema {copied.revision})")
            if kept:
                print(f"the database it replaced is kept at {kept}")
        else:
            restore_postgresql(settings.database_url, args.file, args.force)
            print(f"restored {args.file} into the PostgreSQL database of DATABASE_URL")
    except BackupError as error:
        print(f"rating-portal: {error}", file=sys.stderr)
        return 2
    print("run `rating-portal db upgrade` if the backup is older than this version, then start the server")
    return 0
