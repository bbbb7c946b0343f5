"""The review queue: who may open it, incident grouping, required notes, audited decisions that
win over the detector on the next scoring run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.cli import scoring_params
from scoring.db.models import RatingDecision
from scoring.db.store import score_period
from scoring.periods import parse_period
from staff_admin.models import AuditEntry
from staff_admin.review.service import incident_key
from tests.conftest import FakeClock
from tests.staff_admin.casework import counter_for, other_officer, post_form, rating
from tests.staff_admin.conftest import World, signed_in


@pytest.fixture
def burst(db: Session, world: World, clock: FakeClock) -> list[Rating]:
    """Three ratings from one device within minutes (unit A), plus one from another device."""
    counter = counter_for(db, world, "a")
    start = clock() - timedelta(days=1)
    same = [
        rating(db, counter, world.officer, start + timedelta(minutes=i), reasons="burst") for i in range(3)
    ]
    other = rating(db, counter, world.officer, start, reasons="burst", device="dev-2")
    return [*same, other]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("hr", 200), ("head_a", 200), ("head_b", 200), ("officer", 403), ("other_officer", 403)],
)
def test_it_opens_the_queue_only_for_reviewers(
    client: TestClient,
    db: Session,
    world: World,
    clock: FakeClock,
    burst: list[Rating],
    persona: str,
    status: int,
) -> None:
    other_officer(db, world, clock())
    response = signed_in(client, persona).get("/admin/review")
    assert response.status_code == status
    if persona == "head_b":
        assert f'id="rating-{burst[0].id}"' not in response.text
    if status == 200 and persona != "head_b":
        assert f'id="rating-{burst[0].id}"' in response.text


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get("/admin/review", follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_groups_one_device_burst_into_one_incident(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    assert len({incident_key(r, "Asia/Jakarta") for r in burst[:3]}) == 1
    assert incident_key(burst[3], "Asia/Jakarta") != incident_key(burst[0], "Asia/Jakarta")
    page = signed_in(client, "head_a").get("/admin/review?lang=en").text
    assert page.count('class="incident"') == 2
    assert "3 ratings" in page and "1 rating" in page
    assert "The same device sent many ratings" in page


def test_it_groups_sabotage_by_officer_across_devices(db: Session, world: World, clock: FakeClock) -> None:
    counter = counter_for(db, world, "a")
    one = rating(db, counter, world.officer, clock(), overall=1, reasons="sabotage", device="x")
    two = rating(
        db, counter, world.officer, clock() + timedelta(days=2), overall=1, reasons="sabotage", device="y"
    )
    assert incident_key(one, "Asia/Jakarta") == incident_key(two, "Asia/Jakarta")


def test_it_explains_reasons_in_indonesian_and_english(
    client: TestClient, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "head_a")
    indonesian = client.get("/admin/review?lang=id").text
    assert "Antrean tinjauan" in indonesian and "Perangkat yang sama mengirim banyak penilaian" in indonesian
    english = client.get("/admin/review?lang=en").text
    assert "Review queue" in english and "The same device sent many ratings" in english


def test_it_requires_a_note_and_writes_nothing_without_one(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "head_a")
    response = post_form(
        client,
        "/admin/review/decide?lang=en",
        {"rating_id": str(burst[0].id), "action": "restore", "note": "  "},
    )
    assert response.status_code == 422
    assert "Please write a note explaining the decision." in response.text
    assert db.scalars(select(RatingDecision)).all() == []


def test_it_confirms_a_whole_incident_with_decisions_and_audit_rows(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "head_a")
    ids = [str(r.id) for r in burst[:3]]
    response = post_form(
        client, "/admin/review/decide", {"rating_id": ids, "action": "confirm", "note": "one phone"}
    )
    assert response.status_code == 303
    decisions = db.scalars(select(RatingDecision).order_by(RatingDecision.rating_id)).all()
    assert [d.rating_id for d in decisions] == [r.id for r in burst[:3]]
    assert {d.decision for d in decisions} == {"exclude"} and {d.note for d in decisions} == {"one phone"}
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "rating.exclude")).all()
    assert sorted(e.object_id for e in entries) == sorted(ids)
    assert all(e.note == "one phone" and e.before["excluded"] is True for e in entries)
    page = client.get("/admin/review").text
    assert f'id="rating-{burst[0].id}"' not in page and f'id="rating-{burst[3].id}"' in page


def test_it_restores_a_single_rating_at_once(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "hr")
    response = post_form(
        client,
        "/admin/review/decide",
        {"rating_id": str(burst[3].id), "action": "restore", "note": "real visitor"},
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Rating, burst[3].id).excluded is False
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "rating.include"))
    assert entry.object_id == str(burst[3].id) and entry.after["excluded"] is False


@pytest.mark.parametrize("persona", ["head_b", "officer"])
def test_it_refuses_decisions_outside_the_principals_units(
    client: TestClient, db: Session, world: World, burst: list[Rating], persona: str
) -> None:
    signed_in(client, persona)
    response = post_form(
        client, "/admin/review/decide", {"rating_id": str(burst[0].id), "action": "restore", "note": "x"}
    )
    assert response.status_code == (404 if persona == "head_b" else 403)
    assert db.scalars(select(RatingDecision)).all() == []


def test_it_writes_nothing_when_one_id_of_an_incident_is_out_of_scope(
    client: TestClient, db: Session, world: World, clock: FakeClock, burst: list[Rating]
) -> None:
    foreign = rating(db, counter_for(db, world, "b"), world.colleague, clock(), reasons="burst")
    signed_in(client, "head_a")
    data = {"rating_id": [str(burst[0].id), str(foreign.id)], "action": "confirm", "note": "x"}
    assert post_form(client, "/admin/review/decide", data).status_code == 404
    assert db.scalars(select(RatingDecision)).all() == []


def test_decisions_win_over_the_detector_on_the_next_scoring_run(
    client: TestClient, db: Session, world: World, clock: FakeClock, settings, burst: list[Rating]
) -> None:
    counter = counter_for(db, world, "a")
    ordinary = rating(
        db, counter, world.officer, clock() - timedelta(hours=3), device="dev-9", network="net-9"
    )
    signed_in(client, "head_a")
    post_form(
        client,
        "/admin/review/decide",
        {"rating_id": [str(r.id) for r in burst[:3]], "action": "restore", "note": "real"},
    )
    # An ordinary rating can also be excluded by hand (it is not in the queue, but HR/heads may decide).
    post_form(
        client, "/admin/review/decide", {"rating_id": str(ordinary.id), "action": "confirm", "note": "fake"}
    )
    score_period(db, parse_period("2026-03"), scoring_params(settings), settings.period_timezone, clock)
    db.expire_all()
    assert [db.get(Rating, r.id).excluded for r in burst[:3]] == [False, False, False]
    assert db.get(Rating, ordinary.id).excluded is True
