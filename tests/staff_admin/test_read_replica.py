"""READ_DATABASE_URL against a real streaming replica started for these tests (tests/replica_pair.py):
the marked staff pages, exports and /publik read from the hot standby; a user who just wrote reads the
primary until the standby has replayed their write; sign-in and sessions stay on the primary; /health
shows the lag; a standby that is down or too far behind leaves every page working from the primary.

What the standby holds is set by pausing its replay (pg_wal_replay_pause()): a row then written on the
primary is missing from a page exactly when the page was read from the standby. One worker runs these
tests (tests/parallel.py), so one pair of servers is started per run."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from app import create_app
from portal.kernel.models import Counter
from portal.kernel.replica import REPLICA_READS
from portal.kernel.settings import Settings
from portal.ops import migrate
from staff_admin.models import StaffSession, User
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock, empty_postgres_tables, postgres_server_url
from tests.replica_pair import PostgresMissing, StreamingPair, require_programs, streaming_pair
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.dashboard_world import MONDAY_9_WIB, add_rating, rate
from tests.staff_admin.test_periods_lifecycle import closed_period

pytestmark = pytest.mark.slow

RATINGS, EXPORT, AUDIT = "/admin/ratings", "/admin/ratings/export.csv", "/admin/audit"
# Every page marked to read from the standby, as a persona allowed to open it.
MARKED_PAGES = {
    "staff:dashboard": ("hr", "/admin/dashboard"),
    "staff:ratings": ("hr", RATINGS),
    "staff:ratings_export": ("hr", EXPORT),
    "complaints:list": ("hr", "/admin/complaints"),
    "me:home": ("officer", "/admin/me"),
    "appeals:list": ("hr", "/admin/appeals"),
    "audit:list": ("admin", AUDIT),
    "staff:period_export_csv": ("hr", "/admin/periods/{period}/export.csv"),
    "staff:period_export_xlsx": ("hr", "/admin/periods/{period}/export.xlsx"),
    "public:results": (None, "/publik"),
}


@pytest.fixture(scope="module")
def pair() -> Iterator[StreamingPair]:
    if postgres_server_url() is None:
        pytest.skip("TEST_DATABASE_URL is not set: the read replica tests need PostgreSQL")
    try:
        require_programs()
    except PostgresMissing as missing:
        if os.environ.get("REQUIRE_POSTGRESQL"):
            pytest.fail(f"REQUIRE_POSTGRESQL is set but no replica can be started here: {missing}")
        pytest.skip(str(missing))
    with streaming_pair() as started:
        migrate.upgrade(started.primary_url)
        yield started


@pytest.fixture(autouse=True)
def streaming(pair: StreamingPair) -> Iterator[None]:
    """Every test starts and ends with the standby up and replaying, whatever the test did to it."""
    yield
    if not pair.standby_running():
        pair.start_standby()
    pair.resume_replay()


@pytest.fixture
def database_url(pair: StreamingPair) -> str:
    empty_postgres_tables(pair.primary_url)
    return pair.primary_url


def replica_settings(pair: StreamingPair, var_dir: Path, **env: str) -> Settings:
    """The standby measured on every request (no per-process interval) and allowed to lag an hour
    unless a test says otherwise."""
    base = {"DATABASE_URL": pair.primary_url, "READ_DATABASE_URL": pair.standby_url}
    base |= {"SECRET_KEY": TEST_SECRET, "APP_ENV": "test", "VAR_DIR": str(var_dir)}
    base |= {"READ_CHECK_SECONDS": "0", "READ_MAX_LAG_SECONDS": "3600"}
    return Settings.from_env(base | env)


@pytest.fixture
def settings(pair: StreamingPair, database_url: str, tmp_path: Path) -> Settings:
    return replica_settings(pair, tmp_path)


class Browsers:
    """Several browsers, each with its own cookies, taking turns on the one test client of the app."""

    def __init__(self, client: TestClient) -> None:
        self.client, self.jars, self.current = client, {}, None

    def __call__(self, name: str) -> TestClient:
        if self.current is not None:
            self.jars[self.current] = self.client.cookies  # what the responses set since
        self.client.cookies = self.jars.get(name, {})
        self.current = name
        return self.client

    def sign_in(self, name: str, persona: str) -> TestClient:
        return signed_in(self(name), persona)


def _counter_with_rating_unseen_by_standby(
    db: Session, world: World, pair: StreamingPair, comment: str
) -> Counter:
    counter = db.scalar(select(Counter).where(Counter.name == "Loket Replika"))
    if counter is None:
        counter = factories.counter(db, world.unit_a, "Loket Replika")
        db.commit()
    pair.wait_replayed()
    pair.pause_replay()
    add_rating(db, counter, world.officer, MONDAY_9_WIB, 4, f"device-{comment}", comment=comment)
    db.commit()
    return counter


def test_it_reads_staff_pages_from_the_standby_and_a_writer_from_the_primary(
    client: TestClient, db: Session, world: World, pair: StreamingPair
) -> None:
    browsers = Browsers(client)
    browsers.sign_in("writer", "admin")
    browsers.sign_in("reader", "hr")
    counter = _counter_with_rating_unseen_by_standby(db, world, pair, "belum direplikasi")

    for name in ("writer", "reader"):  # the standby has not replayed the rating
        assert "belum direplikasi" not in browsers(name).get(RATINGS).text
        assert "belum direplikasi" not in browsers(name).get(EXPORT).text

    token = csrf_token(browsers("writer"), "/admin/")
    rotated = browsers("writer").post(
        f"/admin/counters/{counter.id}/rotate-token",
        data={"_csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert rotated.status_code == 303
    # The writer's pages now come from the primary: their own write, and everything before it.
    assert "counter.rotate_token" in browsers("writer").get(AUDIT).text
    assert "belum direplikasi" in browsers("writer").get(RATINGS).text
    assert "belum direplikasi" in browsers("writer").get(EXPORT).text
    # Someone who wrote nothing still reads the standby.
    assert "belum direplikasi" not in browsers("reader").get(RATINGS).text

    pair.resume_replay()
    pair.wait_replayed()
    assert "belum direplikasi" in browsers("reader").get(RATINGS).text
    # Once the standby has replayed the write, the writer is back on the standby too.
    _counter_with_rating_unseen_by_standby(db, world, pair, "kedua belum direplikasi")
    assert "kedua belum direplikasi" not in browsers("writer").get(RATINGS).text


def test_it_shows_the_standbys_lag_on_health_and_reads_the_primary_beyond_the_limit(
    client: TestClient, db: Session, world: World, pair: StreamingPair, tmp_path: Path
) -> None:
    pair.wait_replayed()
    caught_up = client.get("/health")
    assert caught_up.status_code == 200
    assert caught_up.json()["replica"] | {"lag_bytes": 0, "lag_seconds": 0} == {
        "state": "ok",
        "reads": "replica",
        "lag_bytes": 0,
        "lag_seconds": 0,
        "max_lag_seconds": 3600,
    }

    _counter_with_rating_unseen_by_standby(db, world, pair, "tertinggal")
    behind = client.get("/health").json()["replica"]
    assert behind["state"] == "ok" and behind["reads"] == "replica"  # within the hour allowed
    assert behind["lag_bytes"] > 0 and behind["lag_seconds"] > 0

    strict = create_app(replica_settings(pair, tmp_path, READ_MAX_LAG_SECONDS="0.2"), clock=FakeClock())
    time.sleep(0.3)
    with TestClient(strict, base_url="http://127.0.0.1:8000") as hr:
        health = hr.get("/health")
        assert health.status_code == 200
        replica = health.json()["replica"]
        assert replica["state"] == "behind" and replica["reads"] == "primary"
        assert replica["lag_seconds"] > 0.2 and replica["max_lag_seconds"] == 0.2
        assert "tertinggal" in signed_in(hr, "hr").get(RATINGS).text  # from the primary


def test_it_serves_the_pages_from_the_primary_while_the_standby_is_down(
    client: TestClient, db: Session, world: World, pair: StreamingPair
) -> None:
    signed_in(client, "hr")
    pair.stop_standby()
    counter = factories.counter(db, world.unit_a, "Loket Mati")
    add_rating(db, counter, world.officer, MONDAY_9_WIB, 4, "device-down", comment="saat mati")
    db.commit()

    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    replica = health.json()["replica"]
    assert (replica["state"], replica["reads"], replica["lag_bytes"]) == ("unreachable", "primary", None)
    assert "saat mati" in client.get(RATINGS).text
    assert "saat mati" in client.get(EXPORT).text
    for path in ("/admin/dashboard", "/admin/review", "/admin/complaints", "/publik"):
        assert client.get(path).status_code == 200, path


def test_it_checks_sessions_on_the_primary_so_a_revoked_one_ends_at_once(
    client: TestClient, db: Session, world: World, pair: StreamingPair
) -> None:
    signed_in(client, "hr")
    pair.wait_replayed()
    pair.pause_replay()  # the standby keeps the session
    hr = db.scalar(select(User).where(User.username == "hr"))
    db.execute(delete(StaffSession).where(StaffSession.user_id == hr.id))
    db.commit()

    response = client.get(RATINGS, follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_marks_only_pages_that_read_and_they_answer_from_the_standby(
    app: Litestar,
    client: TestClient,
    db: Session,
    engine: Engine,
    world: World,
    pair: StreamingPair,
    settings: Settings,
    clock: FakeClock,
) -> None:
    marked = {
        handler.name: handler.http_methods
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if handler.opt.get("reads") == REPLICA_READS["reads"]
    }
    assert set(marked) == set(MARKED_PAGES)
    assert all(methods == {"GET"} for methods in marked.values())  # HEAD is answered as a GET

    rate(db, world)
    db.commit()
    browsers = Browsers(client)
    for persona in {persona for persona, _path in MARKED_PAGES.values() if persona}:
        browsers.sign_in(persona, persona)
    period = closed_period(browsers("hr"), db, engine, settings, clock)  # scored by the worker, closed
    pair.wait_replayed()
    for name, (persona, path) in MARKED_PAGES.items():
        response = browsers(persona or "anonymous").get(path.format(period=period.id))
        assert response.status_code == 200, (name, response.status_code)
    assert client.get("/health").json()["replica"]["reads"] == "replica"
