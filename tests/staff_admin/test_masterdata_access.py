"""Who may open which master-data page, and guessing another unit's ids gives 404, never data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in

PAGES = {
    # page: statuses for admin, hr, head_a, head_b, officer
    "/admin/master-data/": (200, 200, 200, 200, 403),
    "/admin/units/": (200, 200, 403, 403, 403),
    "/admin/units/new": (200, 200, 403, 403, 403),
    "/admin/counters/": (200, 403, 200, 200, 403),
    "/admin/counters/new": (200, 403, 200, 200, 403),
    "/admin/employees/": (200, 200, 200, 200, 403),
    "/admin/employees/new": (200, 200, 403, 403, 403),
    "/admin/roster/": (200, 200, 200, 200, 403),
    "/admin/roster/import": (200, 200, 200, 200, 403),
    "/admin/users/": (200, 403, 403, 403, 403),
    "/admin/users/new": (200, 403, 403, 403, 403),
    "/admin/import/": (200, 200, 403, 403, 403),
}
PERSONAS = ("admin", "hr", "head_a", "head_b", "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_opens_each_page_only_for_the_roles_that_may(
    client: TestClient, world: World, persona: str
) -> None:
    signed_in(client, persona)
    index = PERSONAS.index(persona)
    for path, statuses in PAGES.items():
        assert client.get(path).status_code == statuses[index], path


@pytest.mark.parametrize("path", list(PAGES))
def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_it_shows_every_page_in_both_languages(client: TestClient, world: World, lang: str) -> None:
    signed_in(client, "admin")
    expected = {"id": "Data induk", "en": "Master data"}[lang]
    assert expected in client.get(f"/admin/master-data/?lang={lang}").text
    for path in PAGES:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200 and f'<html lang="{lang}"' in response.text, path


def test_it_answers_404_when_a_unit_head_guesses_another_units_ids(
    client: TestClient, db: Session, world: World
) -> None:
    counter_b = factories.counter(db, world.unit_b, "Loket B")
    shift_b = factories.shift(
        db,
        world.colleague,
        counter_b,
        datetime(2026, 3, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 2, 5, tzinfo=UTC),
    )
    signed_in(client, "head_a")
    token = csrf_token(client, "/admin/")
    assert client.get(f"/admin/counters/{counter_b.id}").status_code == 404
    assert client.get(f"/admin/employees/{world.colleague.id}").status_code == 404
    assert client.get(f"/admin/roster/?counter={counter_b.id}").status_code == 404
    for path in (
        f"/admin/counters/{counter_b.id}",
        f"/admin/counters/{counter_b.id}/rotate-token",
        f"/admin/roster/shifts/{shift_b.id}/delete",
    ):
        assert (
            client.post(path, data={"_csrf_token": token, "confirm": "yes", "name": "x"}).status_code == 404
        )
    response = client.get("/admin/counters/")
    assert "Loket B" not in response.text
    assert world.colleague.name not in client.get("/admin/employees/").text
    assert world.officer.name in client.get("/admin/employees/").text  # reads own unit's employees


def test_it_refuses_master_data_forms_without_csrf_token(client: TestClient, world: World) -> None:
    signed_in(client, "admin")
    assert client.post("/admin/units/new", data={"code": "X", "name": "X"}).status_code == 403
