"""`make run`'s demo through the real command line (`demo-data`, `demo-users`, `demo-casework`): on the
day it is loaded, recent periods are scored, the roster covers the coming weeks, and every to-do on
the unit head's and HR's home page shows a number."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import main
from portal.citizen.followup import ComplaintCase
from portal.kernel.models import DutyShift
from scoring.db.models import ScoringRun
from staff_admin.demo import CLOSED_MONTHS, demo_periods, months_before
from staff_admin.periods.models import ScoringPeriod
from staff_admin.review.models import Appeal
from staff_admin.targets.models import UnitTarget
from tests.conftest import FakeClock
from tests.staff_admin.conftest import csrf_token

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def cli_env(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)


def _sign_in(client: TestClient, username: str, password: str) -> TestClient:
    data = {"username": username, "password": password, "_csrf_token": csrf_token(client)}
    assert client.post("/admin/login", data=data, follow_redirects=False).status_code == 303
    return client


def _todo(client: TestClient) -> dict[str, int]:
    html = client.get("/admin", params={"lang": "en"}).text
    return {
        key: int(n) for key, n in re.findall(r'<li id="todo-(\w+)".*?class="todo-count">(\d+)<', html, re.S)
    }


def test_it_names_the_periods_relative_to_today() -> None:
    assert demo_periods(date(2026, 12, 7)) == (["2026-09", "2026-10", "2026-11", "2026-12"], "2026-Q3")
    assert demo_periods(date(2027, 1, 31)) == (["2026-10", "2026-11", "2026-12", "2027-01"], "2026-Q4")
    assert demo_periods(date(2026, 4, 1)) == (["2026-01", "2026-02", "2026-03", "2026-04"], "2026-Q1")
    assert months_before(date(2026, 3, 15), 3) == date(2025, 12, 1)


@pytest.mark.usefixtures("cli_env")
def test_it_loads_a_demo_that_shows_every_feature_on_the_day(
    db: Session, client: TestClient, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo-casework"]) == 2  # nothing to work on before the demo data and accounts
    assert main(["demo-data"]) == 0 and main(["demo-users"]) == 0
    logins = dict(re.findall(r"^\s+\S+\s+(\S+)\s+password: (\S+)", capsys.readouterr().out, re.MULTILINE))
    assert main(["demo-casework"]) == 0
    printed = capsys.readouterr().out

    today = datetime.now(JAKARTA).date()
    months, quarter = demo_periods(today)
    assert f"periods scored {', '.join(months)}" in printed
    runs = set(db.scalars(select(ScoringRun.period_label)))
    assert {months[-2], months[-1]} <= runs  # last month and this month so far
    periods = dict(db.execute(select(ScoringPeriod.label, ScoringPeriod.status)).tuples().all())
    closed = months[:CLOSED_MONTHS]  # the oldest months, closed so recognition and evidence sheets exist
    assert periods == {**dict.fromkeys(months, "scored"), **dict.fromkeys(closed, "closed"), quarter: "open"}
    assert f"closed {', '.join(closed)}" in printed
    assert db.scalar(select(func.count()).select_from(UnitTarget).where(UnitTarget.counter_id.is_(None))) > 0
    fortnight = datetime.combine(today + timedelta(days=14), datetime.min.time(), JAKARTA)
    covering = select(func.count()).where(DutyShift.ends_at > fortnight + timedelta(days=1))
    assert db.scalar(covering) > 0  # shifts on and after the day two weeks from now
    assert db.scalar(select(func.count()).select_from(Appeal).where(Appeal.status == "open")) == 1
    assert db.scalar(select(func.count()).where(ComplaintCase.status == "new")) > 0

    clock.set(datetime.now(UTC))  # the app's day is the day the demo was loaded
    head = _todo(_sign_in(client, "kepala.dukcapil", logins["kepala.dukcapil"]))
    client.cookies.clear()
    hr = _todo(_sign_in(client, "hr", logins["hr"]))
    assert set(head) == {"complaints_overdue", "complaints_new", "reviews", "appeals"}
    assert all(count > 0 for count in head.values()), head
    assert set(hr) == set(head) | {"periods_score", "periods_close"}
    assert all(count > 0 for count in hr.values()), hr
    assert hr["periods_close"] == len(months) - 1 - CLOSED_MONTHS  # the current month is still running
    recognition = client.get("/admin/recognition/?lang=en").text
    assert "(sustained)" in recognition and "technical training on the service" in recognition

    assert main(["demo-casework"]) == 0  # a second run changes nothing
    assert "periods scored none" in capsys.readouterr().out
    assert db.scalar(select(func.count()).select_from(ScoringPeriod)) == len(months) + 1
    assert db.scalar(select(func.count()).select_from(Appeal)) == 1
