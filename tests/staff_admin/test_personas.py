"""Personas x pages: each role sees exactly its scope, and guessing another unit's URL shows
nothing (403 or 404, never data). The same rules hold when the services are called directly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from staff_admin import access, audit, service
from staff_admin.access import Forbidden, NotFound
from staff_admin.models import AuditEntry, User
from tests.staff_admin.conftest import World, signed_in

PAGES = ("home", "root", "unit_a", "unit_a1", "unit_b", "missing")
ALL = {"home": 200, "root": 200, "unit_a": 200, "unit_a1": 200, "unit_b": 200, "missing": 404}
EXPECTED = {
    "admin": ALL,
    "hr": ALL,
    "head_a": {"home": 200, "root": 404, "unit_a": 200, "unit_a1": 200, "unit_b": 404, "missing": 404},
    "head_b": {"home": 200, "root": 404, "unit_a": 404, "unit_a1": 404, "unit_b": 200, "missing": 404},
    "officer": {"home": 200, "root": 403, "unit_a": 403, "unit_a1": 403, "unit_b": 403, "missing": 403},
    "anonymous": dict.fromkeys(PAGES, 303),
}


def _path(world: World, page: str) -> str:
    units = {"root": world.root, "unit_a": world.unit_a, "unit_a1": world.unit_a1, "unit_b": world.unit_b}
    if page == "home":
        return "/admin"
    if page == "missing":
        return "/admin/units/999999"
    return f"/admin/units/{units[page].id}"


def _client_as(client: TestClient, persona: str) -> TestClient:
    return client if persona == "anonymous" else signed_in(client, persona)


@pytest.mark.parametrize("persona", EXPECTED)
def test_it_answers_each_persona_on_each_page(client: TestClient, world: World, persona: str) -> None:
    """One sign-in per persona (the database setup dominates), then every page of the matrix."""
    browser = _client_as(client, persona)
    answered = {}
    for page in PAGES:
        response = browser.get(_path(world, page), follow_redirects=False)
        answered[page] = response.status_code
        if response.status_code == 303:
            assert response.headers["location"].startswith("/admin/login?next="), page
        if response.status_code in (403, 404):
            for secret in ("Dinas Alpha", "Seksi Alpha Satu", "Dinas Beta", "Pemerintah Kota Uji"):
                assert secret not in response.text, (page, secret)

    assert answered == EXPECTED[persona]


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("admin", ["Pemerintah Kota Uji", "Dinas Alpha", "Seksi Alpha Satu", "Dinas Beta"], []),
        ("hr", ["Pemerintah Kota Uji", "Dinas Alpha", "Seksi Alpha Satu", "Dinas Beta"], []),
        ("head_a", ["Dinas Alpha", "Seksi Alpha Satu"], ["Dinas Beta", "Pemerintah Kota Uji"]),
        ("head_b", ["Dinas Beta"], ["Dinas Alpha", "Seksi Alpha Satu", "Pemerintah Kota Uji"]),
        ("officer", [], ["Dinas Alpha", "Seksi Alpha Satu", "Dinas Beta", "Pemerintah Kota Uji"]),
    ],
)
def test_it_lists_only_visible_units_on_the_home_page(
    client: TestClient, world: World, persona: str, shown: list[str], hidden: list[str]
) -> None:
    page = signed_in(client, persona).get("/admin?lang=en").text

    assert f"User {persona}" in page
    for name in shown:
        assert name in page
    for name in hidden:
        assert name not in page


def test_it_shows_a_units_counters_without_linking_above_the_heads_scope(
    client: TestClient, world: World, db: Session
) -> None:
    page = signed_in(client, "head_a").get(f"/admin/units/{world.unit_a.id}?lang=en").text

    assert "Dinas Alpha" in page and "Seksi Alpha Satu" in page
    assert "Pemerintah Kota Uji" not in page  # the parent is outside the head's scope
    assert "<dt>Employees</dt><dd>1</dd>" in page
    assert "<dt>Ratings received</dt><dd>0</dd>" in page


def _principal(db: Session, username: str) -> access.Principal:
    return access.principal_for(db, db.scalar(select(User).where(User.username == username)))


def test_it_enforces_scope_in_the_services_not_only_the_routes(world: World, db: Session) -> None:
    officer, head_a, hr = (_principal(db, name) for name in ("officer", "head_a", "hr"))

    with pytest.raises(Forbidden):
        service.unit_page(db, officer, world.unit_a.id)
    with pytest.raises(NotFound):
        service.unit_page(db, head_a, world.unit_b.id)
    assert service.unit_page(db, head_a, world.unit_a1.id).name == "Seksi Alpha Satu"
    assert head_a.visible_unit_ids == {world.unit_a.id, world.unit_a1.id}
    assert access.visible_unit_ids(db, hr) == {
        world.root.id,
        world.unit_a.id,
        world.unit_a1.id,
        world.unit_b.id,
    }
    assert access.visible_unit_ids(db, officer) == frozenset()
    with pytest.raises(Forbidden):
        access.require_role(head_a, access.ADMIN, access.HR)


def test_it_lets_each_role_see_the_right_employees(world: World, db: Session) -> None:
    officer, head_a, head_b, admin = (_principal(db, n) for n in ("officer", "head_a", "head_b", "admin"))
    own, other = (world.officer.id, world.officer.unit_id), (world.colleague.id, world.colleague.unit_id)

    assert access.can_see_employee(officer, *own) and not access.can_see_employee(officer, *other)
    assert access.can_see_employee(head_a, *own) and not access.can_see_employee(head_a, *other)
    assert access.can_see_employee(head_b, *other) and not access.can_see_employee(head_b, *own)
    assert access.can_see_employee(admin, *own) and access.can_see_employee(admin, *other)
    with pytest.raises(NotFound):
        access.require_employee(officer, *other)


def test_it_scopes_queries_by_unit(world: World, db: Session) -> None:
    head_b, officer, hr = (_principal(db, n) for n in ("head_b", "officer", "hr"))
    statement = select(Rating.id)

    for principal in (head_b, officer, hr):  # renders and runs on both engines, even when empty
        assert db.scalars(statement.where(access.unit_scope(principal, Rating.unit_id))).all() == []


def test_it_records_audit_entries_with_json_states(world: World, db: Session) -> None:
    head_a = _principal(db, "head_a")

    audit.record(
        db,
        head_a,
        "rating.exclude",
        "rating",
        42,
        before={"excluded": False},
        after={"excluded": True, "reviewed_at": datetime(2026, 3, 2, 3, 0, tzinfo=UTC)},
        note="spam",
    )
    db.commit()

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "rating.exclude"))
    assert (entry.actor_user_id, entry.object_type, entry.object_id) == (head_a.user_id, "rating", "42")
    assert entry.before == {"excluded": False} and entry.after == {
        "excluded": True,
        "reviewed_at": "2026-03-02T03:00:00+00:00",
    }
    assert entry.note == "spam"
    created = db.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "user.create")).all()
    assert len(created) == 5  # the personas themselves were audited when created
