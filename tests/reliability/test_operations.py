"""Operations: backup and restore, the health endpoint, the access and error logs, retention."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import app as application
from portal.citizen.followup import ComplaintCase, ContactDetails
from portal.kernel.db import Base, make_engine, make_sessionmaker
from portal.kernel.models import RateLimitHit, Rating
from portal.kernel.settings import Settings, SettingsError
from portal.ops import migrate
from portal.ops.accesslog import AccessLog, Timestamps
from staff_admin import retention
from staff_admin.models import AuditEntry
from tests import factories, live_server
from tests.conftest import FakeClock
from tests.staff_admin.casework import rating as stored_rating

# --- backup and restore -------------------------------------------------------------------------------


def everything(url: str) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    engine = make_engine(url)
    with engine.connect() as conn:
        dump = {
            table.name: sorted(map(repr, conn.execute(select(table)).all()))
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return dump


def world_with_ratings(url: str, n: int) -> None:
    engine = make_engine(url)
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with make_sessionmaker(engine)() as db:
        counter = factories.counter(db, factories.unit(db))
        officer = factories.employee(db, counter.unit)
        for i in range(n):
            stored_rating(db, counter, officer, now + timedelta(minutes=i), comment=f"rating {i}")
    engine.dispose()


def cli(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", live_server.SECRET)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    return application.main(list(argv))


def test_backup_and_restore_bring_back_exactly_the_backed_up_data(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate.upgrade(fresh_url)
    world_with_ratings(fresh_url, 25)
    saved = everything(fresh_url)
    out = tmp_path / "backup.dump"

    assert cli(monkeypatch, fresh_url, tmp_path, "backup", "--out", str(out)) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # hashes and contact details inside
    assert cli(monkeypatch, fresh_url, tmp_path, "backup", "--out", str(out)) == 2  # no silent overwrite
    assert "exists" in capsys.readouterr().err

    engine = make_engine(fresh_url)  # the day goes on: more ratings, a deletion, a changed flag
    with make_sessionmaker(engine)() as db:
        db.execute(text("UPDATE ratings SET excluded = true, reasons = 'burst' WHERE id = 1"))
        db.execute(text("DELETE FROM ratings WHERE id = 2"))
        db.commit()
    engine.dispose()
    world_with_ratings(fresh_url, 3)
    assert everything(fresh_url) != saved

    in_use = make_engine(fresh_url)  # a server holding connections open
    with in_use.connect() as conn:
        conn.execute(select(func.count()).select_from(Rating)).scalar_one()
        assert cli(monkeypatch, fresh_url, tmp_path, "restore", str(out)) == 2
    assert "in use" in capsys.readouterr().err
    in_use.dispose()

    assert cli(monkeypatch, fresh_url, tmp_path, "restore", str(out)) == 0
    assert everything(fresh_url) == saved
    printed = capsys.readouterr().out
    assert "restored" in printed
    if fresh_url.startswith("sqlite"):
        kept = next(tmp_path.glob("portal.db.before-restore-*"))  # the replaced database is kept
        assert everything(f"sqlite:///{kept}")["ratings"] != saved["ratings"]


def test_restore_refuses_a_file_that_is_not_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    migrate.upgrade(url)
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)

    assert cli(monkeypatch, url, tmp_path, "restore", str(tmp_path / "junk.db")) == 2
    assert "not a readable SQLite database" in capsys.readouterr().err
    assert cli(monkeypatch, url, tmp_path, "restore", str(tmp_path / "missing.db")) == 2


# --- health -----------------------------------------------------------------------------------------------


def test_health_answers_ok_with_a_reachable_database(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "unreachable",
    ["sqlite:////nonexistent-directory/portal.db", "postgresql+psycopg://nobody@127.0.0.1:1/nothing"],
    ids=["sqlite", "postgresql"],
)
def test_health_answers_503_when_the_database_is_unreachable(
    settings: Settings, clock: FakeClock, unreachable: str
) -> None:
    app = application.create_app(settings.with_(database_url=unreachable), clock=clock)
    with TestClient(app) as client:
        response = client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


# --- access and error logs ---------------------------------------------------------------------------------


def log_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith('{"time"')]


def test_the_access_log_has_routes_not_paths_and_nothing_personal(
    client: TestClient, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    token = factories.counter(db, factories.unit(db)).public_token
    headers = {"X-Forwarded-For": "203.0.113.77", "User-Agent": "Secret-Phone/1.0"}
    capsys.readouterr()

    rescan = client.get(f"/r/{token}", params={"lang": "en", "k": "not-a-kiosk-code"}, headers=headers)
    page = client.get(f"/r/{token}", headers=headers)
    form = live_server.FORM_TOKEN.search(page.content).group(1).decode()
    data = {"form_token": form, "overall": "4", "comment": "Petugas ramah sekali"}
    posted = client.post(f"/r/{token}", data=data, headers=headers, follow_redirects=False)
    client.get("/t/forged-ticket-token-123456", headers=headers)
    client.get("/no/such/page", params={"secret": "query-value"})

    assert (rescan.status_code, posted.status_code) == (410, 303)
    err = capsys.readouterr().err
    entries = [e for e in log_lines(err) if e["log"] == "access"]
    assert [(e["method"], e["route"], e["name"], e["status"]) for e in entries] == [
        ("GET", "/r/{token}", "portal:rate", 410),
        ("GET", "/r/{token}", "portal:rate", 200),
        ("POST", "/r/{token}", "portal:submit", 303),
        ("GET", "/t/{token}", "portal:ticket", 404),
        ("GET", None, None, 404),
    ]
    for entry in entries:
        assert set(entry) == {"time", "log", "method", "route", "name", "status", "duration_ms", "pid"}
        assert entry["duration_ms"] >= 0 and entry["time"].endswith("Z")
    device = client.cookies.get("rp_device")
    for secret in (token, device, form, "203.0.113", "testclient", "Secret-Phone", "forged-ticket"):
        assert secret and secret not in err
    assert "query-value" not in err and "Petugas ramah" not in err and "not-a-kiosk-code" not in err


@given(st.lists(st.integers(min_value=0, max_value=2**62), min_size=1, max_size=20))
def test_it_writes_each_lines_time_as_the_datetime_module_would(moments: list[int]) -> None:
    """The date and time of day are kept for a second; whatever order the moments come in, every
    line still carries its own time (ISO 8601, UTC, milliseconds truncated)."""
    stamp = Timestamps()
    for ns in sorted(moments) + moments:
        expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
        iso = expected.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert stamp(ns) == iso


def test_it_writes_the_access_lines_of_overlapping_requests_together(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Under load a write per line cost more than a small request: lines wait while other requests are
    in flight and go out together when the process is idle (or the buffer is full or a second old)."""
    release = asyncio.Event()

    async def app(scope, _receive, send) -> None:
        if scope["path_template"] == "/slow":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    access_log = AccessLog(app)

    async def call(route: str) -> None:
        scope = {"type": "http", "method": "GET", "path_template": route}
        await access_log(scope, None, _ignore)  # type: ignore[arg-type]

    async def scenario() -> tuple[str, str]:
        slow = asyncio.ensure_future(call("/slow"))
        await asyncio.sleep(0)  # /slow is in flight
        await call("/fast")
        held = capsys.readouterr().err
        release.set()
        await slow
        return held, capsys.readouterr().err

    capsys.readouterr()
    held, written = asyncio.run(scenario())

    assert held == ""
    assert [e["route"] for e in log_lines(written)] == ["/fast", "/slow"]
    assert written.count("\n") == 2


async def _ignore(_message) -> None:
    return None


def test_an_error_is_logged_as_json_without_the_request_or_the_data(
    client: TestClient, db: Session, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = factories.counter(db, factories.unit(db))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("portal.citizen.service.counter_page_until", broken)
    capsys.readouterr()
    response = client.get(f"/r/{counter.public_token}", headers={"X-Forwarded-For": "198.51.100.9"})

    assert response.status_code == 500
    err = capsys.readouterr().err
    errors = [e for e in log_lines(err) if e["log"] == "error"]
    assert len(errors) == 1
    assert errors[0]["level"] == "ERROR" and errors[0]["exception"] == "RuntimeError"
    assert "Traceback" in errors[0]["traceback"]
    assert counter.public_token not in err and "198.51.100" not in err


def test_an_unhandled_error_writes_json_lines_only(
    settings: Settings, clock: FakeClock, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Issue 21, item 13: the traceback is inside the error line, not printed again as text."""
    unmigrated = settings.with_(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(application.create_app(unmigrated, clock=clock)) as client:
        client.cookies.set("rp_staff", "some-session")
        capfd.readouterr()
        response = client.get("/admin/")

    assert response.status_code == 500
    lines = capfd.readouterr().err.splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    errors = [e for e in entries if e["log"] == "error"]
    assert len(errors) == 1 and errors[0]["exception"] == "OperationalError"
    assert "Traceback" in errors[0]["traceback"]
    assert [e["status"] for e in entries if e["log"] == "access"] == [500]


def test_the_server_writes_json_lines_only(tmp_path: Path) -> None:
    """uvicorn's own lines too, as `serve` and the live tests start it; an error's traceback stays in its
    line. (An unmigrated database: the staff home fails on its first query.)"""
    port, log = live_server.free_port(), tmp_path / "server.log"
    env = live_server.portal_env(f"sqlite:///{tmp_path / 'empty.db'}", port, tmp_path)
    with live_server.server(live_server.portal_command(port, workers=1), env, port, "/admin/login", log):
        response = httpx.get(f"http://127.0.0.1:{port}/admin/", headers={"Cookie": "rp_staff=x"}, timeout=10)
    assert response.status_code == 500

    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert {e["log"] for e in entries} == {"server", "access", "error"}
    errors = [e for e in entries if e["log"] == "error"]
    assert len(errors) == 1 and "Traceback" in errors[0]["traceback"]
    assert any("Uvicorn running" in e["message"] for e in entries if e["log"] == "server")


def test_a_failed_statement_does_not_log_its_values(engine: Engine) -> None:
    insert = text("INSERT INTO units (id, code, name) VALUES (1, :code, :name)")
    with pytest.raises(IntegrityError) as failure, engine.connect() as conn:
        conn.execute(insert, {"code": "X", "name": "n"})
        conn.execute(insert, {"code": "Y", "name": "secret-name"})
    assert "secret-name" not in str(failure.value)


def test_the_access_log_can_be_switched_off() -> None:
    base = {"SECRET_KEY": live_server.SECRET, "DATABASE_URL": "sqlite://"}
    assert Settings.from_env(base).access_log is True
    assert Settings.from_env(base | {"ACCESS_LOG": "off"}).access_log is False
    with pytest.raises(SettingsError, match="ACCESS_LOG"):
        Settings.from_env(base | {"ACCESS_LOG": "maybe"})
    assert Settings.from_env(base).hash_retention_days == 400
    with pytest.raises(SettingsError, match="HASH_RETENTION_DAYS"):
        Settings.from_env(base | {"HASH_RETENTION_DAYS": "0"})


# --- retention ----------------------------------------------------------------------------------------------


def test_retention_removes_old_hashes_and_contact_details_and_audits_it(
    db: Session, settings: Settings, clock: FakeClock
) -> None:
    now = clock()
    counter = factories.counter(db, factories.unit(db))
    old_enough = now - timedelta(days=settings.hash_retention_days, minutes=1)
    keep = now - timedelta(days=settings.hash_retention_days - 1)
    old = [stored_rating(db, counter, None, old_enough, device=f"dev-{i}", network="net") for i in range(3)]
    recent = stored_rating(db, counter, None, keep, device="dev-new", network="net-new")
    case = ComplaintCase(
        rating_id=old[0].id,
        unit_id=counter.unit_id,
        reply_requested=True,
        status="resolved",
        opened_at=now - timedelta(days=200),
        due_on=date(2025, 8, 20),
        closed_at=now - timedelta(days=settings.contact_retention_days + 1),
    )
    db.add(case)
    db.flush()
    db.add(ContactDetails(case_id=case.id, phone="0812345678", consented_at=case.opened_at))
    db.add(RateLimitHit(key="submit:old-network", window_start=int(now.timestamp()) // 60 - 2 * 1440, hits=3))
    db.add(RateLimitHit(key="submit:this-minute", window_start=int(now.timestamp()) // 60, hits=1))
    db.commit()

    assert retention._retention(None, settings, clock) == 0

    db.expire_all()
    hashes = dict(db.execute(select(Rating.id, Rating.device_hash)).all())
    assert [hashes[r.id] for r in old] == [None, None, None]
    assert db.scalar(select(func.count()).where(Rating.network_hash.is_not(None))) == 1
    assert hashes[recent.id] == "dev-new"
    assert db.scalar(select(func.count()).select_from(Rating)) == 4, "ratings stay; only hashes go"
    assert db.scalars(select(ContactDetails)).all() == []
    assert db.scalars(select(RateLimitHit.key)).all() == ["submit:this-minute"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "rating.purge_hashes"))
    assert entry.actor_user_id is None and entry.before == {"ratings_with_hashes": 3}
    assert "dev-" not in json.dumps([entry.before, entry.after, entry.note])
    assert db.scalar(select(func.count()).where(AuditEntry.action == "contact.purge")) == 1

    retention._retention(None, settings, clock)  # nothing left to do: nothing more audited
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_retention_command_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        application.main(["--help"])
    listed = capsys.readouterr().out
    assert all(name in listed for name in ("retention", "backup", "restore"))
