"""`rating-portal alerts`, `digest` and `create-user --email` through the real CLI entry point, with
a real SMTP server (STARTTLS, its certificate trusted through SSL_CERT_FILE as an operator would)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import app as app_module
from portal.kernel.settings import Settings
from staff_admin.models import User
from tests.conftest import TEST_SECRET, FakeClock
from tests.staff_admin.alert_world import give_email, grade_fell, low_ratings
from tests.staff_admin.casework import counter_for
from tests.staff_admin.conftest import World
from tests.staff_admin.mailserver import MailServer, start


@pytest.fixture
def starttls_server(tmp_path: Path):
    controller, server = start("smtp+starttls", tmp_path)
    yield server
    controller.stop()


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))


def _with_server(monkeypatch: pytest.MonkeyPatch, server: MailServer) -> None:
    monkeypatch.setenv("SMTP_URL", server.url)
    monkeypatch.setenv("MAIL_FROM", "portal@pemkot.example.go.id")
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))


def test_it_finds_alerts_and_mails_them_then_finds_nothing_new(
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    db: Session,
    world: World,
    clock: FakeClock,
    starttls_server: MailServer,
    capsys,
) -> None:
    _with_server(monkeypatch, starttls_server)
    head = give_email(db, "head_a")
    low_ratings(db, counter_for(db, world), _now(), low=6)

    assert app_module.main(["alerts"]) == 0
    first = capsys.readouterr().out
    assert app_module.main(["alerts"]) == 0
    second = capsys.readouterr().out

    assert "alerts: 1 new (low_share 1)" in first and "mail: 1 sent" in first
    assert "alerts: 0 new" in second and "mail: 0 sent" in second
    assert len(starttls_server.inbox.to(head)) == 1


def test_it_keeps_alerts_in_the_app_without_smtp(
    cli_env: None, db: Session, world: World, clock: FakeClock, capsys
) -> None:
    low_ratings(db, counter_for(db, world), _now(), low=6)

    assert app_module.main(["alerts"]) == 0
    assert app_module.main(["digest"]) == 0

    out = capsys.readouterr().out
    assert "alerts: 1 new" in out and "SMTP_URL is not set" in out


def test_it_sends_the_digest(
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    db: Session,
    world: World,
    clock: FakeClock,
    starttls_server: MailServer,
    capsys,
) -> None:
    _with_server(monkeypatch, starttls_server)
    hr = give_email(db, "hr", mode="digest")
    grade_fell(db, world.unit_a, _now())
    app_module.main(["alerts"])

    assert app_module.main(["digest"]) == 0

    assert "digest: 1 summary mail(s) queued" in capsys.readouterr().out
    assert "Daily summary: 1 alerts" in starttls_server.inbox.to(hr)[0]["Subject"]


def test_it_refuses_a_bad_smtp_url_naming_the_variable_not_the_password(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("SMTP_URL", "imap://user:hunter2hunter2@mail.example")
    with pytest.raises(SystemExit):
        app_module.main(["alerts"])

    err = capsys.readouterr().err
    assert "SMTP_URL" in err and "hunter2" not in err


def test_it_creates_a_user_with_an_address(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, db: Session, world: World
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    argv = ["create-user", "--username", "hr2", "--role", "hr", "--email", "hr2@pemkot.example.go.id"]

    assert app_module.main([*argv, "--password-stdin"]) == 0
    assert db.scalar(select(User.email).where(User.username == "hr2")) == "hr2@pemkot.example.go.id"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    bad = ["create-user", "--username", "hr3", "--role", "hr", "--email", "nope", "--password-stdin"]
    assert app_module.main(bad) == 2


def _now():
    """The CLI runs on the real clock: the ratings are made just now."""
    from datetime import UTC, datetime

    return datetime.now(UTC) - timedelta(minutes=1)
