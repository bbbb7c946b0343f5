"""The real Alembic history on both engines: up from empty, one step down, up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from portal.kernel.db import Base, make_engine
from portal.ops import migrate
from tests.conftest import BACKENDS, create_postgres_database, drop_postgres_database, postgres_server_url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant not run")
    url = create_postgres_database(server)
    yield url
    drop_postgres_database(server, url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_it_upgrades_from_empty_downgrades_one_step_and_upgrades_again(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    assert {t.name for t in Base.metadata.sorted_tables} <= _tables(empty_database_url)

    migrate.downgrade(empty_database_url, "-1")
    migrate.upgrade(empty_database_url)
    assert {t.name for t in Base.metadata.sorted_tables} <= _tables(empty_database_url)


def test_it_downgrades_all_the_way_to_empty(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}


def test_it_keeps_one_linear_history() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_it_leaves_room_on_rating_pages_for_scoring_in_place_on_postgresql() -> None:
    """Half-full pages let PostgreSQL keep a rating's rescored version on its page (no index entries);
    migration 0007, measured in docs/scoring.md."""
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant not run")
    url = create_postgres_database(server)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as connection:
            options = connection.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'ratings'"))
        engine.dispose()
        assert options == ["fillfactor=50"]
    finally:
        drop_postgres_database(server, url)
