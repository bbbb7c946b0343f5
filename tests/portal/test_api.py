"""The machine API: unit-scoped keys, problem documents, a rate limit per key, and its schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app, main
from portal.citizen import proofs
from portal.kernel.models import ApiKey, Counter, RatingTicket, Unit
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import FakeClock
from tests.portal.machines import QueueMachine, queue_machine, rejected
from tests.portal.test_qr import decode_png

PROBLEM = "application/problem+json"


@pytest.fixture
def unit_a(db: Session) -> Unit:
    return factories.unit(db, "Dinas Alpha")


@pytest.fixture
def unit_b(db: Session) -> Unit:
    return factories.unit(db, "Dinas Beta")


@pytest.fixture
def counter_a(db: Session, unit_a: Unit) -> Counter:
    return factories.counter(db, unit_a, "Loket A1")


@pytest.fixture
def counter_b(db: Session, unit_b: Unit) -> Counter:
    return factories.counter(db, unit_b, "Loket B1")


@pytest.fixture
def machine(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock, unit_a: Unit
) -> QueueMachine:
    return queue_machine(client, db, settings, clock, unit_a)


def tickets(db: Session) -> int:
    return db.scalar(select(func.count(RatingTicket.id)))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


def test_it_issues_a_ticket_with_its_qr_images(
    machine: QueueMachine, counter_a: Counter, db: Session, clock: FakeClock, settings: Settings
) -> None:
    answer = machine.issue(counter_a.id, ticket_number="B-101")
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["rating_url"].startswith(f"{settings.base_url}/t/")
    assert datetime.fromisoformat(ticket["expires_at"]) == clock.now.replace(microsecond=0) + (
        datetime.fromisoformat(ticket["expires_at"]) - datetime.fromisoformat(ticket["created_at"])
    )
    assert (
        datetime.fromisoformat(ticket["expires_at"]) - clock.now
    ).total_seconds() == settings.ticket_ttl_seconds
    assert ticket["used_at"] is None

    png = machine.get(ticket["qr_png_url"].removeprefix(settings.base_url))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert decode_png(png.content) == ticket["rating_url"]
    svg = machine.get(ticket["qr_svg_url"].removeprefix(settings.base_url))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content

    status = machine.get(f"/api/v1/tickets/{ticket['ticket_id']}").json()
    assert status == ticket
    stored = db.scalars(select(RatingTicket)).one()
    assert (stored.ticket_number, stored.service_type, stored.unit_id) == (
        "B-101",
        "KTP-el",
        counter_a.unit_id,
    )


def test_the_ticket_status_shows_when_it_was_used(
    machine: QueueMachine, client: TestClient, counter_a: Counter, clock: FakeClock
) -> None:
    from tests.portal.citizen import form_token

    ticket = machine.issue(counter_a.id).json()
    path = ticket["rating_url"].split("8000", 1)[1]
    client.post(path, data={"form_token": form_token(client.get(path).text), "overall": "4"})
    assert machine.get(f"/api/v1/tickets/{ticket['ticket_id']}").json()["used_at"] is not None


def test_a_key_cannot_mint_tickets_for_another_unit(
    machine: QueueMachine, counter_b: Counter, db: Session
) -> None:
    body = assert_problem(machine.issue(counter_b.id), 403)
    assert "another unit" in body["detail"]
    assert tickets(db) == 0


def test_a_key_cannot_see_another_units_tickets(
    machine: QueueMachine,
    client: TestClient,
    db: Session,
    settings: Settings,
    clock: FakeClock,
    unit_b,
    counter_b,
) -> None:
    other = queue_machine(client, db, settings, clock, unit_b)
    ticket_id = other.issue(counter_b.id).json()["ticket_id"]
    for path in (f"/api/v1/tickets/{ticket_id}", f"/api/v1/tickets/{ticket_id}/qr.png"):
        assert_problem(machine.get(path), 404)
    assert [c["name"] for c in machine.get("/api/v1/counters").json()] == []
    assert [c["name"] for c in other.get("/api/v1/counters").json()] == ["Loket B1"]


def test_an_officer_of_another_unit_or_an_unknown_counter_is_unprocessable(
    machine: QueueMachine, counter_a: Counter, db: Session, unit_b: Unit
) -> None:
    stranger = factories.employee(db, unit_b, "Budi Rekan")
    assert_problem(machine.issue(counter_a.id, officer_nip=stranger.nip), 422)
    assert_problem(machine.issue(counter_a.id, officer_nip="198503122010012999"), 422)
    assert_problem(machine.issue(987654), 422)
    assert_problem(machine.issue(counter_a.id, service_type="   "), 422)
    assert tickets(db) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service_type": "KTP", "ticket_number": "1"}, "counter_id"),
        ({"counter_id": "one", "service_type": "KTP", "ticket_number": "1"}, "counter_id"),
        ({"counter_id": 0, "service_type": "KTP", "ticket_number": "1"}, "counter_id"),
        ({"counter_id": 2**40, "service_type": "KTP", "ticket_number": "1"}, "counter_id"),
        ({"counter_id": 1, "service_type": "", "ticket_number": "1"}, "service_type"),
        ({"counter_id": 1, "service_type": "K\x00TP", "ticket_number": "1"}, "service_type"),
        ({"counter_id": 1, "service_type": "x" * 121, "ticket_number": "1"}, "service_type"),
        ({"counter_id": 1, "service_type": "KTP", "ticket_number": "1", "officer_nip": "12"}, "officer_nip"),
        ({"counter_id": 1, "service_type": "KTP", "ticket_number": "1", "extra": True}, "extra"),
    ],
)
def test_invalid_fields_are_a_400_problem_naming_the_field(
    machine: QueueMachine, counter_a: Counter, db: Session, body: dict, field: str
) -> None:
    answer = machine.client.post("/api/v1/tickets", json=body, headers=machine.headers)
    problem = assert_problem(answer, 400)
    assert field in str(problem.get("errors", "")) + problem["detail"]
    assert tickets(db) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b"counter_id=1&service_type=KTP&ticket_number=1", "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "text/plain"),
        (b"", "multipart/form-data; boundary=xyz"),
        (
            b'--xyz\r\nContent-Disposition: form-data; name="counter_id"\r\n\r\n1\r\n--xyz--\r\n',
            "multipart/form-data; boundary=xyz",
        ),
    ],
)
def test_a_malformed_body_is_a_4xx_problem(
    machine: QueueMachine, counter_a: Counter, content: bytes, content_type: str
) -> None:
    answer = machine.client.post(
        "/api/v1/tickets", content=content, headers={**machine.headers, "Content-Type": content_type}
    )
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"] == PROBLEM
    if content_type != "application/json":
        assert_problem(answer, 415)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer rpk_00000000_unknown",
        "Bearer " + "x" * 500,
    ],
)
def test_it_needs_a_known_key(client: TestClient, counter_a: Counter, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = client.post("/api/v1/tickets", json={"counter_id": counter_a.id}, headers=headers)
    assert_problem(answer, 401)
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_at_once(
    machine: QueueMachine, counter_a: Counter, db: Session, clock: FakeClock
) -> None:
    assert machine.issue(counter_a.id).status_code == 201
    assert proofs.revoke_api_key(db, clock(), machine.key.key_id) is True
    assert_problem(machine.issue(counter_a.id), 401)
    assert_problem(machine.get("/api/v1/counters"), 401)
    assert rejected(db, "api_key", "revoked") == 2
    assert tickets(db) == 1


def test_the_key_is_stored_only_as_a_hash(machine: QueueMachine, db: Session) -> None:
    key = db.get_one(ApiKey, machine.key.key_id)
    assert machine.key.secret not in (key.key_hash, key.prefix)
    assert machine.key.secret.startswith(f"rpk_{key.prefix}_")


def test_each_key_is_rate_limited_per_minute(
    counter_a: Counter, unit_a: Unit, db: Session, settings: Settings, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 2, 0, 20, tzinfo=UTC))
    strict = create_app(settings.with_(api_rate_limit_per_minute=3), clock=clock)
    with TestClient(strict) as client:
        machine = queue_machine(client, db, settings, clock, unit_a)
        other = queue_machine(client, db, settings, clock, unit_a)
        answers = [machine.issue(counter_a.id) for _ in range(4)]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        assert_problem(answers[-1], 429)
        assert answers[-1].headers["retry-after"] == "40"
        assert other.issue(counter_a.id).status_code == 201  # per key, not per unit
        clock.advance(seconds=40)
        assert machine.issue(counter_a.id).status_code == 201


def test_errors_under_api_are_problems_and_pages_stay_pages(
    client: TestClient, machine: QueueMachine
) -> None:
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(client.delete("/api/v1/tickets"), 405)
    assert_problem(machine.get("/api/v1/tickets/0"), 400)
    assert_problem(machine.get("/api/v1/tickets/notanumber"), 404)
    page = client.get("/r/no-such-counter")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_the_schema_documents_the_api_only(client: TestClient) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    schema = client.get("/api/docs/openapi.json").json()
    assert all(path.startswith("/api/v1/") for path in schema["paths"]), list(schema["paths"])
    assert {"/api/v1/tickets", "/api/v1/units/{unit_id}/results"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert client.get("/api/docs/openapi.yaml").status_code == 200


def test_the_command_line_creates_lists_and_revokes_keys(
    unit_a: Unit, counter_a: Counter, db: Session, settings: Settings, client: TestClient, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    assert main(["api-key", "create", "--unit", unit_a.code, "--name", "Mesin antrean"]) == 0
    secret = next(word for word in capsys.readouterr().out.split() if word.startswith("rpk_"))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/counters", headers=headers).json() == [
        {"counter_id": counter_a.id, "name": "Loket A1"}
    ]
    assert main(["api-key", "list"]) == 0
    assert secret not in capsys.readouterr().out
    (key,) = proofs.list_api_keys(db)
    assert main(["api-key", "revoke", str(key.id)]) == 0
    assert client.get("/api/v1/counters", headers=headers).status_code == 401
    assert main(["api-key", "create", "--unit", "NOPE", "--name", "x"]) == 1
