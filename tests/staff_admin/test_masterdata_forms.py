"""Units, counters (QR links and token rotation) and employees (NIP checked) through their forms."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee, Unit
from staff_admin.models import AuditEntry
from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in


def post(client: TestClient, path: str, data: dict, lang: str = "en"):
    token = csrf_token(client, "/admin/")
    return client.post(f"{path}?lang={lang}", data={"_csrf_token": token, **data}, follow_redirects=False)


def test_it_creates_and_edits_units_without_cycles(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "hr")
    assert (
        post(
            client,
            "/admin/units/new",
            {"code": "DISHUB", "name": "Dinas Perhubungan", "parent_id": str(world.root.id)},
        ).status_code
        == 303
    )
    created = db.scalar(select(Unit).where(Unit.code == "DISHUB"))
    assert created.parent_id == world.root.id
    response = post(
        client,
        f"/admin/units/{world.unit_a.id}/edit",
        {"code": world.unit_a.code, "name": "Dinas Alpha", "parent_id": str(world.unit_a1.id)},
    )
    assert response.status_code == 422 and "cannot be placed below itself" in response.text
    response = post(client, "/admin/units/new", {"code": world.unit_b.code, "name": "Dup"}, lang="id")
    assert response.status_code == 422 and "Kode ini sudah dipakai unit lain." in response.text
    assert (
        db.scalar(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "unit", AuditEntry.object_id == str(created.id)
            )
        )
        == "unit.create"
    )


def test_it_creates_a_counter_with_opening_hours_and_qr_links(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "head_a")
    data = {
        "name": "Loket Baru",
        "unit_id": str(world.unit_a1.id),
        "timezone": "Asia/Makassar",
        "active": "yes",
        "hours_0": "08:00-11:30, 13:00-15:00",
        "hours_4": "08.00-11.00",
    }
    response = post(client, "/admin/counters/new", data)
    assert response.status_code == 303
    counter = db.scalar(select(Counter).where(Counter.name == "Loket Baru"))
    assert counter.opening_hours == {"0": [["08:00", "11:30"], ["13:00", "15:00"]], "4": [["08:00", "11:00"]]}
    page = client.get(response.headers["location"]).text
    for link in ("qr.png", "qr.svg", "poster"):
        assert f"/r/{counter.public_token}/{link}" in page


def test_it_explains_bad_counter_input(client: TestClient, world: World) -> None:
    signed_in(client, "head_a")
    data = {
        "name": "",
        "unit_id": str(world.unit_b.id),
        "timezone": "Mars/Olympus",
        "hours_1": "15:00-08:00",
        "hours_2": "pagi",
    }
    text = post(client, "/admin/counters/new", data).text
    for message in (
        "A name is required",
        "Choose one of your units.",
        "Choose a time zone",
        "each closing after it opens",
        "Write hours as 08:00-15:00",
    ):
        assert message in text


def test_it_rotates_a_counters_token_so_the_old_qr_code_stops_working(
    client: TestClient, db: Session, world: World
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    old = counter.public_token
    assert client.get(f"/r/{old}").status_code == 200
    signed_in(client, "head_a")
    unconfirmed = post(client, f"/admin/counters/{counter.id}/rotate-token", {})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert post(client, f"/admin/counters/{counter.id}/rotate-token", {"confirm": "yes"}).status_code == 303
    db.expire_all()
    new = db.get(Counter, counter.id).public_token
    assert new != old
    assert client.get(f"/r/{old}").status_code == 404
    assert client.get(f"/r/{old}/qr.png").status_code == 404
    assert client.get(f"/r/{new}").status_code == 200
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "counter.rotate_token"))
    assert entry.object_id == str(counter.id) and old not in str(entry.before)  # never the whole token


def test_it_checks_the_nip_and_keeps_it_unique(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "hr")
    bad = post(
        client,
        "/admin/employees/new",
        {"nip": "1985031220100130", "name": "X", "unit_id": str(world.unit_a.id)},
        lang="id",
    )
    assert bad.status_code == 422 and "NIP terdiri dari tepat 18 angka." in bad.text
    wrong_gender = "198503122010013001"
    bad = post(
        client, "/admin/employees/new", {"nip": wrong_gender, "name": "X", "unit_id": str(world.unit_a.id)}
    )
    assert "Digit 15 of a NIP must be 1 (male) or 2 (female)." in bad.text
    dup = post(
        client,
        "/admin/employees/new",
        {"nip": world.officer.nip, "name": "X", "unit_id": str(world.unit_a.id)},
    )
    assert "Another employee has this NIP." in dup.text
    spaced = "19900101 201501 1 007"
    ok = post(
        client,
        "/admin/employees/new",
        {"nip": spaced, "name": "Andi", "unit_id": str(world.unit_b.id), "active": "yes"},
    )
    assert ok.status_code == 303
    andi = db.scalar(select(Employee).where(Employee.name == "Andi"))
    assert andi.nip == "199001012015011007" and andi.active
    assert post(client, f"/admin/employees/{andi.id}/deactivate", {}).status_code == 303
    db.expire_all()
    assert not db.get(Employee, andi.id).active


def test_it_shows_employees_read_only_to_unit_heads(client: TestClient, world: World) -> None:
    signed_in(client, "head_a")
    page = client.get(f"/admin/employees/{world.officer.id}").text
    assert world.officer.nip in page and 'name="nip"' not in page
    response = post(
        client,
        f"/admin/employees/{world.officer.id}",
        {"nip": world.officer.nip, "name": "Changed", "unit_id": str(world.unit_a.id)},
    )
    assert response.status_code == 403
