"""The bias audit page of a period: HR and admins only, filled in by scoring, in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from tests import factories
from tests.staff_admin.conftest import PERSONAS, World, signed_in
from tests.staff_admin.hr_data import MONDAY_9_WIB, add_rating, march_ratings
from tests.staff_admin.scoring_jobs import run_jobs
from tests.staff_admin.test_periods_lifecycle import closed_period, open_period, post


def audit_path(period_id: int) -> str:
    return f"/admin/periods/{period_id}/bias-audit"


@pytest.fixture
def scored_period_id(client: TestClient, db: Session, world: World, engine, settings, clock) -> int:
    march_ratings(db, world)
    signed_in(client, "hr")
    period_id = closed_period(client, db, engine, settings, clock).id
    client.get("/admin/logout")
    client.cookies.clear()
    return period_id


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("hr", 200), ("head_a", 403), ("head_b", 403), ("officer", 403)]
)
def test_it_shows_the_audit_to_hr_and_admins_only(
    client: TestClient, scored_period_id: int, persona: str, status: int
) -> None:
    assert persona in PERSONAS
    assert signed_in(client, persona).get(audit_path(scored_period_id)).status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, scored_period_id: int) -> None:
    response = client.get(audit_path(scored_period_id), follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_shows_every_group_filled_in_by_scoring_in_both_languages(
    client: TestClient, scored_period_id: int
) -> None:
    signed_in(client, "hr")
    english = client.get(audit_path(scored_period_id) + "?lang=en").text
    for label in ("Women", "Men", "Under 30", "50 and over", "QR poster", "Kiosk", "Queue ticket"):
        assert label in english
    assert "too few officers to compare" in english  # one officer with enough ratings
    assert "No group differs from the other officers" in english
    indonesian = client.get(audit_path(scored_period_id) + "?lang=id").text
    assert "Audit bias" in indonesian and "Perempuan" in indonesian


def test_it_links_the_audit_from_the_periods_page(client: TestClient, scored_period_id: int) -> None:
    page = signed_in(client, "hr").get("/admin/periods/?lang=en").text
    assert f'href="{audit_path(scored_period_id)}"' in page


def test_it_says_when_a_period_is_not_scored_yet(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "admin")
    period = open_period(client, db)

    page = client.get(audit_path(period.id) + "?lang=en")

    assert page.status_code == 200 and "has not been scored yet" in page.text


def test_it_flags_a_real_gap_between_women_and_men(
    client: TestClient, db: Session, world: World, engine, settings, clock
) -> None:
    # six women rated 2 and 3, six men rated 4 and 3, forty ratings each, by different people
    counter = factories.counter(db, world.unit_a, "Loket Uji")
    for index in range(12):
        female = index < 6
        person = factories.employee(
            db,
            world.unit_a,
            f"Petugas {index}",
            nip=factories.valid_nip(index, gender="2" if female else "1"),
        )
        for k in range(40):
            value = (2 if k % 2 else 3) if female else (4 if k % 3 else 3)
            add_rating(
                db,
                counter,
                person,
                MONDAY_9_WIB + timedelta(days=k % 20, minutes=index * 3 + k),
                value,
                f"c{index}-{k}",
            )
    db.commit()
    signed_in(client, "hr")
    period = open_period(client, db)
    assert post(client, f"/admin/periods/{period.id}/score").status_code == 303
    run_jobs(engine, settings, clock)  # scoring from the web is a queued job

    page = client.get(audit_path(period.id) + "?lang=en").text

    assert "2 groups differ from the other officers by 2 points or more" in page
    assert page.count('class="badge warn"') == 2
