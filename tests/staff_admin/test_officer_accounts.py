"""Officer accounts in bulk for imported employees (HR and admins): one account per active employee
without one, the NIP as username, linked to the employee; the first reset links come once, as a CSV
with formulas neutralised, kept by no cache; the officers then set a password and sign in."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from staff_admin.models import AuditEntry, PasswordResetToken, User
from staff_admin.users import create_user
from tests import factories
from tests.conftest import FakeClock
from tests.staff_admin.conftest import PASSWORD, World, csrf_token, sign_in, signed_in

PAGE = "/admin/officer-accounts/"
NEW_PASSWORD = "my own first passphrase"


def create_accounts(client: TestClient, lang: str = "en"):
    token = csrf_token(client, "/admin/")
    return client.post(f"{PAGE}?lang={lang}", data={"_csrf_token": token}, follow_redirects=False)


def rows_of(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def imported(db: Session, world: World) -> dict[str, object]:
    """Employees as an HR import leaves them: two new in unit A, one in B named like a formula, one
    inactive; the world's officer has an account already."""
    newcomer = factories.employee(db, world.unit_a, name="Ani Baru")
    formula = factories.employee(db, world.unit_b, name='=HYPERLINK("http://evil.example","x")')
    gone = factories.employee(db, world.unit_a, name="Pensiunan")
    gone.active = False
    db.commit()
    return {"newcomer": newcomer, "formula": formula, "gone": gone}


@pytest.mark.parametrize("persona", ["hr", "admin"])
def test_it_creates_one_officer_account_per_employee_and_hands_out_first_links(
    persona: str, client: TestClient, db: Session, world: World, imported: dict, clock: FakeClock
) -> None:
    signed_in(client, persona)
    page = client.get(PAGE + "?lang=en")
    assert page.status_code == 200 and "3 employees without an account" in page.text
    assert "Pensiunan" not in page.text and world.officer.nip not in page.text

    response = create_accounts(client)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith('attachment; filename="officer_accounts_')
    assert response.headers["content-type"].startswith("text/csv")
    rows = rows_of(response)
    assert list(rows[0]) == ["nip", "name", "unit_code", "username", "reset_link", "valid_until"]
    by_nip = {row["nip"]: row for row in rows}
    expected = {world.colleague.nip, imported["newcomer"].nip, imported["formula"].nip}
    assert set(by_nip) == expected
    assert by_nip[imported["formula"].nip]["name"].startswith("'=HYPERLINK")  # no formula runs
    assert by_nip[imported["newcomer"].nip]["valid_until"] == "2026-03-09 09:00+07:00"  # 7 days, office time
    for nip in expected:
        user = db.scalar(select(User).where(User.username == nip))
        assert (user.role, user.active, user.employee_id is not None) == ("officer", True, True)
    newcomer = db.scalar(select(User).where(User.username == imported["newcomer"].nip))
    assert newcomer.employee_id == imported["newcomer"].id and newcomer.display_name == "Ani Baru"
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 3
    stored = set(db.scalars(select(PasswordResetToken.token_hash)))
    assert not any(row["reset_link"].rsplit("/", 1)[1] in stored for row in rows)  # hashes only

    # The officer sets a password through their link (no sign-in), then signs in with the NIP.
    client.cookies.clear()
    link = urlsplit(by_nip[imported["newcomer"].nip]["reset_link"]).path
    assert sign_in(client, imported["newcomer"].nip, "").status_code == 422  # no password before
    token = csrf_token(client, link)
    data = {"_csrf_token": token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    assert client.post(link, data=data, follow_redirects=False).status_code == 303
    assert sign_in(client, imported["newcomer"].nip, NEW_PASSWORD).status_code == 303
    assert client.get("/admin/me/", follow_redirects=False).status_code == 200

    actor = db.scalar(select(User.id).where(User.username == persona))
    bulk = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.bulk_create"))
    assert (bulk.actor_user_id, bulk.after["created"]) == (actor, 3)
    created = select(func.count()).where(
        AuditEntry.action == "user.create", AuditEntry.actor_user_id == actor
    )
    assert db.scalar(created) == 3
    assert db.scalar(select(func.count()).where(AuditEntry.action == "user.reset_link")) == 3


def test_the_links_are_shown_once_and_a_second_click_creates_nothing(
    client: TestClient, db: Session, world: World, imported: dict
) -> None:
    signed_in(client, "hr")
    assert create_accounts(client).status_code == 200

    again = create_accounts(client, lang="id")

    assert again.status_code == 422 and "Semua pegawai aktif sudah memiliki akun." in again.text
    assert "Semua pegawai aktif memiliki akun." in client.get(PAGE + "?lang=id").text
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 3


def test_it_leaves_an_employee_whose_nip_is_another_accounts_username(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    create_user(db, clock(), username=world.colleague.nip, role="hr", password=PASSWORD)
    db.commit()
    signed_in(client, "admin")

    page = client.get(PAGE + "?lang=en")
    assert "Not created: the NIP is already another account's username" in page.text
    response = create_accounts(client)

    assert response.status_code == 422  # nobody else lacks an account
    assert db.scalar(select(User.role).where(User.username == world.colleague.nip)) == "hr"


@pytest.mark.parametrize("persona", ["head_a", "head_b", "officer"])
def test_only_hr_and_admins_create_officer_accounts(
    persona: str, client: TestClient, db: Session, world: World, imported: dict
) -> None:
    signed_in(client, persona)
    assert client.get(PAGE).status_code == 403
    assert create_accounts(client).status_code == 403
    assert db.scalar(select(func.count()).select_from(User)) == 5


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, world: World, imported: dict) -> None:
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    assert create_accounts(client).status_code == 303
