"""The ratings browser through HTTP on the real databases: scope per persona (filters and guessed
ids never reach another unit), every filter, clear messages for bad values, pagination, escaping,
plain-language reasons, both languages."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from scoring.reasons import REASONS
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.dashboard_world import DISTINCTIVE_OFFICER, SCRIPT_COMMENT, Rated, rate, score

RATINGS = "/admin/ratings"
# The time cell, in the page's language: <time datetime="2026-03-02T09:00+07:00">2 Mar 2026 09.00 WIB</time>
ROW = re.compile(r'<tr>\s*<td><time datetime="([^"]+)">[^<]*</time></td>(.*?)</tr>', re.S)


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    score(db, settings, clock)
    return rated


def _total(html: str) -> int:
    match = re.search(r"<span>(\d+) (?:ratings|penilaian)</span>", html)
    assert match, "no total"
    return int(match.group(1))


def _rows(html: str) -> list[tuple[str, str]]:
    return ROW.findall(html)


@pytest.mark.parametrize(
    ("persona", "status", "total"),
    [("admin", 200, 60), ("hr", 200, 60), ("head_a", 200, 55), ("head_b", 200, 5), ("officer", 403, None)],
)
def test_it_scopes_the_ratings_to_each_persona(
    client: TestClient, world: World, rated: Rated, persona: str, status: int, total: int | None
) -> None:
    response = signed_in(client, persona).get(RATINGS, params={"lang": "en"})

    assert response.status_code == status
    if total is not None:
        assert _total(response.text) == total
    if persona == "head_a":
        assert "Loket Beta" not in response.text and "Budi Rekan" not in response.text
    if persona == "head_b":
        assert "Loket Alpha" not in response.text and "Sari Petugas" not in response.text
    if persona == "officer":
        assert "Loket Alpha" not in response.text and "Loket Beta" not in response.text


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    assert client.get(RATINGS, follow_redirects=False).status_code == 303
    assert client.get(f"{RATINGS}/export.csv", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("guess", ["unit", "counter", "officer"])
def test_it_answers_404_when_a_filter_points_into_another_unit(
    client: TestClient, world: World, rated: Rated, guess: str
) -> None:
    value = {"unit": world.unit_b.id, "counter": rated.counter_b.id, "officer": world.colleague.id}[guess]
    browser = signed_in(client, "head_a")

    page = browser.get(RATINGS, params={guess: value})
    export = browser.get(f"{RATINGS}/export.csv", params={guess: value})

    assert page.status_code == 404 and export.status_code == 404
    for response in (page, export):
        assert "Loket Beta" not in response.text and "Budi Rekan" not in response.text


def test_it_lets_a_unit_head_filter_on_a_sub_unit(client: TestClient, world: World, rated: Rated) -> None:
    html = signed_in(client, "head_a").get(RATINGS, params={"unit": world.unit_a1.id, "lang": "en"}).text

    assert _total(html) == 4
    assert len(_rows(html)) == 4 and all("Loket Alpha Satu" in cells for _, cells in _rows(html))
    assert all(time.endswith("+08:00") for time, _ in _rows(html))  # the counter's local time


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"period": "2026-03"}, 57),
        ({"period": "2026-02"}, 3),
        ({"overall": "4"}, 14 + 8 + 3 + 4),
        ({"overall": "2"}, 5),
        ({"channel": "kiosk"}, 4),
        ({"excluded": "yes"}, 8),
        ({"excluded": "no", "period": "2026-03"}, 49),
        ({"comment": "yes"}, 2),
        ({"comment": "no"}, 58),
        ({"officer": "zebulon"}, 4),
        ({"counter": "beta"}, 5),
        ({"unit": "alpha", "overall": "3", "excluded": "no"}, 26),
    ],
)
def test_it_filters(client: TestClient, world: World, rated: Rated, params: dict, total: int) -> None:
    ids = {"zebulon": rated.zebulon.id, "beta": rated.counter_b.id, "alpha": world.unit_a.id}
    query = {key: ids.get(value, value) for key, value in params.items()} | {"lang": "en"}

    response = signed_in(client, "hr").get(RATINGS, params=query)

    assert response.status_code == 200
    assert _total(response.text) == total


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "maret"}, "“maret” is not a period"),
        ({"overall": "5"}, "The overall rating is a number from 1 to 4."),
        ({"channel": "fax"}, "“fax” is not a valid choice."),
        ({"excluded": "maybe"}, "Choose yes, no or any."),
        ({"unit": "abc"}, "“abc” is not a valid choice."),
        ({"officer": "-1"}, "“-1” is not a valid choice."),
        ({"page": "0"}, "The page is a whole number from 1."),
    ],
)
def test_it_explains_a_bad_filter_value(
    client: TestClient, world: World, rated: Rated, params: dict, message: str
) -> None:
    browser = signed_in(client, "hr")

    page = browser.get(RATINGS, params=params | {"lang": "en"})
    export = browser.get(f"{RATINGS}/export.csv", params=params | {"lang": "en"})

    for response in (page, export):
        assert response.status_code == 400
        assert message in response.text
        assert not _rows(response.text)


def test_it_pages_newest_first_in_a_stable_order(client: TestClient, world: World, rated: Rated) -> None:
    browser = signed_in(client, "head_a")
    first = browser.get(RATINGS, params={"lang": "en"}).text
    second = browser.get(RATINGS, params={"lang": "en", "page": "2"}).text

    assert len(_rows(first)) == 50 and len(_rows(second)) == 5
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert 'href="/admin/ratings?page=2" rel="next"' in first
    times = [time for time, _ in _rows(first) + _rows(second)]
    assert len(set(zip(times, range(55), strict=True))) == 55
    utc_order = sorted(times, key=datetime.fromisoformat, reverse=True)
    assert times[:3] == utc_order[:3]
    assert times[-1].startswith("2026-02-10")  # the oldest February rating comes last


def test_it_keeps_the_filters_in_the_page_links(client: TestClient, world: World, rated: Rated) -> None:
    html = signed_in(client, "hr").get(RATINGS, params={"overall": "3", "lang": "en"}).text

    assert "Page 1 of 1" in html
    assert 'href="/admin/ratings/export.csv?overall=3"' in html


def test_it_shows_comments_escaped_and_reasons_in_plain_words(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "head_a")
    with_comment = browser.get(RATINGS, params={"comment": "yes", "lang": "en"}).text
    excluded_en = browser.get(RATINGS, params={"excluded": "yes", "lang": "en"}).text
    excluded_id = browser.get(RATINGS, params={"excluded": "yes", "lang": "id"}).text

    assert SCRIPT_COMMENT not in with_comment
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; pelayanan lambat" in with_comment
    assert excluded_en.count(REASONS["burst"]["en"]) == 8
    assert excluded_id.count(REASONS["burst"]["id"]) == 8


def test_it_speaks_both_languages(client: TestClient, world: World, rated: Rated) -> None:
    browser = signed_in(client, "head_a")
    indonesian = browser.get(RATINGS).text
    english = browser.get(RATINGS, params={"lang": "en"}).text

    assert "<h1>Penilaian</h1>" in indonesian and "Halaman 1 dari 2" in indonesian
    assert "<h1>Ratings</h1>" in english and "Page 1 of 2" in english
    assert DISTINCTIVE_OFFICER in english  # a unit head sees the officers of the sub-unit
