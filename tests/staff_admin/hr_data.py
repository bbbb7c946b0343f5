"""Ratings for the persona world: 45 honest ratings of the officer in A plus a burst of 8 from one
phone (excluded), and 3 ratings of the colleague in B (too few: insufficient)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Counter, Employee, Rating
from tests import factories
from tests.staff_admin.conftest import World

MONDAY_9_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def add_rating(
    db: Session,
    counter: Counter,
    officer: Employee,
    at: datetime,
    overall: int,
    device: str,
    *,
    u6: int | None = None,
    u7: int | None = None,
    network: str = "carrier",
) -> None:
    """A rating whose every answer is `overall` but U6 and U7 when given."""
    answers = {code: overall for code in SKM_ELEMENTS} | {"u6": u6 or overall, "u7": u7 or overall}
    db.add(
        Rating(
            submission_key=f"k{device}{at.timestamp()}",
            counter_id=counter.id,
            unit_id=counter.unit_id,
            employee_id=officer.id,
            attribution="roster",
            channel="poster",
            submitted_at=at,
            overall=overall,
            **answers,
            form_seconds=25.0,
            device_hash=device,
            network_hash=network,
            language="id",
        )
    )


def march_ratings(db: Session, world: World) -> tuple[Counter, Counter]:
    counter_a = factories.counter(db, world.unit_a, "Loket A")
    counter_b = factories.counter(db, world.unit_b, "Loket B")
    for day in range(15):
        for k in range(3):
            at = MONDAY_9_WIB + timedelta(days=day, hours=k)
            add_rating(db, counter_a, world.officer, at, 3 if (day + k) % 4 else 2, f"citizen-{day}-{k}")
    for k in range(8):
        add_rating(db, counter_a, world.officer, MONDAY_9_WIB + timedelta(days=16, minutes=k), 4, "stuffer")
    for k in range(3):
        add_rating(db, counter_b, world.colleague, MONDAY_9_WIB + timedelta(days=k), 4, f"b-{k}")
    db.commit()
    return counter_a, counter_b


def more_march_ratings(db: Session, counter: Counter, officer: Employee, n: int = 20) -> None:
    for k in range(n):
        add_rating(
            db, counter, officer, MONDAY_9_WIB + timedelta(days=20, hours=k % 6, minutes=k), 1, f"late-{k}"
        )
    db.commit()
