"""The real server with two worker processes, on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import aliased

from portal.kernel.db import Base, make_engine
from tests import live_server
from tests.conftest import ALL_MODELS, postgres_server_url

assert ALL_MODELS  # every table is known to Base.metadata for the consistency checks

BACKENDS = ["sqlite", "postgresql"]


def pg_server_or_skip() -> str:
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant not run")
    return server


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (not migrated) for one test."""
    server = pg_server_or_skip() if request.param == "postgresql" else None
    with live_server.fresh_database(request.param, tmp_path, server) as url:
        yield url


def orphans(engine: Engine) -> dict[str, int]:
    """Rows whose foreign key points at nothing, per `table.column` (only the non-zero ones)."""
    found = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = aliased(fk.column.table)
                column = fk.parent
                missing = conn.execute(
                    select(func.count())
                    .select_from(table.outerjoin(parent, parent.c[fk.column.name] == column))
                    .where(column.is_not(None), parent.c[fk.column.name].is_(None))
                ).scalar_one()
                if missing:
                    found[f"{table.name}.{column.name}"] = missing
    return found


def consistency_problems(url: str) -> list[str]:
    """Everything wrong with a database after a crash: SQLite's own checks, dangling foreign keys,
    duplicate idempotency keys."""
    problems = []
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                integrity = conn.execute(text("PRAGMA integrity_check")).scalars().all()
                if integrity != ["ok"]:
                    problems.append(f"integrity_check: {integrity[:5]}")
                dangling = conn.execute(text("PRAGMA foreign_key_check")).all()
                if dangling:
                    problems.append(f"foreign_key_check: {dangling[:5]}")
            duplicates = conn.execute(
                text("SELECT submission_key FROM ratings GROUP BY submission_key HAVING count(*) > 1")
            ).all()
            if duplicates:
                problems.append(f"duplicate submission keys: {duplicates[:5]}")
        problems += [f"orphans: {name} {n}" for name, n in orphans(engine).items()]
    finally:
        engine.dispose()
    return problems
