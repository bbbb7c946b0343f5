"""Periods go open -> scored -> closed; closing freezes the results and records who, when and
with which input and detector; re-scoring (web or command line) and new ratings change nothing.
"Score" queues a job; these tests then run `rating-portal worker --once` (or a worker on the test's
clock) as a server's worker process would."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import main
from scoring.db.models import OfficerResult, ScoringRun
from scoring.reasons import DETECTOR_VERSION
from staff_admin.models import AuditEntry, User
from staff_admin.periods.models import ScoringPeriod
from tests.staff_admin.conftest import PERSONAS, World, csrf_token, signed_in
from tests.staff_admin.hr_data import march_ratings, more_march_ratings
from tests.staff_admin.scoring_jobs import run_jobs, worker_command


def post(client: TestClient, path: str, data: dict | None = None):
    token = csrf_token(client, "/admin/periods/")
    return client.post(path, data={"_csrf_token": token, **(data or {})}, follow_redirects=False)


def open_period(client: TestClient, db: Session, text: str = "2026-03") -> ScoringPeriod:
    assert post(client, "/admin/periods/", {"period": text}).status_code == 303
    return db.scalars(select(ScoringPeriod).order_by(ScoringPeriod.id.desc())).first()


def closed_period(client: TestClient, db: Session, engine, settings, clock) -> ScoringPeriod:
    """Opened, scored (the worker runs the queued job) and closed by the signed-in HR member; the
    detector's flags are still waiting for review, so the close is an override with a reason."""
    period = open_period(client, db)
    assert post(client, f"/admin/periods/{period.id}/score").status_code == 303
    assert run_jobs(engine, settings, clock) == {"done": 1}
    closing = {"confirm": "yes", "override": "yes", "note": "reviews follow next month"}
    assert post(client, f"/admin/periods/{period.id}/close", closing).status_code == 303
    db.expire_all()
    return db.get(ScoringPeriod, period.id)


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("hr", 200), ("head_a", 403), ("head_b", 403), ("officer", 403)]
)
def test_it_shows_the_periods_page_to_hr_and_admins_only(
    client: TestClient, world: World, persona: str, status: int
) -> None:
    assert persona in PERSONAS
    assert signed_in(client, persona).get("/admin/periods/").status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get("/admin/periods/", follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_refuses_a_period_form_without_csrf_token(client: TestClient, world: World) -> None:
    signed_in(client, "hr")
    assert client.post("/admin/periods/", data={"period": "2026-03"}).status_code == 403


def test_it_explains_a_period_it_cannot_read_in_both_languages(client: TestClient, world: World) -> None:
    signed_in(client, "hr")
    english = post(client, "/admin/periods/?lang=en", {"period": "last month"})
    assert english.status_code == 422 and "Write a period as 2026-03" in english.text
    indonesian = post(client, "/admin/periods/?lang=id", {"period": "bulan lalu"})
    assert indonesian.status_code == 422 and "Tulis periode" in indonesian.text


def test_it_scores_and_closes_a_period_with_its_provenance(
    client: TestClient, db: Session, world: World, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    march_ratings(db, world)
    signed_in(client, "hr")
    period = open_period(client, db)
    assert post(client, f"/admin/periods/{period.id}/score").status_code == 303
    assert worker_command(monkeypatch, settings) == 0
    closing = {"confirm": "yes", "override": "yes", "note": "reviews follow next month"}
    assert post(client, f"/admin/periods/{period.id}/close", closing).status_code == 303
    db.expire_all()
    period = db.get(ScoringPeriod, period.id)
    run = db.scalars(select(ScoringRun).where(ScoringRun.period_key == period.key)).one()
    hr_id = db.scalar(select(User.id).where(User.username == "hr"))
    assert (period.status, period.scoring_run_id, period.closed_by_user_id) == ("closed", run.id, hr_id)
    assert (period.input_hash, period.detector_version) == (run.input_hash, DETECTOR_VERSION)
    assert period.closed_at is not None
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "period")))
    assert actions == {"period.create", "period.score", "period.close"}
    score = db.scalars(select(AuditEntry).where(AuditEntry.action == "period.score")).one()
    assert score.actor_user_id == hr_id  # the worker's run is recorded as the person who asked
    page = client.get("/admin/periods/?lang=en").text
    assert "Closed by User hr" in page and run.input_hash[:12] in page
    closing = db.scalars(select(AuditEntry).where(AuditEntry.action == "period.close")).one()
    assert closing.after["override"] is True and closing.after["pending_reviews"] == 8
    assert closing.note == "reviews follow next month" and closing.after["snapshot_rows"] == 2


def test_it_asks_for_confirmation_before_closing(
    client: TestClient, db: Session, world: World, engine, settings, clock
) -> None:
    march_ratings(db, world)
    signed_in(client, "admin")
    period = open_period(client, db)
    closing = {"confirm": "yes", "override": "yes", "note": "x"}
    assert post(client, f"/admin/periods/{period.id}/close", closing).status_code == 422  # not scored
    post(client, f"/admin/periods/{period.id}/score")
    run_jobs(engine, settings, clock)
    response = post(client, f"/admin/periods/{period.id}/close?lang=en", {"override": "yes", "note": "x"})
    assert response.status_code == 422 and "Tick the box" in response.text
    db.expire_all()
    assert db.get(ScoringPeriod, period.id).status == "scored"


def test_it_keeps_closed_results_when_ratings_arrive_and_scoring_runs_again(
    client: TestClient, db: Session, world: World, engine, settings, clock
) -> None:
    counter_a, _ = march_ratings(db, world)
    signed_in(client, "hr")
    period = closed_period(client, db, engine, settings, clock)
    frozen = db.scalars(select(OfficerResult).where(OfficerResult.run_id == period.scoring_run_id)).all()
    before = sorted((r.employee_id, r.n_ratings, r.score) for r in frozen)

    more_march_ratings(db, counter_a, world.officer)
    response = post(client, f"/admin/periods/{period.id}/score?lang=en")
    assert response.status_code == 422 and "This period is closed" in response.text
    db.expire_all()
    after = db.scalars(select(OfficerResult).where(OfficerResult.run_id == period.scoring_run_id)).all()
    assert sorted((r.employee_id, r.n_ratings, r.score) for r in after) == before


def test_it_refuses_to_rescore_a_closed_period_from_the_command_line(
    client: TestClient,
    db: Session,
    world: World,
    engine,
    settings,
    clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
) -> None:
    counter_a, _ = march_ratings(db, world)
    signed_in(client, "hr")
    period = closed_period(client, db, engine, settings, clock)
    more_march_ratings(db, counter_a, world.officer)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)

    assert main(["score", "--period", "2026-03"]) == 2
    error = capsys.readouterr().err
    assert "period 2026-03 was closed by hr" in error and "results are frozen" in error
    db.expire_all()
    run = db.scalars(select(ScoringRun).where(ScoringRun.period_key == period.key)).one()
    assert run.id == period.scoring_run_id and run.input_hash == period.input_hash


def test_it_refuses_a_period_twice(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "hr")
    open_period(client, db, "2026-03")
    response = post(client, "/admin/periods/?lang=en", {"period": "2026-03-01..2026-03-31"})
    assert response.status_code == 422 and "This period exists already." in response.text


@pytest.mark.parametrize("persona", ["head_a", "officer"])
def test_it_forbids_scoring_and_closing_to_other_roles(
    client: TestClient, db: Session, world: World, persona: str
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)
    client.cookies.clear()
    signed_in(client, persona)
    token = csrf_token(client, "/admin/")
    for action in ("score", "close"):
        response = client.post(
            f"/admin/periods/{period.id}/{action}", data={"_csrf_token": token, "confirm": "yes"}
        )
        assert response.status_code == 403
