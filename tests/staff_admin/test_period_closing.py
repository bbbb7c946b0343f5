"""Closing a period, the dangerous step: a summary page first (ratings, excluded, waiting reviews, open
appeals and complaints of the period, officers with too few ratings), a refusal while reviews or
appeals wait unless HR overrides with a reason (audited), a look unlike "Score again", local times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase
from portal.kernel.models import Rating
from staff_admin.models import AuditEntry
from staff_admin.periods.models import ScoringPeriod
from staff_admin.review.models import Appeal
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.hr_data import MONDAY_9_WIB, march_ratings
from tests.staff_admin.scoring_jobs import run_jobs
from tests.staff_admin.test_periods_lifecycle import open_period, post


def fact(html: str, name: str) -> str:
    match = re.search(rf'<dd id="{name}">(.*?)</dd>', html, re.S)
    assert match, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def scored(client: TestClient, db: Session, world: World, engine, settings, clock) -> ScoringPeriod:
    """March scored: 56 ratings, a burst of 8 excluded and waiting for review, the colleague in B
    with too few ratings; one open appeal and one open complaint on March ratings, and a closed
    complaint and an appeal from February, which do not count."""
    march_ratings(db, world)
    signed_in(client, "hr")
    period = open_period(client, db)
    assert post(client, f"/admin/periods/{period.id}/score").status_code == 303
    assert run_jobs(engine, settings, clock) == {"done": 1}  # the worker runs the queued job
    march = db.scalars(select(Rating).where(Rating.device_hash == "citizen-0-0")).one()
    february = Rating(
        submission_key="feb",
        counter_id=march.counter_id,
        unit_id=march.unit_id,
        employee_id=march.employee_id,
        attribution="roster",
        submitted_at=MONDAY_9_WIB - timedelta(days=10),
        overall=1,
        language="id",
    )
    db.add(february)
    db.flush()
    for rating, status in ((march, "open"), (february, "open")):
        db.add(
            Appeal(
                rating_id=rating.id,
                employee_id=rating.employee_id,
                unit_id=rating.unit_id,
                kind="rating",
                reason="not mine",
                status=status,
                created_at=MONDAY_9_WIB,
                created_by_user_id=1,
            )
        )
    other = db.scalars(select(Rating).where(Rating.device_hash == "citizen-0-1")).one()
    for rating, status in ((march, "new"), (other, "resolved")):
        db.add(
            ComplaintCase(
                rating_id=rating.id,
                unit_id=rating.unit_id,
                low_rating=True,
                status=status,
                opened_at=MONDAY_9_WIB,
                due_on=MONDAY_9_WIB.date(),
            )
        )
    db.commit()
    return period


def closing_page(client: TestClient, period: ScoringPeriod, lang: str = "en") -> str:
    response = client.get(f"/admin/periods/{period.id}/close?lang={lang}")
    assert response.status_code == 200
    return response.text


def test_it_shows_a_summary_before_closing(client: TestClient, scored: ScoringPeriod) -> None:
    page = closing_page(client, scored)
    assert fact(page, "ratings-scored") == "56" and fact(page, "excluded") == "8"
    assert fact(page, "ratings-now").startswith("56")
    assert fact(page, "pending-reviews").startswith("8") and "Review queue" in fact(page, "pending-reviews")
    assert fact(page, "open-appeals").startswith("1") and fact(page, "open-complaints").startswith("1")
    assert fact(page, "officers") == "2" and fact(page, "officers-insufficient") == "1"
    assert "8 ratings wait for review and 1 appeals are open" in page
    assert 'name="override"' in page and '<button type="submit" class="danger">' in page
    indonesian = closing_page(client, scored, "id")
    assert "Tutup periode" in indonesian and "Ringkasan" in indonesian


def test_it_refuses_to_close_while_reviews_or_appeals_wait(
    client: TestClient, db: Session, scored: ScoringPeriod
) -> None:
    response = post(client, f"/admin/periods/{scored.id}/close?lang=en", {"confirm": "yes"})
    assert response.status_code == 422
    assert "8 ratings of this period wait for review and 1 appeals are open" in response.text
    no_reason = post(
        client, f"/admin/periods/{scored.id}/close?lang=en", {"confirm": "yes", "override": "yes"}
    )
    assert no_reason.status_code == 422 and "Say why the period closes" in no_reason.text
    assert 'name="override" value="yes" checked' in no_reason.text  # what HR chose is kept
    db.expire_all()
    assert db.get(ScoringPeriod, scored.id).status == "scored"
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "period.close")).all() == []


def test_an_override_with_a_reason_closes_and_is_audited(
    client: TestClient, db: Session, scored: ScoringPeriod
) -> None:
    data = {"confirm": "yes", "override": "yes", "note": "the head is on leave; HR closes on time"}
    response = post(client, f"/admin/periods/{scored.id}/close", data)
    assert response.status_code == 303 and response.headers["location"].endswith(f"?closed={scored.id}")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "period.close")).one()
    assert entry.after["override"] is True and entry.note == data["note"]
    assert (entry.after["pending_reviews"], entry.after["open_appeals"]) == (8, 1)
    listed = client.get(response.headers["location"] + "&lang=en").text
    assert "Period 2026-03 is closed; its results are frozen and its export is ready." in listed


def test_it_closes_without_override_once_everything_is_decided(
    client: TestClient, db: Session, scored: ScoringPeriod
) -> None:
    token = csrf_token(client, "/admin/review")
    burst = [str(r.id) for r in db.scalars(select(Rating).where(Rating.device_hash == "stuffer"))]
    decided = {"rating_id": burst, "action": "confirm", "note": "one phone", "_csrf_token": token}
    assert client.post("/admin/review/decide", data=decided, follow_redirects=False).status_code == 303
    appeal = db.scalars(select(Appeal).where(Appeal.status == "open").order_by(Appeal.id)).first()
    ruled = {"outcome": "reject", "note": "genuine", "_csrf_token": token}
    assert client.post(f"/admin/appeals/{appeal.id}", data=ruled, follow_redirects=False).status_code == 303

    page = closing_page(client, scored)
    assert fact(page, "pending-reviews") == "0" and fact(page, "open-appeals") == "0"
    assert 'name="override"' not in page
    assert post(client, f"/admin/periods/{scored.id}/close", {"confirm": "yes"}).status_code == 303
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "period.close")).one()
    assert entry.after["override"] is False and entry.note is None


def test_closing_looks_unlike_scoring_again(client: TestClient, scored: ScoringPeriod) -> None:
    listed = client.get("/admin/periods/?lang=en").text
    assert "Score again</button>" in listed
    assert f'<a class="danger-link" href="/admin/periods/{scored.id}/close">Close period…</a>' in listed
    assert "I confirm: close this period" not in listed  # the confirmation lives on its own page


def test_it_shows_times_in_the_office_time_zone(
    client: TestClient, db: Session, clock: FakeClock, scored: ScoringPeriod
) -> None:
    clock.set(datetime(2026, 4, 1, 1, 30, tzinfo=UTC))  # 08:30 in Jakarta
    client.cookies.clear()
    signed_in(client, "hr")  # the session from March has expired
    data = {"confirm": "yes", "override": "yes", "note": "on time"}
    assert post(client, f"/admin/periods/{scored.id}/close", data).status_code == 303
    english = client.get("/admin/periods/?lang=en").text
    assert "Closed by User hr on Apr 1, 2026, 8:30\u202fAM +0700" in english and " UTC" not in english
    indonesian = client.get("/admin/periods/?lang=id").text
    assert "1 Apr 2026 08.30 WIB" in indonesian


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("head_a", 403), ("head_b", 403), ("officer", 403)]
)
def test_only_hr_and_admins_see_the_closing_page(
    client: TestClient, scored: ScoringPeriod, persona: str, status: int
) -> None:
    client.cookies.clear()
    signed_in(client, persona)
    assert client.get(f"/admin/periods/{scored.id}/close").status_code == status
    assert client.get(f"/admin/periods/{scored.id + 99}/close").status_code == (404 if status == 200 else 403)


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, scored: ScoringPeriod) -> None:
    client.cookies.clear()
    response = client.get(f"/admin/periods/{scored.id}/close", follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_the_page_of_a_closed_or_unscored_period_offers_no_close(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)
    page = client.get(f"/admin/periods/{period.id}/close?lang=en").text
    assert "Score the period before closing it." in page and 'class="danger"' not in page
