"""The real `rating-portal` entry point against a real database."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import main
from portal.kernel.models import Counter, DutyShift, Employee, Rating, Unit
from portal.kernel.nip import is_valid_nip


def _weekday_morning(day: date) -> datetime:
    """10:00 in Jakarta on `day`, or on the Monday after it when it falls on a weekend."""
    while day.weekday() > 4:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def cli_env(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)


@pytest.mark.usefixtures("cli_env")
def test_it_loads_realistic_demo_data_once(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0  # already at head: a no-op
    assert main(["demo-data"]) == 0
    assert "demo data loaded" in capsys.readouterr().out

    units = db.scalar(select(func.count(Unit.id)))
    nested = db.scalar(select(func.count(Unit.id)).where(Unit.parent_id.is_not(None)))
    counters = db.scalar(select(func.count(Counter.id)))
    nips = list(db.scalars(select(Employee.nip)))
    ratings = db.scalar(select(func.count(Rating.id)))
    assert units >= 5 and nested >= 5 and counters >= 15
    assert len(nips) >= 40 and all(is_valid_nip(nip) for nip in nips)
    assert db.scalar(select(func.count(DutyShift.id))) > 1000
    first, last = db.execute(select(func.min(Rating.submitted_at), func.max(Rating.submitted_at))).one()
    assert (last - first).days >= 170
    assert ratings > 5000
    # the obvious attacks are in there: a burst from one device, and a night-time bot
    per_device = Tally(db.scalars(select(Rating.device_hash)))
    assert per_device.most_common(1)[0][1] >= 20
    assert db.scalar(select(func.count(Rating.id)).where(Rating.outside_hours.is_(True))) >= 30

    # Dated from the day it is loaded: the roster names an officer at every counter two weeks ahead.
    assert last.date() >= date.today() - timedelta(days=2)
    ahead = _weekday_morning(date.today() + timedelta(days=14))
    on_duty = db.scalars(
        select(DutyShift.counter_id).where(DutyShift.starts_at <= ahead, DutyShift.ends_at > ahead)
    ).all()
    assert set(on_duty) == set(db.scalars(select(Counter.id)))

    assert main(["demo-data"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert db.scalar(select(func.count(Rating.id))) == ratings


def test_it_refuses_to_start_with_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SystemExit) as exit_info:
        main(["db", "upgrade"])
    assert exit_info.value.code == 2
