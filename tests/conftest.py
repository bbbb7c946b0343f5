"""Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built once per session by the real Alembic migrations; each test then gets an empty
database (a copied SQLite file, or truncated PostgreSQL tables).
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

import model_registry
from app import create_app
from portal.kernel.db import Base, make_engine, make_sessionmaker, normalise_url
from portal.kernel.settings import Settings
from portal.ops import migrate

# Every table must be known to Base.metadata so each test starts from empty ones.
ALL_MODELS = model_registry.MODEL_MODULES
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
BACKENDS = ["sqlite", "postgresql"]

# Tests share the cores with each other (pytest-xdist workers) and with whatever else the machine runs:
# no property fails because an example was slow (speed is measured by the scripts in bench/).
hypothesis_settings.register_profile(
    "shared-cores", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("shared-cores")


def postgres_server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("REQUIRE_POSTGRESQL"):
            pytest.fail("REQUIRE_POSTGRESQL is set but TEST_DATABASE_URL is not")
        return None
    return normalise_url(url)


@pytest.fixture(autouse=True)
def interpreter_gc() -> Iterator[None]:
    """Every test ends with the collector as the test process had it: a production app's start-up
    tunes it for the whole process (portal.ops.serving.tune_garbage_collector)."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@dataclass
class FakeClock:
    """The app's clock in tests: starts at a fixed moment and moves only when told to."""

    now: datetime = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Jakarta

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


def create_postgres_database(server_url: str) -> str:
    """A fresh, uniquely named database on the test server; returns its URL."""
    name = f"rp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant not run")
    url = create_postgres_database(server)
    migrate.upgrade(url)
    yield url
    drop_postgres_database(server, url)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "portal.db"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("migrated_postgres")
    empty_postgres_tables(url)
    return url


def empty_postgres_tables(url: str) -> None:
    """Every table emptied and every sequence back at its start, as TRUNCATE ... RESTART IDENTITY
    would, but a DELETE is cheap on a table of a few rows where TRUNCATE makes new files for each
    table (half a second a test on a busy two-core machine)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):  # children first
            conn.execute(table.delete())
        conn.exec_driver_sql(
            "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value, false)"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "APP_ENV": "test", "VAR_DIR": str(tmp_path)}
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session beside the app's, for arranging data and checking what was stored."""
    with make_sessionmaker(engine)() as session:
        yield session
