"""Running queued scoring jobs in tests: through the real `rating-portal worker --once`, or in-process
with the test's clock (the command line's worker reads the real one)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app import main
from portal.kernel.db import make_sessionmaker
from portal.kernel.settings import Settings
from staff_admin.jobs.worker import Worker
from tests.conftest import TEST_SECRET, FakeClock


def worker_command(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> int:
    """`rating-portal worker --once` on the test database; its exit code."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("APP_ENV", "test")
    return main(["worker", "--once"])


def run_jobs(
    engine: Engine, settings: Settings, clock: FakeClock, name: str = "test-worker"
) -> dict[str, int]:
    """Every waiting job, run by a worker on the test's clock; counts of final states."""
    worker = Worker(engine, make_sessionmaker(engine), settings, clock, name=name, log=lambda _line: None)
    return worker.run(once=True)
