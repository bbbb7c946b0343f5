"""`rating-portal demo-data --ratings N`: the demo city at size, through the real entry point."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import main
from portal.kernel.models import Counter, Rating
from portal.kernel.rollups import RatingRollup, RollupState


@pytest.fixture
def cli_env(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)


@pytest.mark.usefixtures("cli_env")
def test_it_loads_n_ratings_over_twelve_months_with_the_attacks(
    db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo-data", "--ratings", "25000"]) == 0
    assert "25000 ratings" in capsys.readouterr().out

    assert db.scalar(select(func.count(Rating.id))) == 25_000
    first, last = db.execute(select(func.min(Rating.submitted_at), func.max(Rating.submitted_at))).one()
    assert (last - first).days >= 360
    assert last.date() >= date.today() - timedelta(days=2)
    assert db.scalar(select(func.count(Counter.id))) == 15
    # the demo's attacks, twice (once per 10,000 ratings): bursts of 20 from one phone, night bots
    per_device = Tally(db.scalars(select(Rating.device_hash)))
    assert sum(1 for _, n in per_device.most_common(10) if n == 35) >= 2  # slow stuffing, 35 weekdays
    assert db.scalar(select(func.count()).where(Rating.form_seconds == 0.6)) == 60  # 2 x 30 bot ratings
    # ids rise with time, as ratings arriving one by one get them
    ids = db.execute(select(Rating.id, Rating.submitted_at).order_by(Rating.id)).all()
    assert all(a[1].date() <= b[1].date() + timedelta(days=1) for a, b in pairwise(ids))
    # the staff rollups are built and hold every rating
    assert db.scalar(select(func.sum(RatingRollup.n))) == 25_000
    assert db.get(RollupState, 1).through_id == db.scalar(select(func.max(Rating.id)))

    assert main(["demo-data", "--ratings", "1000"]) == 0
    assert "already loaded" in capsys.readouterr().out
