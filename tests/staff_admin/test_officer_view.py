"""The officer's own page (issue 18, item 10): every rating can be reached (pages of groups, a month
filter), and per-question averages stand beside the unit's, only from whole days that are over and
never from fewer counted ratings than a day shown on its own."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from staff_admin.review.own import RATINGS_PER_PAGE
from tests.conftest import FakeClock
from tests.staff_admin.casework import counter_for, other_officer, rating
from tests.staff_admin.conftest import World, signed_in

JAKARTA = timedelta(hours=7)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - JAKARTA


def _busy_days(db: Session, world: World, first: date, days: int, answers: int = 4) -> list[Rating]:
    """`days` weekdays from `first`, five ratings each (each day a group of its own)."""
    counter = counter_for(db, world, "a")
    made, day = [], first
    while len(made) < days * 5:
        if day.weekday() < 5:
            for hour in range(8, 13):
                made.append(_answered(db, rating(db, counter, world.officer, _at(day, hour)), answers))
        day += timedelta(days=1)
    return made


def _answered(db: Session, made: Rating, value: int) -> Rating:
    for element in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"):
        setattr(made, element, value)
    made.overall = value
    db.commit()
    return made


def _group_headings(page: str) -> list[str]:
    section = page.split('id="ratings"', 1)[1].split("</div>\n</div>")[0]
    return re.findall(r'<h3 id="group-\d+">([^<]+)</h3>', section)


def _cell(page: str, element: str) -> list[str]:
    row = next(r for r in page.split("<tr>") if f"<td>{element} " in r)
    return [cell.strip() for cell in re.findall(r"<td class=\"num\">([^<]*)</td>", row)]


@pytest.fixture
def month_of_days(db: Session, world: World, clock: FakeClock) -> list[Rating]:
    other_officer(db, world, clock())
    # 45 weekdays of five ratings from Monday 5 January: all of January and February, 2-6 March
    made = _busy_days(db, world, date(2026, 1, 5), 45)
    clock.set(_at(date(2026, 3, 16), 9))
    return made


def test_it_pages_through_every_group_of_the_officers_ratings(
    client: TestClient, month_of_days: list[Rating]
) -> None:
    officer = signed_in(client, "officer")
    first = officer.get("/admin/me?lang=en").text
    second = officer.get("/admin/me?lang=en&page=2").text

    assert len(_group_headings(first)) == RATINGS_PER_PAGE // 5  # whole days up to a page's ratings
    assert len(_group_headings(second)) == 45 - RATINGS_PER_PAGE // 5
    assert not set(_group_headings(first)) & set(_group_headings(second))
    assert "Page 1 of 2" in first and 'rel="next" href="/admin/me?page=2"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second


def test_it_shows_a_day_of_more_than_a_page_in_parts(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    """A busy day of 250 ratings (one group) after two ordinary days: the ordinary days make the
    first page, the busy day two pages of its own, each part in the order of the references; every
    rating once, no page above RATINGS_PER_PAGE."""
    counter = counter_for(db, world, "a")
    busy = date(2026, 3, 2)
    for i in range(RATINGS_PER_PAGE + 50):
        rating(db, counter, world.officer, _at(busy, 8) + timedelta(seconds=60 * i), device=f"d{i}")
    _busy_days(db, world, date(2026, 3, 3), 2)
    clock.set(_at(date(2026, 3, 16), 9))
    officer = signed_in(client, "officer")

    pages = [officer.get(f"/admin/me?lang=en&page={n}").text for n in (1, 2, 3)]
    shown = [re.findall(r'<tr id="rating-([^"]+)">', page) for page in pages]

    assert [len(refs) for refs in shown] == [10, 125, 125]
    assert "part 1 of 2" in _group_headings(pages[1])[0] and "part 2 of 2" in _group_headings(pages[2])[0]
    assert "Page 3 of 3" in pages[2]
    assert len(set(shown[1] + shown[2])) == 250 and shown[1] + shown[2] == sorted(shown[1] + shown[2])


def test_it_filters_the_officers_ratings_by_month(
    client: TestClient, db: Session, world: World, clock: FakeClock, month_of_days: list[Rating]
) -> None:
    officer = signed_in(client, "officer")

    march = officer.get("/admin/me?lang=en&month=2026-03").text
    february = officer.get("/admin/me?lang=en&month=2026-02").text
    every_month = officer.get("/admin/me?lang=en&month=1999-01").text  # a month without ratings: all

    assert len(_group_headings(march)) == 5 and "Page 1 of" not in march
    assert len(_group_headings(february)) == 20 and "Page 1 of" not in february
    assert '<option value="2026-01">' in february and '<option value="2026-02" selected>' in february
    assert "Page 1 of 2" in every_month and len(_group_headings(every_month)) == RATINGS_PER_PAGE // 5


def test_it_sets_the_officers_question_averages_beside_the_units(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    other_officer(db, world, clock())
    _busy_days(db, world, date(2026, 3, 2), 2, answers=4)  # the officer: 10 ratings answering 4
    counter = counter_for(db, world, "a")
    for hour in range(8, 18):  # a colleague in the same unit: 10 ratings answering 2
        _answered(db, rating(db, counter, None, _at(date(2026, 3, 4), hour)), 2)
    _answered(db, rating(db, counter, world.officer, _at(date(2026, 3, 5)), excluded=True), 1)
    clock.set(_at(date(2026, 3, 16), 9))

    page = signed_in(client, "officer").get("/admin/me?lang=en").text

    assert "from 10 counted ratings" in page  # the excluded one is left out
    assert _cell(page, "U6") == ["4.00", "3.00"]  # the unit: (10 x 4 + 10 x 2) / 20
    assert _cell(page, "U7") == ["4.00", "3.00"]


def test_it_leaves_out_todays_ratings_and_months_under_five_counted(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    other_officer(db, world, clock())
    _busy_days(db, world, date(2026, 3, 16), 1)  # five ratings, all today
    clock.set(_at(date(2026, 3, 16), 18))

    page = signed_in(client, "officer").get("/admin/me?lang=en").text

    assert 'id="questions"' not in page and "No ratings yet." in page


@pytest.mark.parametrize("persona", ["hr", "head_a", "head_b", "admin"])
def test_it_keeps_the_officer_page_for_officers(client: TestClient, world: World, persona: str) -> None:
    assert signed_in(client, persona).get("/admin/me?month=2026-03&page=2").status_code in (403, 404)


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get("/admin/me?page=2", follow_redirects=False)
    assert response.status_code in (302, 303) and "login" in response.headers["location"]
