"""Staff personas on a small unit tree, and signing in through the real login form."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from httpx import Response
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Employee, Unit
from staff_admin import auth
from staff_admin.users import create_user
from tests import factories
from tests.conftest import FakeClock

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests; the production ones are checked in test_rehash."""
    monkeypatch.setattr(auth, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@dataclass
class World:
    root: Unit
    unit_a: Unit
    unit_a1: Unit  # below A
    unit_b: Unit
    officer: Employee  # in A
    colleague: Employee  # in B


PERSONAS = ("admin", "hr", "head_a", "head_b", "officer")


@pytest.fixture
def world(db: Session, clock: FakeClock) -> World:
    root = factories.unit(db, "Pemerintah Kota Uji")
    unit_a = factories.unit(db, "Dinas Alpha", parent=root)
    unit_a1 = factories.unit(db, "Seksi Alpha Satu", parent=unit_a)
    unit_b = factories.unit(db, "Dinas Beta", parent=root)
    officer = factories.employee(db, unit_a, name="Sari Petugas")
    colleague = factories.employee(db, unit_b, name="Budi Rekan")
    now = clock()
    for username, role, scope in [
        ("admin", "admin", {}),
        ("hr", "hr", {}),
        ("head_a", "unit_head", {"unit_code": unit_a.code}),
        ("head_b", "unit_head", {"unit_code": unit_b.code}),
        ("officer", "officer", {"nip": officer.nip}),
    ]:
        create_user(
            db, now, username=username, role=role, password=PASSWORD, display_name=f"User {username}", **scope
        )
    db.commit()
    return World(root, unit_a, unit_a1, unit_b, officer, colleague)


def csrf_token(client: TestClient, path: str = "/admin/login") -> str:
    match = CSRF_FIELD.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(
    client: TestClient,
    username: str,
    password: str = PASSWORD,
    next_: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    data = {"username": username, "password": password, "_csrf_token": csrf_token(client)}
    if next_ is not None:
        data["next"] = next_
    return client.post("/admin/login", data=data, headers=headers or {}, follow_redirects=False)


def signed_in(client: TestClient, username: str) -> TestClient:
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return client
