"""Ratings in the persona world, scored by the real scoring shell, for the dashboard, ratings browser
and public page tests. Numbers are chosen so the expected figures can be worked out by hand:

Dinas Alpha (A), March 2026: 40 honest ratings for Sari, every answer 4 on every third rating and 3
otherwise (14 x 4, 26 x 3: NRR 3.35 on each element, IKM 83.75, grade B), plus 8 ratings from one phone
within 8 minutes (all 4s), which the detector excludes as a burst. February: 3 ratings of all 4s
(IKM 100.00). Seksi Alpha Satu (A1, a counter in UTC+8): 4 ratings of all 4s for Zebulon. Dinas Beta (B):
5 ratings of all 2s for Budi (IKM 50.00, grade D, too few for a score).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Counter, Employee, Rating
from portal.kernel.settings import Settings
from scoring.db.cli import scoring_params
from scoring.db.store import RunSummary, score_period
from scoring.periods import parse_period
from tests import factories
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World

MONDAY_9_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DISTINCTIVE_OFFICER = "Zebulon Kartawinata"
SCRIPT_COMMENT = "<script>alert('x')</script> pelayanan lambat"
FORMULA_COMMENT = '=HYPERLINK("http://example.invalid")'
_keys = itertools.count(1)


@dataclass
class Rated:
    counter_a: Counter
    counter_a1: Counter
    counter_b: Counter
    zebulon: Employee


def add_rating(
    db: Session,
    counter: Counter,
    officer: Employee | None,
    at: datetime,
    answer: int,
    device: str,
    **fields: object,
) -> Rating:
    rating = Rating(
        submission_key=f"dash-{next(_keys)}",
        counter_id=counter.id,
        unit_id=counter.unit_id,
        employee_id=officer.id if officer else None,
        attribution="roster" if officer else "none",
        channel=fields.pop("channel", "poster"),
        submitted_at=at,
        overall=answer,
        **dict.fromkeys(SKM_ELEMENTS, answer),
        form_seconds=25.0,
        device_hash=device,
        network_hash="carrier",
        language="id",
        **fields,
    )
    db.add(rating)
    return rating


def rate(db: Session, world: World) -> Rated:
    counter_a = factories.counter(db, world.unit_a, "Loket Alpha")
    counter_a1 = factories.counter(db, world.unit_a1, "Loket Alpha Satu", timezone="Asia/Makassar")
    counter_b = factories.counter(db, world.unit_b, "Loket Beta")
    zebulon = factories.employee(db, world.unit_a1, name=DISTINCTIVE_OFFICER)
    for index in range(40):
        day, hour = divmod(index, 4)
        fields: dict[str, object] = {}
        if index == 1:
            fields["comment"] = SCRIPT_COMMENT
        if index == 2:
            fields["comment"] = FORMULA_COMMENT
        if index % 10 == 5:
            fields["channel"] = "kiosk"
        at = MONDAY_9_WIB + timedelta(days=day, hours=hour)
        add_rating(db, counter_a, world.officer, at, 4 if index % 3 == 0 else 3, f"citizen-{index}", **fields)
    for minute in range(8):
        at = MONDAY_9_WIB + timedelta(days=16, minutes=minute)
        add_rating(db, counter_a, world.officer, at, 4, "stuffer")
    for day in range(3):
        at = MONDAY_9_WIB - timedelta(days=20 - day)
        add_rating(db, counter_a, world.officer, at, 4, f"february-{day}")
    for day in range(4):
        at = MONDAY_9_WIB + timedelta(days=day, hours=1)  # 10:00 in UTC+8
        add_rating(db, counter_a1, zebulon, at, 4, f"alpha-satu-{day}")
    for day in range(5):
        add_rating(db, counter_b, world.colleague, MONDAY_9_WIB + timedelta(days=day), 2, f"beta-{day}")
    db.commit()
    return Rated(counter_a, counter_a1, counter_b, zebulon)


def score(db: Session, settings: Settings, clock: FakeClock, period: str = "2026-03") -> RunSummary:
    return score_period(db, parse_period(period), scoring_params(settings), settings.period_timezone, clock)
