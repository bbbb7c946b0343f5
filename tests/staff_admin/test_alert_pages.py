"""Who sees which alert: each alert on the home page (and /admin/alerts) of whoever may act on it,
as the services decide (HR, the unit heads of A and of B, an officer, someone not signed in)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from staff_admin import access
from staff_admin.alerts.models import Alert
from staff_admin.alerts.rules import check
from staff_admin.alerts.service import alerts_page, home_alerts
from staff_admin.models import User
from tests.conftest import FakeClock
from tests.staff_admin.alert_world import burst, grade_fell, low_ratings, open_case
from tests.staff_admin.casework import counter_for, rating
from tests.staff_admin.conftest import World, signed_in

ALERT_ID = re.compile(r'id="alert-(\d+)"')


@pytest.fixture
def alerts(db: Session, world: World, settings: Settings, clock: FakeClock) -> dict[str, int]:
    """One alert of each kind in unit A (the low ratings in its sub-unit A1), low ratings in B."""
    in_a1 = counter_for(db, world)
    in_a1.unit_id = world.unit_a1.id
    db.commit()
    low_ratings(db, in_a1, clock(), low=5)
    low_ratings(db, counter_for(db, world, "b"), clock(), low=6)
    counter_a = counter_for(db, world)
    open_case(db, rating(db, counter_a, None, clock() - timedelta(days=9), overall=1), date(2026, 2, 20))
    burst(db, counter_a, clock())
    grade_fell(db, world.unit_a, clock())
    check(db, settings, clock())
    by = {}
    for alert in db.scalars(select(Alert)):
        by[f"{alert.kind}:{'b' if alert.unit_id == world.unit_b.id else 'a'}"] = alert.id
    assert len(by) == 5
    return by


def _principal(db: Session, username: str) -> access.Principal:
    return access.principal_for(db, db.scalars(select(User).where(User.username == username)).one())


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("head_a", {"low_share:a", "complaint_overdue:a", "incident:a", "grade_drop:a"}),
        ("head_b", {"low_share:b"}),
        ("hr", {"complaint_overdue:a", "grade_drop:a"}),
        ("officer", set()),
        ("admin", set()),
    ],
)
def test_it_shows_each_person_the_alerts_they_may_act_on(
    client: TestClient, db: Session, alerts: dict[str, int], username: str, sees: set[str]
) -> None:
    expected = {alerts[name] for name in sees}

    home = signed_in(client, username).get("/admin/")
    listing = client.get("/admin/alerts/")

    assert home.status_code == listing.status_code == 200
    assert {int(i) for i in ALERT_ID.findall(home.text)} == expected
    assert {int(i) for i in ALERT_ID.findall(listing.text)} == expected


def test_it_checks_the_scope_in_the_service_not_only_in_the_page(
    db: Session, alerts: dict[str, int], clock: FakeClock
) -> None:
    for username, count in [("head_b", 1), ("officer", 0)]:
        principal = _principal(db, username)
        assert len(alerts_page(db, principal, "Asia/Jakarta", "en")) == count
        assert len(home_alerts(db, principal, clock(), "Asia/Jakarta", "en")) == count


def test_it_sends_someone_not_signed_in_to_the_sign_in_page(
    client: TestClient, alerts: dict[str, int]
) -> None:
    response = client.get("/admin/alerts/", follow_redirects=False)

    assert response.status_code in (302, 303) and "/admin/login" in response.headers["location"]


def test_it_words_each_alert_and_links_to_where_it_is_worked(
    client: TestClient, alerts: dict[str, int], world: World
) -> None:
    page = signed_in(client, "head_a").get("/admin/alerts/?lang=en").text

    assert "Many low ratings at Loket A" in page and "5 of the last 5 ratings within 60 minutes" in page
    assert "Complaint case #1 is past its due date" in page and 'href="/admin/complaints/1"' in page
    assert "New incident #1 in the review queue" in page and 'href="/admin/review"' in page
    assert "Dinas Alpha fell from grade B to C" in page
    assert f'href="/admin/dashboard?unit={world.unit_a.id}&amp;period=2026-03"' in page


def test_it_speaks_indonesian_by_default(client: TestClient, alerts: dict[str, int]) -> None:
    page = signed_in(client, "head_a").get("/admin/alerts/").text

    assert "Peringatan" in page
    assert "Many low ratings" not in page
