"""`rating-portal create-user` and `demo-users` through the real CLI entry point."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import app as app_module
from portal.kernel.models import Unit
from portal.kernel.settings import Settings
from staff_admin.models import AuditEntry, User
from staff_admin.users import ensure_first_admin
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.staff_admin.conftest import sign_in


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))


def _run(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return app_module.main(argv)


def test_it_creates_a_unit_head_who_can_then_sign_in(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, db: Session, client: TestClient, capsys
) -> None:
    unit = factories.unit(db, "Dinas Kependudukan")
    argv = ["create-user", "--username", "Kepala.Dukcapil", "--role", "unit_head", "--unit", unit.code]

    code = _run(
        monkeypatch, [*argv, "--display-name", "Ibu Kepala", "--password-stdin"], "a long passphrase\n"
    )

    assert code == 0
    assert "kepala.dukcapil" in capsys.readouterr().out
    user = db.scalar(select(User).where(User.username == "kepala.dukcapil"))
    assert (user.role, user.unit_id, user.display_name) == ("unit_head", unit.id, "Ibu Kepala")
    assert "a long passphrase" not in user.password_hash and user.password_hash.startswith("$argon2id$")
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))) == "user.create"
    assert sign_in(client, "kepala.dukcapil", "a long passphrase").status_code == 303


def test_it_links_an_officer_to_their_employee_record(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, db: Session
) -> None:
    employee = factories.employee(db, factories.unit(db), name="Sari Lestari")

    code = _run(
        monkeypatch,
        ["create-user", "--username", "sari", "--role", "officer", "--nip", employee.nip, "--password-stdin"],
        "another long one\n",
    )

    assert code == 0
    user = db.scalar(select(User).where(User.username == "sari"))
    assert (user.employee_id, user.display_name) == (employee.id, "Sari Lestari")


@pytest.mark.parametrize(
    ("extra", "stdin", "message"),
    [
        (["--role", "unit_head"], "long enough pw\n", "needs --unit"),
        (["--role", "unit_head", "--unit", "NOPE"], "long enough pw\n", "no unit with code"),
        (["--role", "officer"], "long enough pw\n", "needs --nip"),
        (["--role", "admin"], "short\n", "at least 10 characters"),
        (["--role", "hr", "--unit", "X"], "long enough pw\n", "only for unit heads"),
        (["--role", "hr", "--display-name", "Ibu\x0bHR"], "long enough pw\n", "no control characters"),
    ],
)
def test_it_refuses_incomplete_accounts_with_a_clear_message(
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    db: Session,
    capsys,
    extra: list[str],
    stdin: str,
    message: str,
) -> None:
    code = _run(monkeypatch, ["create-user", "--username", "someone", *extra, "--password-stdin"], stdin)

    assert code == 2
    assert message in capsys.readouterr().err
    assert db.scalars(select(User)).all() == []


def test_it_refuses_a_taken_username(cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    argv = ["create-user", "--username", "hr", "--role", "hr", "--password-stdin"]
    assert _run(monkeypatch, argv, "long enough pw\n") == 0

    assert _run(monkeypatch, argv, "long enough pw\n") == 2
    assert "taken" in capsys.readouterr().err


def test_it_never_takes_a_password_on_the_command_line(
    cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        _run(monkeypatch, ["create-user", "--username", "x1", "--role", "admin", "--password", "secret12345"])


def test_it_prompts_for_the_password_twice(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, db: Session
) -> None:
    answers = iter(["typed twice here", "typed twice here"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    assert _run(monkeypatch, ["create-user", "--username", "boss", "--role", "admin"]) == 0
    assert db.scalar(select(User.role).where(User.username == "boss")) == "admin"


def test_it_prints_a_first_run_admin_and_demo_logins_once(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, db: Session, client: TestClient, capsys
) -> None:
    dukcapil = Unit(code="DUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil")
    db.add(dukcapil)
    db.commit()
    factories.employee(db, dukcapil, name="Petugas Demo")

    assert _run(monkeypatch, ["demo-users"]) == 0
    first = capsys.readouterr().out
    assert _run(monkeypatch, ["demo-users"]) == 0
    second = capsys.readouterr().out

    logins = {
        line.split()[1]: line.split("password: ")[1].split()[0]
        for line in first.splitlines()
        if "password:" in line
    }
    assert set(logins) == {"admin", "hr", "kepala.dukcapil", "petugas"}
    assert "unchanged" in second and logins["admin"] not in second
    assert sign_in(client, "admin", logins["admin"]).status_code == 303
    assert db.scalar(select(User.unit_id).where(User.username == "kepala.dukcapil")) == dukcapil.id


def test_it_creates_no_first_admin_when_accounts_exist(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, db: Session, clock: FakeClock
) -> None:
    _run(
        monkeypatch,
        ["create-user", "--username", "hr", "--role", "hr", "--password-stdin"],
        "long enough pw\n",
    )

    assert ensure_first_admin(db, clock()) is None
    assert db.scalars(select(User.username)).all() == ["hr"]
