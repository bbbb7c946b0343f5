"""The officer's own view and appeals: own scores, comments and reasons; contesting with a reason;
the unit head upholds or rejects; everything audited; no officer sees another officer's ratings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.models import OfficerResult, RatingDecision, ScoringRun
from staff_admin.models import AuditEntry
from staff_admin.review.models import Appeal
from tests.conftest import FakeClock
from tests.staff_admin.casework import counter_for, other_officer, own_rating_page, post_form, rating
from tests.staff_admin.conftest import World, signed_in


@pytest.fixture
def own(db: Session, world: World, clock: FakeClock) -> dict[str, Rating]:
    counter = counter_for(db, world, "a")
    other_officer(db, world, clock())
    given = {
        "flagged": rating(
            db, counter, world.officer, clock() - timedelta(hours=2), overall=4, reasons="burst"
        ),
        "counted": rating(
            db,
            counter,
            world.officer,
            clock() - timedelta(hours=1),
            overall=1,
            comment="<script>x</script> rude",
        ),
        "colleague": rating(
            db, counter_for(db, world, "b"), world.colleague, clock(), comment="for Budi only"
        ),
    }
    clock.advance(days=7)  # an officer sees a day's (or quiet week's) ratings once it is over
    return given


def test_it_shows_an_officer_own_ratings_comments_and_reasons(
    client: TestClient, world: World, own: dict[str, Rating]
) -> None:
    page = signed_in(client, "officer").get("/admin/me?lang=en")
    assert page.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt; rude" in page.text and "<script>x</script>" not in page.text
    assert "The same device sent many ratings" in page.text
    assert "for Budi only" not in page.text
    assert "Hasil saya" in client.get("/admin/me?lang=id").text


def test_it_shows_own_scores_per_period_in_plain_words(
    client: TestClient, db: Session, world: World, clock: FakeClock, own: dict[str, Rating]
) -> None:
    run = ScoringRun(
        period_key="2026-02",
        period_label="Februari 2026",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        timezone="Asia/Jakarta",
        detector_version="t",
        input_hash="h",
        n_ratings=40,
        params={},
        started_at=clock(),
        finished_at=clock(),
    )
    db.add(run)
    db.flush()
    db.add(
        OfficerResult(
            run_id=run.id,
            employee_id=world.officer.id,
            unit_id=world.unit_a.id,
            n_ratings=40,
            n_excluded=2,
            n_used=38,
            excluded_by_reason={"burst": 2},
            mean_overall=3.6,
            ikm=None,
            mutu=None,
            score=89.5,
            score_low=85.1,
            score_high=93.0,
            sufficient=True,
            category="di_atas_ekspektasi",
        )
    )
    db.commit()
    signed_in(client, "officer")
    english = client.get("/admin/me?lang=en").text
    assert "Februari 2026" in english and "89.50" in english and "Above expectations" in english
    assert "Di atas ekspektasi" in client.get("/admin/me?lang=id").text


@pytest.mark.parametrize("persona", ["admin", "hr", "head_a"])
def test_it_keeps_the_officer_view_for_officers(client: TestClient, world: World, persona: str) -> None:
    assert signed_in(client, persona).get("/admin/me").status_code == 403


def test_it_hides_another_officers_rating_behind_a_404(
    client: TestClient, db: Session, world: World, own: dict[str, Rating]
) -> None:
    signed_in(client, "other_officer")
    assert client.get(own_rating_page(own["counted"])).status_code == 404
    response = post_form(client, own_rating_page(own["counted"]), {"reason": "mine?"})
    assert response.status_code == 404
    assert db.scalars(select(Appeal)).all() == []


def test_it_requires_a_reason_to_contest(
    client: TestClient, db: Session, world: World, own: dict[str, Rating]
) -> None:
    signed_in(client, "officer")
    response = post_form(client, own_rating_page(own["flagged"]) + "?lang=en", {"reason": ""})
    assert response.status_code == 422 and "Please explain why you contest this rating." in response.text
    assert db.scalars(select(Appeal)).all() == []


def test_an_upheld_appeal_on_a_flag_restores_the_rating_end_to_end(
    client: TestClient, db: Session, world: World, own: dict[str, Rating]
) -> None:
    flagged = own["flagged"]
    signed_in(client, "officer")
    assert post_form(client, own_rating_page(flagged), {"reason": "a real visitor"}).status_code == 303
    appeal = db.scalar(select(Appeal))
    assert (appeal.kind, appeal.status, appeal.reason) == ("flag", "open", "a real visitor")
    again = post_form(client, own_rating_page(flagged), {"reason": "again"})
    assert again.status_code == 422

    client.cookies.clear()
    signed_in(client, "head_b")
    assert f'id="appeal-{appeal.id}"' not in client.get("/admin/appeals").text
    assert (
        post_form(client, f"/admin/appeals/{appeal.id}", {"outcome": "uphold", "note": "x"}).status_code
        == 404
    )

    client.cookies.clear()
    signed_in(client, "head_a")
    assert f'id="appeal-{appeal.id}"' in client.get("/admin/appeals").text
    missing_note = post_form(client, f"/admin/appeals/{appeal.id}?lang=en", {"outcome": "uphold", "note": ""})
    assert missing_note.status_code == 422 and "Please write a note" in missing_note.text
    assert (
        post_form(client, f"/admin/appeals/{appeal.id}", {"outcome": "uphold", "note": "agreed"}).status_code
        == 303
    )

    db.expire_all()
    assert db.get(Rating, flagged.id).excluded is False
    decision = db.scalar(select(RatingDecision))
    assert (decision.rating_id, decision.decision, decision.note) == (flagged.id, "include", "agreed")
    actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-3:] == ["appeal.open", "rating.include", "appeal.uphold"]

    client.cookies.clear()
    signed_in(client, "officer")
    outcome = client.get(own_rating_page(flagged) + "?lang=en").text
    assert "Upheld" in outcome and "agreed" in outcome


def test_a_rejected_appeal_on_a_counted_rating_changes_nothing(
    client: TestClient, db: Session, world: World, own: dict[str, Rating]
) -> None:
    counted = own["counted"]
    signed_in(client, "officer")
    post_form(client, own_rating_page(counted), {"reason": "sabotage by a neighbour"})
    appeal = db.scalar(select(Appeal))
    assert appeal.kind == "rating"
    client.cookies.clear()
    signed_in(client, "hr")
    assert (
        post_form(
            client, f"/admin/appeals/{appeal.id}", {"outcome": "reject", "note": "no evidence"}
        ).status_code
        == 303
    )
    db.expire_all()
    assert db.get(Rating, counted.id).excluded is False and db.scalars(select(RatingDecision)).all() == []
    assert db.get(Appeal, appeal.id).status == "rejected"
    client.cookies.clear()
    signed_in(client, "officer")
    assert "Ditolak" in client.get(own_rating_page(counted) + "?lang=id").text


@pytest.mark.parametrize(
    ("persona", "status"), [("officer", 403), ("admin", 200), ("hr", 200), ("head_a", 200)]
)
def test_it_opens_the_appeals_list_for_deciders_only(
    client: TestClient, world: World, persona: str, status: int
) -> None:
    assert signed_in(client, persona).get("/admin/appeals").status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    for path in ("/admin/me", "/admin/appeals"):
        assert client.get(path, follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("outcome", "words"), [("uphold", "Your appeal was upheld"), ("reject", "Your appeal was rejected")]
)
def test_an_appeal_ends_with_the_ruling_shown_where_the_form_was(
    client: TestClient, db: Session, world: World, own: dict[str, Rating], outcome: str, words: str
) -> None:
    """Seen: after the unit head ruled, the contest form reappeared at once and the officer could
    contest the same rating again."""
    counted = own["counted"]
    signed_in(client, "officer")
    assert post_form(client, own_rating_page(counted), {"reason": "a neighbour"}).status_code == 303
    appeal = db.scalar(select(Appeal))
    client.cookies.clear()
    signed_in(client, "head_a")
    ruled = post_form(client, f"/admin/appeals/{appeal.id}", {"outcome": outcome, "note": "looked at it"})
    assert ruled.status_code == 303

    client.cookies.clear()
    signed_in(client, "officer")
    page = client.get(own_rating_page(counted) + "?lang=en").text
    assert 'id="ruling"' in page and words in page and "looked at it" in page
    assert 'name="reason"' not in page and "cannot be contested again" in page
    again = post_form(client, own_rating_page(counted) + "?lang=en", {"reason": "once more"})
    assert again.status_code == 422 and "The unit head has ruled on this rating" in again.text
    assert db.scalars(select(Appeal)).all() == [appeal]
    assert "Keputusan kepala unit" in client.get(own_rating_page(counted) + "?lang=id").text


def test_an_open_appeal_shows_no_form_and_no_ruling(
    client: TestClient, db: Session, world: World, own: dict[str, Rating]
) -> None:
    signed_in(client, "officer")
    post_form(client, own_rating_page(own["flagged"]), {"reason": "real"})
    page = client.get(own_rating_page(own["flagged"]) + "?lang=en").text
    assert "Waiting for the unit head" in page and 'name="reason"' not in page and 'id="ruling"' not in page
