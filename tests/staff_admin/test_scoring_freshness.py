"""Stale figures and who may queue scoring: after a mid-month run, new ratings and review decisions
make the periods page and the dashboard say the figures are out of date, "score again" queues a job,
and once it has run the notice is gone. Personas for queuing from both pages and for the job status;
the worker command stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Rating
from portal.kernel.settings import Settings
from scoring.periods import parse_period
from staff_admin.jobs.models import ScoringJob
from staff_admin.periods.models import ScoringPeriod
from tests.conftest import TEST_SECRET, FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.hr_data import march_ratings, more_march_ratings
from tests.staff_admin.scoring_jobs import run_jobs

MARCH = parse_period("2026-03")
SCORED_AT = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # mid-month: ratings keep coming after the run
LATER = datetime(2026, 3, 23, 2, 0, tzinfo=UTC)
DASHBOARD = "/admin/dashboard/?period=2026-03&lang=en"
PERIODS = "/admin/periods/?lang=en"
OUT_OF_DATE = "The figures are out of date since"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Scored:
    period: ScoringPeriod
    counter_a: Counter


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def post(client: TestClient, path: str, data: dict | None = None):
    token = csrf_token(client, "/admin/")
    return client.post(path, data={"_csrf_token": token, **(data or {})}, follow_redirects=False)


def as_persona(client: TestClient, clock: FakeClock, moment: datetime, persona: str) -> TestClient:
    """Moves the clock and signs in afresh (a staff session ends after an idle hour)."""
    clock.set(moment)
    client.cookies.clear()
    return client if persona == "anonymous" else signed_in(client, persona)


def job_states(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(ScoringJob.state).order_by(ScoringJob.id)))


@pytest.fixture
def scored(
    client: TestClient, db: Session, engine: Engine, world: World, settings: Settings, clock: FakeClock
) -> Scored:
    """March scored on the 20th through the periods page and the worker."""
    counter_a, _ = march_ratings(db, world)
    as_persona(client, clock, SCORED_AT, "hr")
    assert post(client, "/admin/periods/", {"period": "2026-03"}).status_code == 303
    period = db.scalars(select(ScoringPeriod).where(ScoringPeriod.key == MARCH.key)).one()
    assert post(client, f"/admin/periods/{period.id}/score").status_code == 303
    assert run_jobs(engine, settings, clock) == {"done": 1}
    return Scored(period, counter_a)


def test_it_shows_current_figures_without_a_notice(client: TestClient, scored: Scored) -> None:
    assert OUT_OF_DATE not in text_of(client.get(PERIODS).text)
    assert OUT_OF_DATE not in text_of(client.get(DASHBOARD).text)


def test_it_says_figures_are_out_of_date_after_new_ratings_until_scored_again(
    client: TestClient,
    db: Session,
    engine: Engine,
    world: World,
    settings: Settings,
    clock: FakeClock,
    scored: Scored,
) -> None:
    more_march_ratings(db, scored.counter_a, world.officer)  # 20 ratings on the 22nd
    as_persona(client, clock, LATER, "hr")

    periods = text_of(client.get(PERIODS).text)
    assert f"{OUT_OF_DATE} Mar 22, 2026" in periods
    assert "20 new ratings, 0 review decisions." in periods
    assert "Score the period again to bring them up to date." in periods
    indonesian = text_of(client.get("/admin/periods/?lang=id").text)
    assert "Angka-angka ini sudah tidak mutakhir sejak 22 Mar 2026" in indonesian
    assert "20 penilaian baru, 0 keputusan peninjauan." in indonesian
    dashboard = client.get(DASHBOARD).text
    assert "20 new ratings, 0 review decisions." in text_of(dashboard)
    assert 'action="/admin/dashboard/score"' in dashboard

    # "Score again" on the dashboard queues a job and comes back to the same view at once
    unit = world.unit_a.id
    response = post(client, "/admin/dashboard/score", {"period": "2026-03", "unit": str(unit)})
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/dashboard?period=2026-03&unit={unit}"
    waiting = client.get(DASHBOARD).text
    assert "Scoring queued at" in text_of(waiting) and OUT_OF_DATE not in text_of(waiting)
    assert "data-job-url" in waiting and '<noscript><meta http-equiv="refresh"' in waiting
    assert job_states(db) == ["done", "queued"]

    clock.set(datetime(2026, 3, 25, 2, 0, tzinfo=UTC))
    assert run_jobs(engine, settings, clock) == {"done": 1}
    assert OUT_OF_DATE not in text_of(client.get(DASHBOARD).text)
    assert OUT_OF_DATE not in text_of(client.get(PERIODS).text)
    assert "data-job-url" not in client.get(DASHBOARD).text


def test_it_says_figures_are_out_of_date_after_a_review_decision_until_scored_again(
    client: TestClient,
    db: Session,
    engine: Engine,
    world: World,
    settings: Settings,
    clock: FakeClock,
    scored: Scored,
) -> None:
    burst = db.scalars(select(Rating.id).where(Rating.device_hash == "stuffer")).first()
    as_persona(client, clock, LATER, "head_a")
    decided = post(
        client, "/admin/review/decide", {"rating_id": str(burst), "action": "restore", "note": "a real visit"}
    )
    assert decided.status_code == 303

    as_persona(client, clock, LATER, "hr")
    periods = text_of(client.get(PERIODS).text)
    assert f"{OUT_OF_DATE} Mar 23, 2026" in periods and "0 new ratings, 1 review decision." in periods

    assert post(client, f"/admin/periods/{scored.period.id}/score").status_code == 303
    clock.advance(minutes=1)  # the worker picks it up a little later
    assert run_jobs(engine, settings, clock) == {"done": 1}
    assert OUT_OF_DATE not in text_of(client.get(PERIODS).text)
    assert OUT_OF_DATE not in text_of(client.get(DASHBOARD).text)


@pytest.mark.parametrize(
    ("persona", "notice", "may_queue"),
    [("head_a", True, False), ("head_b", False, False), ("hr", True, True), ("admin", True, True)],
)
def test_it_shows_the_notice_within_each_personas_units(
    client: TestClient,
    db: Session,
    world: World,
    clock: FakeClock,
    scored: Scored,
    persona: str,
    notice: bool,
    may_queue: bool,
) -> None:
    """The new ratings are unit A's: unit B's head has nothing out of date; heads may not queue."""
    more_march_ratings(db, scored.counter_a, world.officer)
    page = as_persona(client, clock, LATER, persona).get(DASHBOARD).text
    assert (OUT_OF_DATE in text_of(page)) is notice
    assert ('action="/admin/dashboard/score"' in page) is may_queue
    assert ("HR can score the period again." in text_of(page)) is (notice and not may_queue)


QUEUE_ANSWERS = {"admin": 303, "hr": 303, "head_a": 403, "head_b": 403, "officer": 403, "anonymous": 303}


@pytest.fixture
def opened(client: TestClient, db: Session, world: World, clock: FakeClock) -> ScoringPeriod:
    as_persona(client, clock, SCORED_AT, "hr")
    assert post(client, "/admin/periods/", {"period": "2026-03"}).status_code == 303
    return db.scalars(select(ScoringPeriod).where(ScoringPeriod.key == MARCH.key)).one()


@pytest.mark.parametrize("persona", QUEUE_ANSWERS)
@pytest.mark.parametrize("page", ["periods", "dashboard"])
def test_only_hr_and_admins_may_queue_scoring(
    client: TestClient, db: Session, clock: FakeClock, opened: ScoringPeriod, persona: str, page: str
) -> None:
    as_persona(client, clock, LATER, persona)
    path = f"/admin/periods/{opened.id}/score" if page == "periods" else "/admin/dashboard/score"
    token = csrf_token(client, "/admin/login")
    response = client.post(path, data={"_csrf_token": token, "period": "2026-03"}, follow_redirects=False)

    assert response.status_code == QUEUE_ANSWERS[persona]
    if persona == "anonymous":
        assert response.headers["location"].startswith("/admin/login")
    assert job_states(db) == (["queued"] if persona in ("admin", "hr") else [])


@pytest.mark.parametrize(
    ("persona", "status", "sees_error"),
    [
        ("admin", 200, True),
        ("hr", 200, True),
        ("head_a", 200, False),
        ("head_b", 200, False),
        ("officer", 403, False),
    ],
)
def test_the_job_status_is_for_staff_who_see_results(
    client: TestClient,
    db: Session,
    world: World,
    clock: FakeClock,
    persona: str,
    status: int,
    sees_error: bool,
) -> None:
    job = ScoringJob(
        period_key=MARCH.key,
        period_label=MARCH.label,
        state="failed",
        progress=0.0,
        rows_read=0,
        attempts=1,
        error="OperationalError: the database went away",
        requested_at=clock(),
        finished_at=clock(),
    )
    db.add(job)
    db.commit()
    response = as_persona(client, clock, clock(), persona).get(f"/admin/scoring-jobs/{job.id}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["state"] == "failed"
        assert (response.json()["error"] is not None) is sees_error
    assert client.get("/admin/scoring-jobs/999999").status_code == (404 if status == 200 else 403)


def test_the_job_status_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get("/admin/scoring-jobs/1", follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_refuses_to_queue_a_closed_or_unreadable_period_from_the_dashboard(
    client: TestClient, db: Session, scored: Scored
) -> None:
    closing = {"confirm": "yes", "override": "yes", "note": "the burst waits for review"}
    assert post(client, f"/admin/periods/{scored.period.id}/close", closing).status_code == 303
    closed = post(client, "/admin/dashboard/score?lang=en", {"period": "2026-03"})
    assert closed.status_code == 422 and "This period is closed; its results are frozen." in closed.text
    unreadable = post(client, "/admin/dashboard/score?lang=en", {"period": "last spring"})
    assert unreadable.status_code == 422 and "Choose a period to score again." in unreadable.text
    assert job_states(db) == ["done"]


def test_the_worker_command_stops_cleanly_on_sigterm(settings: Settings) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": TEST_SECRET,
        "APP_ENV": "test",
        "PYTHONPATH": REPO,
    }
    command = [sys.executable, "-m", "app", "worker", "--poll-seconds", "0.2"]
    worker = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert "waiting for scoring jobs" in worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0 and "stopped" in output
