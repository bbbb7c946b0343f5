"""Scoring as a background job, through HTTP, the real worker command and the real databases: "Score"
queues a job and answers at once, `rating-portal worker` runs it, a failure is recorded and shown,
each job runs once however many workers poll, a dead worker's job is taken over, and a period is
scored by one job at a time."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.models import Counter
from portal.kernel.settings import Settings
from scoring.db.models import ScoringRun
from scoring.periods import parse_period
from staff_admin.access import principal_for
from staff_admin.jobs import queue
from staff_admin.jobs.models import ScoringJob
from staff_admin.jobs.service import queue_scoring
from staff_admin.jobs.worker import Worker
from staff_admin.models import AuditEntry, User
from staff_admin.periods.models import ScoringPeriod
from tests.conftest import TEST_SECRET, FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.hr_data import march_ratings
from tests.staff_admin.scoring_jobs import run_jobs, worker_command

PERIODS = "/admin/periods/"
MARCH = parse_period("2026-03")
T0 = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # mid-March: the March ratings are in, more may come


def post(client: TestClient, path: str, data: dict | None = None):
    token = csrf_token(client, "/admin/")
    return client.post(path, data={"_csrf_token": token, **(data or {})}, follow_redirects=False)


def open_period(client: TestClient, db: Session, text: str = "2026-03") -> ScoringPeriod:
    assert post(client, PERIODS, {"period": text}).status_code == 303
    return db.scalars(select(ScoringPeriod).where(ScoringPeriod.key == parse_period(text).key)).one()


def jobs(db: Session) -> list[ScoringJob]:
    db.expire_all()
    return list(db.scalars(select(ScoringJob).order_by(ScoringJob.id)))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def march(db: Session, world: World, clock: FakeClock) -> None:
    march_ratings(db, world)
    clock.set(T0)


def test_it_queues_scoring_and_answers_at_once(
    client: TestClient, db: Session, world: World, march: None
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)

    response = post(client, f"/admin/periods/{period.id}/score")

    assert response.status_code == 303 and response.headers["location"] == "/admin/periods"
    (job,) = jobs(db)
    hr = db.scalar(select(User.id).where(User.username == "hr"))
    assert (job.state, job.period_key, job.requested_by_user_id) == ("queued", MARCH.key, hr)
    assert db.scalar(select(func.count()).select_from(ScoringRun)) == 0  # nothing scored on the request
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "scoring_job.queue")).one()
    assert (entry.actor_user_id, entry.object_id, entry.after["period"]) == (hr, str(job.id), MARCH.key)
    page = client.get(PERIODS + "?lang=en").text
    assert "Scoring queued at" in text_of(page) and "by User hr" in text_of(page)
    assert f'data-job-url="/admin/scoring-jobs/{job.id}"' in page
    assert '<noscript><meta http-equiv="refresh"' in page  # refreshes itself without JavaScript
    assert f"/admin/periods/{period.id}/score" not in page  # no second "Score" while one waits
    indonesian = text_of(client.get(PERIODS + "?lang=id").text)
    assert "Penghitungan skor masuk antrean" in indonesian


def test_it_runs_the_queued_job_with_the_worker_command(
    client: TestClient,
    db: Session,
    world: World,
    march: None,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)
    post(client, f"/admin/periods/{period.id}/score")

    assert worker_command(monkeypatch, settings) == 0

    assert "1 done" in capsys.readouterr().out
    (job,) = jobs(db)
    assert (job.state, job.progress, job.error, job.claim_token) == ("done", 1.0, None, None)
    assert job.summary["n_ratings"] == 56 and job.summary["n_excluded"] == 8
    assert job.rows_total == 56 and job.rows_read == 56  # progress reached the end of the read
    run = db.scalars(select(ScoringRun).where(ScoringRun.period_key == MARCH.key)).one()
    db.refresh(period)
    assert (period.status, period.input_hash) == ("scored", run.input_hash)
    assert job.summary["input_hash"] == run.input_hash
    page = client.get(PERIODS + "?lang=en").text
    assert "Score again" in page and run.input_hash[:12] in page and "data-job-url" not in page
    dashboard = client.get("/admin/dashboard/?period=2026-03&lang=en")
    assert dashboard.status_code == 200 and "Dinas Alpha" in dashboard.text


def test_it_says_so_when_no_job_waits(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert worker_command(monkeypatch, settings) == 0
    assert "no job waiting" in capsys.readouterr().out


def test_it_records_a_failed_job_with_its_error_and_shows_it(
    client: TestClient,
    db: Session,
    world: World,
    march: None,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A time zone the system does not know, written past the master-data form (which checks it).
    db.execute(update(Counter).values(timezone="Mars/Olympus_Mons"))
    db.commit()
    signed_in(client, "hr")
    period = open_period(client, db)
    post(client, f"/admin/periods/{period.id}/score")

    assert worker_command(monkeypatch, settings) == 1

    (job,) = jobs(db)
    assert job.state == "failed" and job.finished_at is not None
    assert "Mars/Olympus_Mons" in job.error and job.error.startswith("ZoneInfoNotFoundError")
    assert db.scalar(select(func.count()).select_from(ScoringRun)) == 0
    db.refresh(period)
    assert period.status == "open"
    page = text_of(client.get(PERIODS + "?lang=en").text)
    assert "Scoring failed at" in page and "The stored figures were not changed." in page
    assert "Mars/Olympus_Mons" in page
    assert "Penghitungan skor gagal" in text_of(client.get(PERIODS + "?lang=id").text)
    status = client.get(f"/admin/scoring-jobs/{job.id}").json()
    assert (status["state"], status["active"]) == ("failed", False) and "Mars/Olympus_Mons" in status["error"]


def test_it_shows_progress_while_a_job_runs(
    client: TestClient, db: Session, engine: Engine, world: World, march: None, clock: FakeClock
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)
    post(client, f"/admin/periods/{period.id}/score")
    claim = queue.claim(engine, "worker-a", clock())
    assert claim is not None
    # what the worker records between chunks of its read
    assert queue.renew(engine, claim, clock(), phase="read", progress=0.2, rows_read=1234, rows_total=5000)

    status = client.get(f"/admin/scoring-jobs/{claim.job_id}")
    assert status.headers["cache-control"] == "no-store"
    assert status.json() == {
        "id": claim.job_id,
        "period": "2026-03",
        "state": "running",
        "phase": "read",
        "percent": 20,
        "rows_read": 1234,
        "rows_total": 5000,
        "error": None,
        "active": True,
    }
    page = client.get(PERIODS + "?lang=en").text
    assert '<progress max="100" value="20" aria-label="Scoring progress">' in page
    assert "Scoring: reading the ratings ( 1,234 / 5,000)" in text_of(page)
    indonesian = text_of(client.get(PERIODS + "?lang=id").text)
    assert "Penghitungan skor: membaca penilaian ( 1.234 / 5.000)" in indonesian
    # closing waits for the job
    closing = post(client, f"/admin/periods/{period.id}/close?lang=en", {"confirm": "yes"})
    assert closing.status_code == 422


def test_two_workers_never_claim_the_same_job(engine: Engine, db: Session, clock: FakeClock) -> None:
    queue.enqueue(db, parse_period("2026-03"), None, clock())
    db.commit()

    first = queue.claim(engine, "worker-a", clock())
    second = queue.claim(engine, "worker-b", clock())

    assert first is not None and second is None


def test_many_workers_claiming_at_once_take_each_job_exactly_once(
    engine: Engine, db: Session, clock: FakeClock
) -> None:
    for month in range(1, 9):
        queue.enqueue(db, parse_period(f"2026-{month:02d}"), None, clock())
    db.commit()
    claimed: list[int] = []
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        while (claim := queue.claim(engine, name, clock())) is not None:
            claimed.append(claim.job_id)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed) == [job.id for job in jobs(db)]  # every job once, none twice
    assert {job.state for job in jobs(db)} == {"running"}


def test_a_job_whose_worker_died_is_taken_over_after_its_lease(
    engine: Engine, db: Session, world: World, march: None, settings: Settings, clock: FakeClock
) -> None:
    queue.enqueue(db, parse_period("2026-03"), None, clock())
    db.commit()
    dead = queue.claim(engine, "worker-that-dies", clock())
    assert dead is not None

    clock.advance(seconds=queue.LEASE.total_seconds() - 1)
    assert queue.claim(engine, "worker-b", clock()) is None  # the lease still holds
    clock.advance(seconds=2)
    assert run_jobs(engine, settings, clock, name="worker-b") == {"done": 1}

    (job,) = jobs(db)
    assert (job.state, job.worker, job.attempts) == ("done", "worker-b", 2)
    # the dead worker's late writes change nothing
    assert not queue.renew(engine, dead, clock())
    assert not queue.mark_failed(engine, dead, clock(), "too late")
    assert jobs(db)[0].state == "done"


def test_a_job_whose_workers_keep_dying_is_failed_not_retried_forever(
    engine: Engine, db: Session, clock: FakeClock
) -> None:
    queue.enqueue(db, parse_period("2026-03"), None, clock())
    db.commit()
    for _attempt in range(queue.MAX_ATTEMPTS):
        assert queue.claim(engine, "worker", clock()) is not None
        clock.advance(seconds=queue.LEASE.total_seconds() + 1)

    assert queue.claim(engine, "worker", clock()) is None
    (job,) = jobs(db)
    assert job.state == "failed" and "stopped 3 times" in job.error


def test_a_stopping_worker_hands_its_job_back_at_once(engine: Engine, db: Session, clock: FakeClock) -> None:
    queue.enqueue(db, parse_period("2026-03"), None, clock())
    db.commit()
    claim = queue.claim(engine, "worker-a", clock())
    assert claim is not None and queue.release(engine, claim, clock())
    clock.advance(seconds=1)
    again = queue.claim(engine, "worker-b", clock())
    assert again is not None and again.job_id == claim.job_id and again.attempts == 1


def test_it_scores_a_period_with_one_job_at_a_time(
    client: TestClient,
    db: Session,
    engine: Engine,
    world: World,
    march: None,
    settings: Settings,
    clock: FakeClock,
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)
    post(client, f"/admin/periods/{period.id}/score")
    post(client, f"/admin/periods/{period.id}/score")  # pressed twice: still one job
    assert len(jobs(db)) == 1
    running = queue.claim(engine, "worker-a", clock())
    assert running is not None

    # asked again while it runs (from the dashboard): one job waits behind it, however often asked
    for _ in range(2):
        assert post(client, "/admin/dashboard/score", {"period": "2026-03"}).status_code == 303
    states = [job.state for job in jobs(db)]
    assert states == ["running", "queued"]
    assert queue.claim(engine, "worker-b", clock()) is None  # not while the period's job runs

    assert (
        Worker(engine, make_sessionmaker(engine), settings, clock, log=lambda _: None).run_job(running)
        == "done"
    )
    assert run_jobs(engine, settings, clock, name="worker-b") == {"done": 1}
    assert [job.state for job in jobs(db)] == ["done", "done"]


@pytest.mark.parametrize("state", ["queued", "running"])
def test_the_database_refuses_a_second_active_job_of_a_period(
    db: Session, clock: FakeClock, state: str
) -> None:
    for _ in range(2):
        db.add(
            ScoringJob(
                period_key=MARCH.key,
                period_label="2026-03",
                state=state,
                progress=0.0,
                rows_read=0,
                attempts=1,
                requested_at=clock(),
                lease_expires_at=clock() + timedelta(minutes=2),
            )
        )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_hr_pressing_score_in_many_tabs_at_once_queues_one_job(
    engine: Engine, db: Session, world: World, clock: FakeClock
) -> None:
    hr = principal_for(db, db.scalars(select(User).where(User.username == "hr")).one())
    sessions = make_sessionmaker(engine)
    queued: list[int] = []
    start = threading.Barrier(6)

    def press() -> None:
        with sessions() as session:
            start.wait()
            queued.append(queue_scoring(session, hr, MARCH, clock()).id)

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    (job,) = jobs(db)
    assert queued == [job.id] * 6
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "scoring_job.queue")).all()) == 1


def test_a_worker_waits_out_a_database_it_cannot_reach(tmp_path) -> None:
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/none"  # nothing listens on port 1
    settings = Settings.from_env(
        {"DATABASE_URL": unreachable, "SECRET_KEY": TEST_SECRET, "VAR_DIR": str(tmp_path)}
    )
    engine = make_engine(unreachable)
    lines: list[str] = []
    worker = Worker(engine, make_sessionmaker(engine), settings, FakeClock(), log=lines.append)
    runner = threading.Thread(target=worker.run, kwargs={"poll_seconds": 0.05})
    runner.start()
    try:
        for _ in range(200):
            if len(lines) >= 2:
                break
            threading.Event().wait(0.05)
    finally:
        worker.stopping.set()
        runner.join(10)
        engine.dispose()
    assert not runner.is_alive()
    assert len(lines) >= 2 and lines[0].startswith("cannot look for jobs now (OperationalError)")
