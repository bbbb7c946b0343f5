"""Dates far from now (the year 1, the year 9999) are refused with a message naming the field, never
a server error (issue 21, item 3): the roster week, a shift typed or imported, the ratings filters and
export, the dashboard, and periods, whether new or created before the bound."""

from __future__ import annotations

from datetime import date

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import DutyShift
from staff_admin.periods.models import ScoringPeriod
from tests import factories
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.test_masterdata_roster import post, shift_form, upload

FAR_DAYS = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"]
RANGE = "between 2000-01-01 and 2099-12-31"


def shifts(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(DutyShift))


@pytest.mark.parametrize("day", FAR_DAYS)
def test_it_refuses_a_roster_week_far_from_now_naming_the_week(
    client: TestClient, db: Session, world: World, day: str
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    response = client.get(f"/admin/roster/?counter={counter.id}&week={day}&lang=en")
    assert response.status_code == 400
    assert f"Week of: Write a date {RANGE}." in response.text
    assert client.get(f"/admin/roster/?counter={counter.id}&week=2099-12-31").status_code == 200


@pytest.mark.parametrize("day", FAR_DAYS)
def test_it_refuses_a_shift_on_a_day_far_from_now_naming_the_date(
    client: TestClient, db: Session, world: World, day: str
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    response = post(
        client, "/admin/roster/shifts", shift_form(counter.id, world.officer.id, "08:00", "12:00", day)
    )
    assert response.status_code == 422
    assert 'id="f-date"' in response.text and f"Write a date {RANGE}." in response.text
    assert shifts(db) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_it_refuses_an_imported_shift_on_a_day_far_from_now_naming_the_cell(
    client: TestClient, db: Session, world: World, day: str
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    content = f"counter_id,nip,date,start,end\n{counter.id},{world.officer.nip},{day},08:00,12:00\n"
    response = upload(client, content)
    assert response.status_code == 422
    assert f"Row 2, column <code>date</code>: Write a date {RANGE}." in response.text
    assert shifts(db) == 0


@pytest.mark.parametrize("period", ["0001", "9999", "0001-01..9999-12", "2026-01..9999-12-31", "1999-Q4"])
@pytest.mark.parametrize("path", ["/admin/ratings", "/admin/ratings/export.csv", "/admin/dashboard"])
def test_it_refuses_a_period_filter_far_from_now_naming_the_period(
    client: TestClient, world: World, path: str, period: str
) -> None:
    signed_in(client, "head_a")
    response = client.get(path, params={"period": period, "lang": "en"})
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "is not a period between 2000 and 2099." in response.text


@pytest.mark.parametrize("period", ["0001..9999", "9999", "0001-01-01", "2026-01..2100-01"])
def test_it_refuses_to_create_a_period_far_from_now(
    client: TestClient, db: Session, world: World, period: str
) -> None:
    signed_in(client, "hr")
    token = csrf_token(client, "/admin/periods/")
    response = client.post("/admin/periods/?lang=en", data={"_csrf_token": token, "period": period})
    assert response.status_code == 422
    assert 'id="f-period"' in response.text and "is not a period between 2000 and 2099." in response.text
    assert db.scalar(select(func.count()).select_from(ScoringPeriod)) == 0


def test_it_refuses_to_score_a_period_created_before_the_bound(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    period = ScoringPeriod(
        key="0001-01-01..9999-12-31",
        label="0001..9999",
        start_date=date(1, 1, 1),
        end_date=date(9999, 12, 31),
        status="open",
        created_at=clock(),
    )
    db.add(period)
    db.commit()
    signed_in(client, "hr")
    token = csrf_token(client, "/admin/periods/")
    response = client.post(f"/admin/periods/{period.id}/score?lang=en", data={"_csrf_token": token})
    assert response.status_code == 422
    assert "“0001..9999” is not a period between 2000 and 2099." in response.text
    db.expire_all()
    assert db.get(ScoringPeriod, period.id).status == "open"
