"""Every mail through a real SMTP server started by the test (tests/staff_admin/mailserver.py): alert
mails at once and as a daily digest, over plain SMTP with a password, STARTTLS and SMTPS; retries when
the server refuses or is down, with the alert kept in the app; what a mail must never carry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from portal.kernel.settings import Settings
from staff_admin.alerts.models import Alert
from staff_admin.alerts.rules import check
from staff_admin.mail.cli import url_maker
from staff_admin.mail.outbox import deliver, queue_digests
from staff_admin.mail.smtp import Mailer
from staff_admin.models import OutboxMail
from tests.conftest import FakeClock
from tests.staff_admin.alert_world import give_email, grade_fell, low_ratings, open_case
from tests.staff_admin.casework import counter_for, rating
from tests.staff_admin.conftest import World
from tests.staff_admin.mailserver import MailServer, mail_server, tls_mail_server  # noqa: F401

SENDER = "portal@pemkot.example.go.id"


def _with_mail(settings: Settings, server: MailServer) -> Settings:
    return settings.with_(smtp_url=server.url, mail_from=SENDER)


@pytest.fixture
def mail_app(settings: Settings, clock: FakeClock, mail_server: MailServer) -> Iterator[Litestar]:  # noqa: F811
    yield create_app(_with_mail(settings, mail_server), clock=clock)


def _deliver(db: Session, settings: Settings, app: Litestar, server: MailServer, clock: FakeClock):
    mailed = _with_mail(settings, server)
    return deliver(db, mailed, Mailer(mailed, server.client_tls), url_maker(app, mailed), clock)


def test_it_mails_an_alert_at_once_with_a_link_and_nothing_the_recipient_cannot_see(
    db: Session,
    world: World,
    settings: Settings,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_app: Litestar,
) -> None:
    head = give_email(db, "head_a")
    counter = counter_for(db, world)
    secret_words = "Petugas kasar sekali, nomor saya 0812-555-777"
    on = rating(db, counter, None, clock() - timedelta(days=9), overall=1, comment=secret_words)
    open_case(db, on, date(2026, 2, 20), email="warga@example.com", phone="0812555777")
    check(db, _with_mail(settings, mail_server), clock())

    done = _deliver(db, settings, mail_app, mail_server, clock)

    assert (done.sent, done.retrying) == (1, 0)
    (mail,) = mail_server.inbox.to(head)
    body = mail.get_content()
    assert mail["From"] == SENDER and "Complaint case #1 is past its due date" in mail["Subject"]
    assert "http://127.0.0.1:8000/admin/complaints/1" in body
    assert "warga@example.com" not in body and "0812" not in body and "kasar" not in body
    assert db.scalar(select(OutboxMail.status)) == "sent"


def test_it_sends_over_starttls_and_smtps_with_a_password(
    db: Session,
    world: World,
    settings: Settings,
    clock: FakeClock,
    app: Litestar,
    tls_mail_server: MailServer,  # noqa: F811
) -> None:
    head = give_email(db, "head_a", language="id")
    grade_fell(db, world.unit_a, clock())
    check(db, _with_mail(settings, tls_mail_server), clock())

    done = _deliver(db, settings, app, tls_mail_server, clock)

    assert done.sent == 1
    (mail,) = tls_mail_server.inbox.to(head)
    assert "B" in mail["Subject"] and "C" in mail["Subject"]


def test_it_tries_a_refused_mail_again_later_and_never_loses_the_alert(
    db: Session,
    world: World,
    settings: Settings,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_app: Litestar,
) -> None:
    head = give_email(db, "head_a")
    low_ratings(db, counter_for(db, world), clock(), low=6)
    check(db, _with_mail(settings, mail_server), clock())
    mail_server.inbox.refuse = 2

    first = _deliver(db, settings, mail_app, mail_server, clock)
    too_soon = _deliver(db, settings, mail_app, mail_server, clock)
    clock.advance(minutes=1)
    second = _deliver(db, settings, mail_app, mail_server, clock)
    clock.advance(minutes=2)
    third = _deliver(db, settings, mail_app, mail_server, clock)

    assert (first.retrying, too_soon.sent + too_soon.retrying, second.retrying, third.sent) == (1, 0, 1, 1)
    row = db.scalar(select(OutboxMail))
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(mail_server.inbox.to(head)) == 1
    assert db.scalar(select(Alert.kind)) == "low_share"


def test_it_gives_a_mail_up_after_the_last_attempt_when_the_server_is_down(
    db: Session, world: World, settings: Settings, clock: FakeClock, app: Litestar
) -> None:
    give_email(db, "head_a")
    down = settings.with_(smtp_url="smtp://127.0.0.1:9", mail_from=SENDER, mail_max_attempts=2)
    low_ratings(db, counter_for(db, world), clock(), low=6)
    check(db, down, clock())

    first = deliver(db, down, Mailer(down), url_maker(app, down), clock)
    clock.advance(minutes=1)
    second = deliver(db, down, Mailer(down), url_maker(app, down), clock)

    assert (first.retrying, second.failed) == (1, 1)
    row = db.scalar(select(OutboxMail))
    assert row.status == "failed" and "Connection" in row.last_error
    assert db.scalar(select(Alert.kind)) == "low_share"  # still on the home page


def test_it_sends_one_daily_digest_of_the_new_alerts_and_nothing_when_nothing_happened(
    db: Session,
    world: World,
    settings: Settings,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_app: Litestar,
) -> None:
    hr = give_email(db, "hr", mode="digest")
    head_b = give_email(db, "head_b", mode="digest")
    grade_fell(db, world.unit_a, clock())
    counter = counter_for(db, world)
    open_case(db, rating(db, counter, None, clock() - timedelta(days=9), overall=1), date(2026, 2, 20))
    check(db, _with_mail(settings, mail_server), clock())
    assert db.scalars(select(OutboxMail)).all() == []  # nobody wants them at once
    clock.advance(hours=10)

    queued = queue_digests(db, clock())
    _deliver(db, settings, mail_app, mail_server, clock)
    clock.advance(days=1)
    queued_again = queue_digests(db, clock())

    assert (queued, queued_again) == (1, 0)
    (mail,) = mail_server.inbox.to(hr)
    body = mail.get_content()
    assert "Daily summary: 2 alerts" in mail["Subject"]
    assert "fell from grade B to C" in body and "Complaint case #1" in body
    assert mail_server.inbox.to(head_b) == []  # nothing in unit B


def test_it_cancels_a_mail_whose_reader_removed_their_address(
    db: Session,
    world: World,
    settings: Settings,
    clock: FakeClock,
    mail_server: MailServer,  # noqa: F811
    mail_app: Litestar,
) -> None:
    give_email(db, "head_a")
    grade_fell(db, world.unit_a, clock())
    check(db, _with_mail(settings, mail_server), clock())
    give_email(db, "head_a", mode="none")

    done = _deliver(db, settings, mail_app, mail_server, clock)

    assert (done.sent, done.cancelled) == (0, 1) and mail_server.inbox.messages == []
