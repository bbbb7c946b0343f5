"""Mail from the staff pages through a real SMTP server: the response to a citizen who gave an
address, the WhatsApp/SMS/call links and the audited 'answered' mark for one who gave a phone number,
a user's mail settings, and the self-service password reset link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen.followup import ComplaintCase
from portal.kernel.settings import Settings
from staff_admin.mail.cli import url_maker
from staff_admin.mail.outbox import deliver
from staff_admin.mail.smtp import Mailer
from staff_admin.models import AuditEntry, User
from tests.conftest import FakeClock
from tests.staff_admin.alert_world import give_email, open_case
from tests.staff_admin.casework import counter_for, post_form, rating
from tests.staff_admin.conftest import World, csrf_token, sign_in, signed_in
from tests.staff_admin.mailserver import MailServer, mail_server  # noqa: F401

SENDER = "portal@pemkot.example.go.id"


@pytest.fixture
def mailed(settings: Settings, mail_server: MailServer) -> Settings:  # noqa: F811
    return settings.with_(smtp_url=mail_server.url, mail_from=SENDER)


@pytest.fixture
def mail_app(mailed: Settings, clock: FakeClock) -> Litestar:
    return create_app(mailed, clock=clock)


@pytest.fixture
def mail_client(mail_app: Litestar) -> Iterator[TestClient]:
    with TestClient(mail_app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def _case(db: Session, world: World, clock: FakeClock, **contact: str) -> ComplaintCase:
    counter = counter_for(db, world)
    on = rating(db, counter, None, clock() - timedelta(days=1), overall=1, comment="Antre lama")
    return open_case(db, on, date(2026, 3, 6), **contact)


def test_it_emails_the_response_to_a_citizen_who_gave_an_address(
    db: Session,
    world: World,
    mailed: Settings,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_app: Litestar,
    mail_client: TestClient,
) -> None:
    case = _case(db, world, clock, email="warga@example.com")
    signed_in(mail_client, "head_a")
    response = "Mohon maaf, loket 2 kini dibuka pukul 07.30."

    post_form(mail_client, f"/admin/complaints/{case.id}", {"action": "resolve", "text": response})
    waiting = mail_client.get(f"/admin/complaints/{case.id}?lang=en").text
    deliver(db, mailed, Mailer(mailed), url_maker(mail_app, mailed), clock)

    assert "The response is e-mailed" in waiting
    (mail,) = mail_server.inbox.to("warga@example.com")
    assert response in mail.get_content() and f"{case.id}" in mail["Subject"]
    db.expire_all()
    stored = db.get(ComplaintCase, case.id)
    assert stored.answered_via == "email"
    assert db.scalar(select(AuditEntry.after).where(AuditEntry.action == "complaint.answered")) == {
        "via": "email"
    }
    assert "Answered on" in mail_client.get(f"/admin/complaints/{case.id}?lang=en").text


def test_it_offers_whatsapp_sms_and_a_call_for_a_phone_number_and_audits_the_answer(
    db: Session, world: World, clock: FakeClock, client: TestClient
) -> None:
    case = _case(db, world, clock, phone="0812-3456-7890")
    signed_in(client, "head_a")
    post_form(
        client, f"/admin/complaints/{case.id}", {"action": "resolve", "text": "Sudah kami perbaiki & cek."}
    )

    page = client.get(f"/admin/complaints/{case.id}?lang=en").text
    marked = post_form(client, f"/admin/complaints/{case.id}/answered", {"via": "whatsapp"})
    again = post_form(client, f"/admin/complaints/{case.id}/answered", {"via": "phone"})

    assert 'href="https://wa.me/6281234567890?text=Sudah%20kami%20perbaiki%20%26%20cek."' in page
    assert 'href="sms:+6281234567890?body=Sudah%20kami' in page and 'href="tel:+6281234567890"' in page
    assert marked.status_code == 303 and again.status_code == 422
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.answered"))
    assert entry.after == {"via": "whatsapp"} and entry.actor_user_id is not None


@pytest.mark.parametrize("username", ["head_b", "officer"])
def test_it_lets_only_those_who_work_the_case_mark_it_answered(
    db: Session, world: World, clock: FakeClock, client: TestClient, username: str
) -> None:
    case = _case(db, world, clock, phone="0812000")
    case.status, case.response = "resolved", "Ok"
    db.commit()

    response = post_form(signed_in(client, username), f"/admin/complaints/{case.id}/answered", {"via": "sms"})

    assert response.status_code in (403, 404)
    db.expire_all()
    assert db.get(ComplaintCase, case.id).answered_at is None


def test_it_saves_a_users_mail_settings_audited_and_refuses_a_bad_address(
    db: Session, world: World, client: TestClient
) -> None:
    signed_in(client, "head_a")
    bad = post_form(
        client, "/admin/account", {"email": "not an address", "mail_mode": "digest", "mail_language": "en"}
    )
    good = post_form(
        client,
        "/admin/account",
        {"email": " Kepala@Pemkot.Example.GO.ID ", "mail_mode": "digest", "mail_language": "en"},
    )

    assert bad.status_code == 422 and "aria-invalid" in bad.text
    assert good.status_code == 303
    user = db.scalar(select(User).where(User.username == "head_a"))
    db.refresh(user)
    assert (user.email, user.mail_mode, user.mail_language) == ("Kepala@pemkot.example.go.id", "digest", "en")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.mail_settings"))
    assert entry.before["email"] is None and entry.after["mail_mode"] == "digest"


def _forgot(client: TestClient, email: str):
    token = csrf_token(client, "/admin/password-forgot")
    return client.post(
        "/admin/password-forgot", data={"email": email, "_csrf_token": token}, follow_redirects=False
    )


def test_it_mails_a_single_use_reset_link_and_answers_the_same_for_an_unknown_address(
    db: Session,
    world: World,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_client: TestClient,
) -> None:
    address = give_email(db, "head_a")

    known = _forgot(mail_client, address.upper())
    unknown = _forgot(mail_client, "nobody@pemkot.example.go.id")

    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    (mail,) = mail_server.inbox.messages
    assert mail["To"] == address
    link = re.search(r"http://127\.0\.0\.1:8000(/admin/password-reset/\S+)", mail.get_content()).group(1)
    assert mail_client.get(link).status_code == 200
    new = {"new_password": "a brand new passphrase", "new_password_again": "a brand new passphrase"}
    token = csrf_token(mail_client, link)
    assert (
        mail_client.post(link, data={**new, "_csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert mail_client.get(link).status_code == 410  # used once
    assert sign_in(mail_client, "head_a", "a brand new passphrase").status_code == 303


def test_it_expires_a_mailed_link_after_30_minutes(
    db: Session,
    world: World,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_client: TestClient,
) -> None:
    _forgot(mail_client, give_email(db, "hr"))
    link = re.search(r"(/admin/password-reset/\S+)", mail_server.inbox.messages[0].get_content()).group(1)
    clock.advance(minutes=31)

    assert mail_client.get(link).status_code == 410


def test_it_offers_no_reset_form_without_a_mail_server(client: TestClient, world: World) -> None:
    page = client.get("/admin/password-forgot?lang=en").text

    assert 'name="email"' not in page and "Ask an administrator" in page
    assert "Forgot your password?" in client.get("/admin/login?lang=en").text
