"""A counter's page is kept a few seconds per worker (kept_pages): it must never show an officer
other than the one a rating from that form is attributed to, and edits made in this process show at once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen.kept_pages import CounterPages, PageRead
from portal.citizen.service import CounterPage
from portal.kernel.models import Counter, Employee, Rating
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import FakeClock
from tests.portal.citizen import Citizen
from tests.portal.conftest import CLOSING, MORNING_START, NOON


@pytest.fixture
def counter(db: Session) -> Counter:
    return factories.counter(db, factories.unit(db), "Loket 1")


def page_text(client: TestClient, counter: Counter) -> str:
    answer = client.get(f"/r/{counter.public_token}")
    assert answer.status_code == 200
    return answer.text


def rename_elsewhere(db: Session, counter: Counter, name: str) -> None:
    """A change as another worker process makes it: this process's ORM sessions never see it."""
    with db.get_bind().begin() as connection:
        connection.execute(update(Counter).where(Counter.id == counter.id).values(name=name))


@pytest.mark.usefixtures("morning")
def test_it_shows_the_next_officer_from_the_moment_of_the_handover(
    client: TestClient, counter: Counter, clock: FakeClock, db: Session, afternoon: Employee
) -> None:
    clock.set(NOON - timedelta(seconds=1))
    assert "Ani Wijaya" in page_text(client, counter)  # kept: its officer changes in a second
    clock.set(NOON)
    citizen = Citizen(client, counter.public_token)
    page = page_text(client, counter)
    assert "Budi Santoso" in page and "Ani Wijaya" not in page
    assert citizen.rate().status_code == 303
    db.expire_all()
    assert db.scalars(select(Rating.employee_id)).one() == afternoon.id  # the officer the form showed


def test_it_shows_an_edit_made_in_this_process_at_once(
    client: TestClient, counter: Counter, db: Session
) -> None:
    assert "Loket 1" in page_text(client, counter)
    counter.name = "Loket Prioritas"
    db.commit()
    assert "Loket Prioritas" in page_text(client, counter)
    factories.shift(db, factories.employee(db, counter.unit, "Citra Dewi"), counter, MORNING_START, CLOSING)
    assert "Citra Dewi" in page_text(client, counter)


def test_it_shows_an_edit_made_by_another_process_after_the_kept_seconds(
    client: TestClient, counter: Counter, db: Session, clock: FakeClock, settings: Settings
) -> None:
    assert "Loket 1" in page_text(client, counter)
    rename_elsewhere(db, counter, "Loket Prioritas")
    clock.advance(seconds=settings.counter_page_seconds - 1)
    assert "Loket 1" in page_text(client, counter)
    clock.advance(seconds=1)
    assert "Loket Prioritas" in page_text(client, counter)


def test_it_reads_the_page_on_every_scan_when_counter_page_seconds_is_0(
    counter: Counter, db: Session, clock: FakeClock, settings: Settings
) -> None:
    app = create_app(dataclasses.replace(settings, counter_page_seconds=0), clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert "Loket 1" in page_text(client, counter)
        rename_elsewhere(db, counter, "Loket Prioritas")
        assert "Loket Prioritas" in page_text(client, counter)


def test_it_does_not_keep_an_unknown_token(client: TestClient, counter: Counter, db: Session) -> None:
    assert client.get("/r/fresh-token").status_code == 404
    with db.get_bind().begin() as connection:  # the token given to a counter by another process
        connection.execute(update(Counter).where(Counter.id == counter.id).values(public_token="fresh-token"))
    assert client.get("/r/fresh-token").status_code == 200  # at once: a 404 is not kept


# --- the cache alone ---------------------------------------------------------------------------------

PAGE = CounterPage(1, "token", "Loket 1", "Dinas", None, True)


def kept(pages: CounterPages, now: datetime, duty_changes_at: datetime | None = None) -> CounterPage:
    async def read() -> PageRead:
        return PAGE, duty_changes_at

    return asyncio.run(pages.page("token", now, read))


def test_it_does_not_keep_a_page_read_before_pages_were_forgotten() -> None:
    pages = CounterPages(seconds=5)

    async def read_while_a_commit_lands() -> PageRead:
        pages.forget()
        return PAGE, None

    assert asyncio.run(pages.page("token", NOON, read_while_a_commit_lands)) is PAGE
    assert pages.get("token", NOON) is None
    assert kept(pages, NOON) is PAGE
    assert pages.get("token", NOON) is PAGE


def test_it_keeps_a_page_until_the_earlier_of_its_seconds_and_the_duty_change() -> None:
    pages = CounterPages(seconds=5)
    kept(pages, NOON, NOON + timedelta(seconds=2))
    assert pages.get("token", NOON + timedelta(seconds=1.999)) is PAGE
    assert pages.get("token", NOON + timedelta(seconds=2)) is None
    pages = CounterPages(seconds=5)
    kept(pages, NOON, NOON + timedelta(hours=1))
    assert pages.get("token", NOON + timedelta(seconds=4.999)) is PAGE
    assert pages.get("token", NOON + timedelta(seconds=5)) is None
    assert pages.get("token", NOON - timedelta(seconds=1)) is None  # a clock set back reads again
