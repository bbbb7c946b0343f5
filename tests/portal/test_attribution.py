"""A rating goes to whoever was on duty at that counter when the citizen was served."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee, Rating
from tests import factories
from tests.conftest import FakeClock
from tests.portal.citizen import Citizen
from tests.portal.conftest import CLOSING, MORNING_START, NOON


@pytest.fixture
def counter(db: Session) -> Counter:
    return factories.counter(db, factories.unit(db), "Loket 1")


def rate_at(client: TestClient, counter: Counter, clock: FakeClock, moment: datetime) -> None:
    clock.set(moment)
    citizen = Citizen(client, counter.public_token)
    citizen.switch_phone()
    assert citizen.rate().status_code == 303


def last_rating(db: Session) -> Rating:
    db.expire_all()
    return db.scalars(select(Rating).order_by(Rating.id.desc())).first()


@pytest.mark.usefixtures("afternoon")
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MORNING_START, "Ani Wijaya"),  # a shift starts on its first second
        (NOON - timedelta(seconds=1), "Ani Wijaya"),
        (NOON, "Budi Santoso"),  # and ends just before its end: the next officer has it
        (CLOSING - timedelta(seconds=1), "Budi Santoso"),
    ],
)
def test_it_attributes_to_the_officer_whose_shift_covers_the_moment(
    client: TestClient, counter: Counter, morning: Employee, db: Session, clock: FakeClock, moment, expected
) -> None:
    rate_at(client, counter, clock, moment)
    rating = last_rating(db)
    assert db.get(Employee, rating.employee_id).name == expected
    assert rating.attribution == "roster"


@pytest.mark.usefixtures("morning")
@pytest.mark.parametrize("moment", [MORNING_START - timedelta(seconds=1), CLOSING + timedelta(hours=2)])
def test_it_leaves_a_rating_unattributed_when_nobody_is_on_duty(
    client: TestClient, counter: Counter, db: Session, clock: FakeClock, moment: datetime
) -> None:
    rate_at(client, counter, clock, moment)
    rating = last_rating(db)
    assert rating.employee_id is None
    assert rating.attribution == "none"
    assert rating.unit_id == counter.unit_id  # it still counts for the unit


@pytest.mark.usefixtures("afternoon")
def test_it_attributes_to_the_officer_shown_when_the_form_was_opened(
    client: TestClient, counter: Counter, db: Session, clock: FakeClock, morning: Employee
) -> None:
    clock.set(NOON - timedelta(seconds=20))
    citizen = Citizen(client, counter.public_token)
    page = client.get(f"/r/{counter.public_token}")
    assert "Ani Wijaya" in page.text
    form = citizen.open_form()
    clock.set(NOON + timedelta(seconds=25))  # submitted after the handover
    assert citizen.submit(form, overall="4").status_code == 303
    assert last_rating(db).employee_id == morning.id


def test_it_shows_nobody_when_the_counter_is_unstaffed(client: TestClient, counter: Counter) -> None:
    page = client.get(f"/r/{counter.public_token}")
    assert "Dilayani oleh" not in page.text


def test_it_ignores_shifts_at_other_counters(
    client: TestClient, counter: Counter, db: Session, clock: FakeClock
) -> None:
    elsewhere = factories.counter(db, counter.unit, "Loket 9")
    factories.shift(db, factories.employee(db, counter.unit, "Citra"), elsewhere, MORNING_START, CLOSING)
    rate_at(client, counter, clock, MORNING_START + timedelta(hours=1))
    assert last_rating(db).employee_id is None
