"""The unit dashboard through HTTP on the real databases: who may open it and for which units, the
figures of the stored scoring run, the live monthly trend, the charts and their tables, both languages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from staff_admin.dashboard.charts import MonthValue, line_chart
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.dashboard_world import DISTINCTIVE_OFFICER, Rated, add_rating, rate, score

DASHBOARD = "/admin/dashboard"


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))  # March is over when it is scored
    summary = score(db, settings, clock)
    assert summary.excluded_by_reason == {"burst": 8}
    return rated


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _row(html: str, name: str) -> str:
    match = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(name)}</a></th>(.*?)</tr>", html, re.S)
    assert match, f"no row for {name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.mark.parametrize(
    ("persona", "status", "visible", "hidden"),
    [
        ("admin", 200, ["Dinas Alpha", "Seksi Alpha Satu", "Dinas Beta"], []),
        ("hr", 200, ["Dinas Alpha", "Seksi Alpha Satu", "Dinas Beta"], []),
        ("head_a", 200, ["Dinas Alpha", "Seksi Alpha Satu", "Sari Petugas"], ["Dinas Beta", "Budi Rekan"]),
        ("head_b", 200, ["Dinas Beta", "Budi Rekan"], ["Dinas Alpha", "Sari Petugas", DISTINCTIVE_OFFICER]),
        ("officer", 403, [], ["Dinas Alpha", "Dinas Beta", "Sari Petugas"]),
    ],
)
def test_it_shows_each_persona_only_its_units(
    client: TestClient, world: World, rated: Rated, persona: str, status: int, visible, hidden
) -> None:
    response = signed_in(client, persona).get(DASHBOARD)

    assert response.status_code == status
    for text in visible:
        assert text in response.text, text
    for text in hidden:
        assert text not in response.text, text


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get(DASHBOARD, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("guess", ["unit_b", "root", "missing", "not-a-number"])
def test_it_answers_404_when_a_unit_head_guesses_another_unit(
    client: TestClient, world: World, rated: Rated, guess: str
) -> None:
    unit = {"unit_b": world.unit_b.id, "root": world.root.id, "missing": 999999}.get(guess, guess)

    response = signed_in(client, "head_a").get(DASHBOARD, params={"unit": unit})

    assert response.status_code == 404
    assert "Budi Rekan" not in response.text and "Dinas Beta" not in response.text


def test_it_shows_the_stored_unit_figures_of_the_latest_run(client: TestClient, world: World, rated) -> None:
    html = signed_in(client, "hr").get(DASHBOARD, params={"lang": "en"}).text

    assert _row(html, "Dinas Alpha") == "83.75 B (Good) 40 0.0%"  # no people served known: no target
    assert _row(html, "Dinas Beta") == "50.00 D (Not Good) 5 100.0%"
    assert _row(html, "Seksi Alpha Satu") == "100.00 A (Very Good) 4 0.0%"


def test_it_focuses_a_unit_head_on_their_own_unit(client: TestClient, world: World, rated: Rated) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    assert '<h2 id="focus-title">Dinas Alpha</h2>' in html
    assert re.search(r"Flagged ratings \(excluded\) in this period: <strong>8</strong>", html)
    assert f'href="/admin/ratings?unit={world.unit_a.id}&amp;period=2026-03&amp;excluded=yes"' in html


def test_it_draws_the_monthly_trend_from_the_ratings_not_excluded(
    client: TestClient, db: Session, world: World, rated: Rated
) -> None:
    # One rating in December 2025: January 2026 is then an empty month between ratings.
    add_rating(db, rated.counter_a, world.officer, datetime(2025, 12, 10, 3, tzinfo=UTC), 4, "december")
    db.commit()

    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    trend = re.search(r"<caption>Monthly IKM of Dinas Alpha</caption>(.*?)</table>", html, re.S)
    assert trend
    months = {
        month: _text(cells)
        for month, cells in re.findall(r'<th scope="row">(\w+ \d{4})</th>(.*?)</tr>', trend.group(1), re.S)
    }
    # Months before the unit's first rating are left out; the empty month between is marked.
    assert months == {
        "December 2025": "100.00 1",
        "January 2026": "no ratings",
        "February 2026": "100.00 3",
        "March 2026": "83.75 40",  # the 8 burst ratings of all 4s are left out
    }
    assert (
        '<svg class="chart"' in html
        and '<title id="trend-chart-title">Monthly IKM of Dinas Alpha</title>' in html
    )
    expected = line_chart(
        [
            MonthValue(date(2025, 12, 1), 100.0, 1),
            MonthValue(date(2026, 1, 1), None, 0),
            MonthValue(date(2026, 2, 1), 100.0, 3),
            MonthValue(date(2026, 3, 1), 83.75, 40),
        ]
    )
    for segment in expected.segments:
        assert f'points="{segment}"' in html
    empty = expected.points[1]
    marker = f'<circle class="empty" cx="{empty.x}" cy="{expected.plot_bottom}" r="3.5">'
    assert marker + "<title>January 2026: no ratings" in html
    assert (
        ">Dec</text>" in html and ">2025</text>" in html and ">2026</text>" in html
    )  # the years under the months


def test_it_counts_the_overall_ratings_not_excluded(client: TestClient, world: World, rated: Rated) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    table = re.search(r"<caption>Overall ratings of Dinas Alpha</caption>(.*?)</table>", html, re.S)
    assert table
    cells = re.findall(
        r'<th scope="row">(\d) – [^<]+</th><td class="num">(\d+)</td><td class="num">([\d.]+)</td>',
        table.group(1),
    )
    assert cells == [("1", "0", "0.0"), ("2", "0", "0.0"), ("3", "26", "65.0"), ("4", "14", "35.0")]


def test_it_lists_officers_with_interval_and_quietly_those_without_enough_ratings(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "hr")
    alpha = browser.get(DASHBOARD, params={"lang": "en", "unit": world.unit_a.id}).text
    beta = browser.get(DASHBOARD, params={"lang": "en", "unit": world.unit_b.id}).text

    sari = re.search(rf'<tr id="officer-{world.officer.id}">(.*?)</tr>', alpha, re.S)
    assert sari and world.officer.nip in sari.group(1)
    assert re.search(
        r'\d+\.\d\d <span class="code">\[\d+\.\d\d–\d+\.\d\d\]</span></td>'
        r'\s*<td class="num" [^>]*>\d+\.\d\d</td>',  # then the score adjusted for channel and counter
        sari.group(1),
    )
    assert "Adjusted for channel and counter" in alpha
    assert "Ratings used" in alpha and '>40 <span class="code">(8 excluded)</span>' in sari.group(1)
    assert "first scored period" in sari.group(1)  # no earlier period was scored
    budi = re.search(rf'<li id="officer-{world.colleague.id}">(.*?)</li>', beta, re.S)
    assert budi and _text(budi.group(1)) == "Budi Rekan : 5 usable ratings, 25 more needed"
    assert not re.search(r"\d+\.\d\d", budi.group(1))  # no bare number for an insufficient score


def test_it_speaks_indonesian_by_default_and_english_on_request(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "head_a")
    indonesian = browser.get(DASHBOARD).text
    english = browser.get(DASHBOARD, params={"lang": "en"}).text

    assert "<h1>Dasbor unit</h1>" in indonesian and "Baik" in indonesian and "IKM bulanan" in indonesian
    assert "<h1>Unit dashboard</h1>" in english and "Monthly IKM" in english


def test_it_explains_how_to_score_when_nothing_is_scored(client: TestClient, world: World) -> None:
    response = signed_in(client, "hr").get(DASHBOARD, params={"lang": "en"})

    assert response.status_code == 200
    assert "No period has been scored yet" in response.text
    assert "rating-portal score --period" in response.text


def test_it_chooses_the_period_from_the_query(client: TestClient, world: World, rated: Rated) -> None:
    browser = signed_in(client, "hr")

    unscored = browser.get(DASHBOARD, params={"lang": "en", "period": "2026-02"})
    bad = browser.get(DASHBOARD, params={"lang": "en", "period": "march"})
    same = browser.get(DASHBOARD, params={"lang": "en", "period": "2026-03-01..2026-03-31"})

    assert unscored.status_code == 200
    assert "Period 2026-02 has not been scored yet" in unscored.text
    assert "rating-portal score --period 2026-02" in unscored.text
    assert bad.status_code == 400 and "is not a period" in bad.text and "march" in bad.text
    assert same.status_code == 200 and "83.75" in same.text
