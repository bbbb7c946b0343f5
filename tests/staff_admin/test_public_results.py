"""The public results page `/publik` through HTTP: unit IKM, grade and respondents per period for
anyone, no sign-in, never an officer's name or individual score; Indonesian by default, English too."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World
from tests.staff_admin.dashboard_world import DISTINCTIVE_OFFICER, Rated, rate, score

PUBLIC = "/publik"


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    score(db, settings, clock, "2026-03")
    score(db, settings, clock, "2026-02")
    return rated


def _cells(html: str, unit: str) -> str:
    match = re.search(rf'<tr[^>]*><th scope="row">{re.escape(unit)}</th>(.*?)</tr>', html, re.S)
    assert match, unit
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_it_publishes_unit_results_without_sign_in(client: TestClient, world: World, rated: Rated) -> None:
    response = client.get(PUBLIC, params={"lang": "en"})

    assert response.status_code == 200
    assert _cells(response.text, "Dinas Alpha") == "83.75 B (Good) 40"  # no people served known: no target
    assert _cells(response.text, "Dinas Beta") == "50.00 D (Not Good) 5"
    assert "period 2026-03 (March 1, 2026 to March 31, 2026)" in response.text


def test_it_never_shows_officers_or_individual_scores(client: TestClient, world: World, rated: Rated) -> None:
    for params in ({}, {"lang": "en"}, {"period": "2026-02"}, {"period": "2026-03", "lang": "en"}):
        html = client.get(PUBLIC, params=params).text
        for secret in (DISTINCTIVE_OFFICER, "Zebulon", "Sari Petugas", "Budi Rekan"):
            assert secret not in html, (params, secret)
        for nip in (world.officer.nip, world.colleague.nip, rated.zebulon.nip):
            assert nip not in html
        assert "Not enough ratings" not in html and "insufficient" not in html


def test_it_lets_visitors_choose_the_period(client: TestClient, world: World, rated: Rated) -> None:
    latest = client.get(PUBLIC, params={"lang": "en"}).text
    february = client.get(PUBLIC, params={"period": "2026-02", "lang": "en"}).text

    assert '<option value="2026-03" selected>2026-03</option>' in latest
    assert '<option value="2026-02">2026-02</option>' in latest
    assert _cells(february, "Dinas Alpha") == "100.00 A (Very Good) 3"
    assert "Dinas Beta" not in february  # no ratings there in February
    assert 'href="?period=2026-02&amp;lang=id"' in february  # switching language keeps the period


def test_it_speaks_indonesian_by_default(client: TestClient, world: World, rated: Rated) -> None:
    indonesian = client.get(PUBLIC).text
    english = client.get(PUBLIC, params={"lang": "en"}).text

    assert '<html lang="id">' in indonesian and "Indeks kepuasan masyarakat (IKM)" in indonesian
    assert "B (Baik)" in indonesian and "D (Tidak Baik)" in indonesian
    assert '<html lang="en">' in english and "Community satisfaction index (IKM)" in english
    assert 'name="viewport"' in indonesian


def test_it_says_when_nothing_is_published_yet(client: TestClient, world: World) -> None:
    response = client.get(PUBLIC, params={"lang": "en"})

    assert response.status_code == 200
    assert "No results have been published yet." in response.text
    assert "rating-portal" not in response.text


def test_it_explains_a_bad_or_unscored_period(client: TestClient, world: World, rated: Rated) -> None:
    bad = client.get(PUBLIC, params={"period": "<b>x</b>", "lang": "en"})
    unscored = client.get(PUBLIC, params={"period": "2025", "lang": "en"})

    assert bad.status_code == 400 and "&lt;b&gt;x&lt;/b&gt;" in bad.text and "<b>x</b>" not in bad.text
    assert (
        unscored.status_code == 200 and "No results have been published for this period yet." in unscored.text
    )
