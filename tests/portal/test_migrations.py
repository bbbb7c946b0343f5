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


def test_it_keeps_the_names_of_periods_closed_before_snapshots_existed(empty_database_url: str) -> None:
    """The revision that adds period_snapshot_rows fills them for periods closed before it, from the
    names of the day (the export of a closed period reads only the snapshot)."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    (snapshots,) = [r for r in script.walk_revisions() if "closing_snapshot" in r.path]
    migrate.upgrade(empty_database_url, snapshots.down_revision)
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        march = {
            "key": "2026-03-01..2026-03-31",
            "label": "2026-03",
            "start": "2026-03-01",
            "end": "2026-03-31",
        }
        at = {"at": "2026-04-01 00:00:00"}
        for statement, values in (
            ("INSERT INTO units (id, code, name) VALUES (1, 'U1', 'Dinas Satu')", {}),
            (
                "INSERT INTO employees (id, nip, name, unit_id, active) "
                "VALUES (1, '198503122010012001', 'Sari', 1, true)",
                {},
            ),
            (
                "INSERT INTO scoring_runs (id, period_key, period_label, period_start, period_end, timezone, "
                "detector_version, input_hash, n_ratings, params, started_at, finished_at) "
                "VALUES (1, :key, :label, :start, :end, 'Asia/Jakarta', 'v', 'h', 1, '{}', :at, :at)",
                march | at,
            ),
            (
                "INSERT INTO officer_results (run_id, employee_id, unit_id, n_ratings, n_excluded, n_used, "
                "excluded_by_reason, sufficient, category) "
                "VALUES (1, 1, 1, 1, 0, 1, '{}', false, 'insufficient')",
                {},
            ),
            (
                "INSERT INTO periods (key, label, start_date, end_date, status, created_at, scoring_run_id) "
                "VALUES (:key, :label, :start, :end, 'closed', :at, 1)",
                march | at,
            ),
        ):
            connection.execute(text(statement), values)
    migrate.upgrade(empty_database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT nip, name, unit_code, unit_name FROM period_snapshot_rows")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("198503122010012001", "Sari", "U1", "Dinas Satu")]
