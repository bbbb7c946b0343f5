"""The audit log page: admin and HR only, filters by person and object, escaped states, pages."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from staff_admin import audit
from staff_admin.audit_log.service import PAGE_SIZE
from staff_admin.models import User
from tests.conftest import FakeClock
from tests.staff_admin.casework import other_officer
from tests.staff_admin.conftest import World, signed_in


@pytest.fixture
def entries(db: Session, world: World, clock: FakeClock) -> None:
    head = db.query(User).filter_by(username="head_a").one()
    audit.record(
        db,
        head.id,
        "rating.include",
        "rating",
        7,
        {"excluded": True},
        {"excluded": False},
        "<b>real</b>",
        at=clock(),
    )
    audit.record(
        db, None, "contact.purge", "complaint", 3, None, {"contact_details": "deleted"}, None, at=clock()
    )
    db.commit()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("hr", 200), ("head_a", 403), ("head_b", 403), ("officer", 403), ("other_officer", 403)],
)
def test_it_opens_for_admin_and_hr_only(
    client: TestClient, db: Session, world: World, clock: FakeClock, entries: None, persona: str, status: int
) -> None:
    other_officer(db, world, clock())
    assert signed_in(client, persona).get("/admin/audit").status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    assert client.get("/admin/audit", follow_redirects=False).status_code == 303


def test_it_shows_who_what_before_and_after_escaped(client: TestClient, world: World, entries: None) -> None:
    page = signed_in(client, "admin").get("/admin/audit?lang=en").text
    assert "rating.include" in page and "head_a" in page and "&lt;b&gt;real&lt;/b&gt;" in page
    assert "&#34;excluded&#34;: true" in page or "&quot;excluded&quot;: true" in page
    assert "Log audit" in client.get("/admin/audit?lang=id").text


def test_it_filters_by_person_and_by_object(client: TestClient, world: World, entries: None) -> None:
    signed_in(client, "hr")
    by_person = client.get("/admin/audit", params={"actor": "head_a"}).text
    assert "rating.include" in by_person and "contact.purge" not in by_person
    by_system = client.get("/admin/audit", params={"actor": "system"}).text
    assert "contact.purge" in by_system and "rating.include" not in by_system
    by_object = client.get("/admin/audit", params={"object_type": "rating", "object_id": "7"}).text
    assert "rating.include" in by_object and "contact.purge" not in by_object
    assert (
        "rating.include"
        not in client.get("/admin/audit", params={"object_type": "rating", "object_id": "8"}).text
    )


def test_it_pages_long_logs(client: TestClient, db: Session, world: World, clock: FakeClock) -> None:
    for number in range(PAGE_SIZE + 5):
        audit.record(db, None, "test.entry", "thing", number, at=clock())
    db.commit()
    signed_in(client, "admin")
    first = client.get("/admin/audit", params={"object_type": "thing"}).text
    assert first.count('id="entry-') == PAGE_SIZE and 'rel="next"' in first
    second = client.get("/admin/audit", params={"object_type": "thing", "page": "2"}).text
    assert second.count('id="entry-') == 5 and 'rel="prev"' in second
