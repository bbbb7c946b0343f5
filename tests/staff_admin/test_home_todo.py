"""The home page is a to-do list per role: each number is what waits in the person's units, links to
the list where it is worked, and roles are checked by the services (not only by the page)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase
from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from staff_admin import access
from staff_admin.access import Forbidden
from staff_admin.complaints.service import waiting_counts
from staff_admin.models import User
from staff_admin.periods import service as periods
from staff_admin.periods.models import ScoringPeriod
from staff_admin.review import appeals
from staff_admin.review.service import waiting_count
from staff_admin.review.unlinkable import rating_reference
from tests.conftest import FakeClock
from tests.staff_admin.casework import counter_for, rating
from tests.staff_admin.conftest import World, signed_in

TODAY = date(2026, 3, 2)  # the FakeClock's day in Jakarta
ITEM = re.compile(
    r'<li id="todo-(\w+)" class="(\w+)">\s*<a href="([^"]+)"><span class="todo-count">(\d+)</span>'
    r' <span class="todo-text">([^<]+)</span>'
)


def _principal(db: Session, username: str) -> access.Principal:
    return access.principal_for(db, db.scalars(select(User).where(User.username == username)).one())


def _case(db: Session, on: Rating, status: str, due_on: date) -> None:
    db.add(
        ComplaintCase(
            rating_id=on.id,
            unit_id=on.unit_id,
            low_rating=True,
            status=status,
            opened_at=on.submitted_at,
            due_on=due_on,
        )
    )


def _period(db: Session, label: str, start: date, end: date, status: str, clock: FakeClock) -> None:
    db.add(
        ScoringPeriod(
            key=label, label=label, start_date=start, end_date=end, status=status, created_at=clock()
        )
    )


@pytest.fixture
def waiting(db: Session, world: World, clock: FakeClock, settings: Settings) -> None:
    """Unit A: 3 flagged ratings waiting for review, an open appeal, a new case
    due later and an overdue case in progress; unit B: one flagged rating and a new overdue case;
    periods: January ended unscored, February scored not closed, March running, 2025 closed."""
    now = clock()
    a, b = counter_for(db, world, "a"), counter_for(db, world, "b")
    for hours in (1, 2, 3):
        rating(db, a, world.officer, now - timedelta(days=3, hours=hours), reasons="burst", excluded=True)
    rating(db, b, world.colleague, now - timedelta(days=3), reasons="sabotage", excluded=True)
    counted = rating(db, a, world.officer, now - timedelta(days=2), overall=1, comment="lama sekali")
    late = rating(db, a, world.officer, now - timedelta(days=9), overall=2, comment="tidak ramah")
    beta = rating(db, b, world.colleague, now - timedelta(days=9), overall=1, comment="antre lama")
    _case(db, counted, "new", TODAY + timedelta(days=5))
    _case(db, late, "in_progress", TODAY - timedelta(days=2))
    _case(db, beta, "new", TODAY - timedelta(days=1))
    _case(db, rating(db, b, None, now - timedelta(days=20), overall=1, comment="x"), "resolved", TODAY)
    _period(db, "2025", date(2025, 1, 1), date(2025, 12, 31), "scored", clock)  # ended: to close
    _period(db, "2026-01", date(2026, 1, 1), date(2026, 1, 31), "open", clock)
    _period(db, "2026-02", date(2026, 2, 1), date(2026, 2, 28), "scored", clock)
    _period(db, "2026-03", date(2026, 3, 1), date(2026, 3, 31), "open", clock)  # still running
    db.commit()
    reference = rating_reference(settings.secret_key, counted.id)
    appeals.contest(db, _principal(db, "officer"), now, reference, "Warga salah loket.", settings.secret_key)


def _todo(client: TestClient, persona: str) -> dict[str, tuple[int, str, str, str]]:
    html = signed_in(client, persona).get("/admin", params={"lang": "en"}).text
    return {key: (int(count), href, tone, text) for key, tone, href, count, text in ITEM.findall(html)}


CITY = {
    "complaints_overdue": 2,
    "complaints_new": 2,
    "reviews": 4,
    "appeals": 1,
    "periods_score": 1,
    "periods_close": 2,
}
EXPECTED = {
    "admin": CITY,
    "hr": CITY,
    "head_a": {"complaints_overdue": 1, "complaints_new": 1, "reviews": 3, "appeals": 1},
    "head_b": {"complaints_overdue": 1, "complaints_new": 1, "reviews": 1, "appeals": 0},
    "officer": {"own_appeals": 1},
}


@pytest.mark.parametrize("persona", EXPECTED)
def test_it_counts_what_waits_in_each_personas_units(
    client: TestClient, world: World, waiting: None, persona: str
) -> None:
    todo = _todo(client, persona)

    assert {key: count for key, (count, *_rest) in todo.items()} == EXPECTED[persona]


def test_it_links_each_number_to_its_list_and_marks_the_overdue(
    client: TestClient, world: World, waiting: None
) -> None:
    todo = _todo(client, "hr")

    assert {key: href for key, (_n, href, *_rest) in todo.items()} == {
        "complaints_overdue": "/admin/complaints?show=open",
        "complaints_new": "/admin/complaints?show=open",
        "reviews": "/admin/review",
        "appeals": "/admin/appeals",
        "periods_score": "/admin/periods",
        "periods_close": "/admin/periods",
    }
    assert todo["complaints_overdue"][2] == "urgent" and todo["reviews"][2] == "waiting"
    assert todo["reviews"][3] == "ratings wait in the review queue"
    assert todo["appeals"][3] == "appeal waits for a decision"  # singular for one
    for href in {href for _n, href, *_rest in todo.values()}:
        assert signed_in(client, "hr").get(href).status_code == 200


def test_it_shows_the_officer_their_own_appeals_and_results(
    client: TestClient, world: World, waiting: None
) -> None:
    browser = signed_in(client, "officer")
    html = browser.get("/admin", params={"lang": "en"}).text

    assert _todo(client, "officer")["own_appeals"][1] == "/admin/me"
    assert "review queue" not in html and "complaint" not in html
    assert 'href="/admin/me"' in html


def test_it_says_when_nothing_waits_and_shows_zeros_quietly(client: TestClient, world: World) -> None:
    browser = signed_in(client, "head_b")
    english = browser.get("/admin", params={"lang": "en"}).text
    indonesian = browser.get("/admin", params={"lang": "id"}).text

    assert "Nothing waits for you right now." in english
    assert set(re.findall(r'<li id="todo-\w+" class="(\w+)">', english)) == {"clear"}
    assert "Tidak ada yang menunggu Anda saat ini." in indonesian
    assert "Antrean tinjauan" in indonesian or "antrean tinjauan" in indonesian


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get("/admin", follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


def test_the_services_refuse_roles_that_do_not_work_the_lists(
    db: Session, world: World, waiting: None
) -> None:
    officer, head_a = _principal(db, "officer"), _principal(db, "head_a")

    with pytest.raises(Forbidden):
        waiting_count(db, officer)
    with pytest.raises(Forbidden):
        waiting_counts(db, officer, TODAY)
    with pytest.raises(Forbidden):
        periods.to_do(db, head_a, TODAY)
    assert appeals.open_count(db, officer) == 1  # their own only
    assert appeals.open_count(db, _principal(db, "head_b")) == 0
