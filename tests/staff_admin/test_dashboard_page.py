"""The unit dashboard through HTTP on the real databases: who may open it and for which units, the
figures of the stored scoring run, the live monthly trend, the charts and their tables, both languages."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from scoring.skm import sample_target
from staff_admin.dashboard.charts import line_chart
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.dashboard_world import DISTINCTIVE_OFFICER, Rated, rate, score

DASHBOARD = "/admin/dashboard"


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    summary = score(db, settings, clock)
    assert summary.excluded_by_reason == {"burst": 8}
    return rated


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

    assert _row(html, "Dinas Alpha") == f"83.75 B (Good) 40 / {sample_target(48)} below target"
    assert _row(html, "Dinas Beta") == f"50.00 D (Not Good) 5 / {sample_target(5)} target met"
    assert _row(html, "Seksi Alpha Satu") == f"100.00 A (Very Good) 4 / {sample_target(4)} target met"


def test_it_focuses_a_unit_head_on_their_own_unit(client: TestClient, world: World, rated: Rated) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    assert '<h2 id="focus-title">Dinas Alpha</h2>' in html
    assert re.search(r"Flagged ratings \(excluded\) in this period: <strong>8</strong>", html)
    assert f'href="/admin/ratings?unit={world.unit_a.id}&amp;period=2026-03&amp;excluded=yes"' in html


def test_it_draws_the_monthly_trend_from_the_ratings_not_excluded(
    client: TestClient, world: World, rated: Rated
) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    trend = re.search(r"<caption>Monthly IKM of Dinas Alpha</caption>(.*?)</table>", html, re.S)
    assert trend
    months = dict(
        re.findall(r'<th scope="row">(\d{4}-\d{2})</th><td class="num">([^<]+)</td>', trend.group(1))
    )
    assert list(months) == [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    assert months["2026-02"] == "100.00"
    assert months["2026-03"] == "83.75"  # the 8 burst ratings of all 4s are left out
    assert months["2025-12"] == "–"
    assert (
        '<svg class="chart"' in html and '<title id="trend-title">Monthly IKM of Dinas Alpha</title>' in html
    )
    expected = line_chart([(m, None if v == "–" else float(v)) for m, v in months.items()])
    for segment in expected.segments:
        assert f'points="{segment}"' in html


def test_it_counts_the_overall_ratings_not_excluded(client: TestClient, world: World, rated: Rated) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    table = re.search(r"<caption>Overall ratings of Dinas Alpha</caption>(.*?)</table>", html, re.S)
    assert table
    cells = re.findall(
        r'<th scope="row">(\d) – [^<]+</th><td class="num">(\d+)</td><td class="num">([\d.]+)</td>',
        table.group(1),
    )
    assert cells == [("1", "0", "0.0"), ("2", "0", "0.0"), ("3", "26", "65.0"), ("4", "14", "35.0")]


def test_it_lists_officers_with_interval_and_marks_insufficient(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "hr")
    alpha = browser.get(DASHBOARD, params={"lang": "en", "unit": world.unit_a.id}).text
    beta = browser.get(DASHBOARD, params={"lang": "en", "unit": world.unit_b.id}).text

    sari = re.search(r"Sari Petugas</a></th>(.*?)</tr>", alpha, re.S)
    assert sari and world.officer.nip in sari.group(1)
    assert re.search(
        r'<td class="num">\d+\.\d\d</td>\s*<td class="num">\[\d+\.\d\d–\d+\.\d\d\]</td>'
        r'\s*<td class="num">\d+\.\d\d</td>',  # then the score adjusted for channel and counter
        sari.group(1),
    )
    assert "Adjusted for channel and counter" in alpha
    assert "Ratings used" in alpha and '>40 <span class="code">(8 excluded)</span>' in sari.group(1)
    budi = re.search(r"Budi Rekan</a></th>(.*?)</tr>", beta, re.S)
    assert budi and "insufficient" in budi.group(1) and "Not enough ratings" in budi.group(1)
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
