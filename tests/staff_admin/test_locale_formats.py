"""Numbers and dates through HTTP, in the page's language, for the same data: Indonesian writes
83,75 and 1 Maret 2026, English 83.75 and March 1, 2026 (IKM, scores, intervals, percentages,
counts, dates and times). Exports and the API stay machine formats with a decimal point."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.dashboard_world import Rated, rate, score

NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    score(db, settings, clock, "2026-03")
    return rated


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _public_row(html: str, unit: str) -> str:
    match = re.search(rf'<tr[^>]*><th scope="row">{re.escape(unit)}</th>(.*?)</tr>', html, re.S)
    assert match, unit
    return _text(match.group(1))


def test_the_public_page_writes_the_ikm_with_the_languages_decimal_sign(
    client: TestClient, world: World, rated: Rated
) -> None:
    indonesian = client.get("/publik", params={"lang": "id"}).text
    english = client.get("/publik", params={"lang": "en"}).text

    assert _public_row(indonesian, "Dinas Alpha") == "83,75 B (Baik) 40"
    assert _public_row(english, "Dinas Alpha") == "83.75 B (Good) 40"
    assert _public_row(indonesian, "Dinas Beta").startswith("50,00 D (Tidak Baik)")
    assert "periode 2026-03 (1 Maret 2026 sampai 31 Maret 2026)" in indonesian
    assert "period 2026-03 (March 1, 2026 to March 31, 2026)" in english
    # the grade boundaries of the legend, as the regulation writes them in each language
    assert "A Sangat Baik (88,31 ke atas)" in indonesian and "A Very Good (88.31 and above)" in english


def test_the_dashboard_writes_ikm_scores_intervals_and_shares_per_language(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "head_a")
    indonesian = browser.get("/admin/dashboard", params={"lang": "id"}).text
    english = browser.get("/admin/dashboard", params={"lang": "en"}).text

    for html, comma, march in ((indonesian, True, "Maret 2026"), (english, False, "March 2026")):
        point, other = (",", ".") if comma else (".", ",")
        number = rf"\d+{re.escape(point)}\d\d"
        trend = re.search(rf'<th scope="row">{march}</th>\s*<td class="num">([^<]+)</td>', html)
        assert trend and trend.group(1) == f"83{point}75"
        shares = re.findall(r'<td class="num">(\d+)</td><td class="num">([^<]+)</td></tr>', html)
        assert ("26", f"65{point}0") in shares and ("14", f"35{point}0") in shares
        sari = re.search(r"Sari Petugas</a>.*?</th>(.*?)</tr>", html, re.S)
        assert sari
        assert re.search(rf'>{number} <span class="code">\[{number}–{number}\]</span></td>', sari.group(1)), (
            sari.group(1)
        )
        assert not re.search(rf"\d{re.escape(other)}\d\d\b", _text(sari.group(1)))
        # the chart's axis labels the grade boundaries in the same notation
        assert f">76{point}61</text>" in html and f">88{point}31</text>" in html
        assert f"<title>{march}: 83{point}75</title>" in html
    assert "Periode 2026-03 (1 Maret 2026 sampai 31 Maret 2026)" in indonesian
    assert "Period 2026-03 (March 1, 2026 to March 31, 2026)" in english
    # SVG coordinates are for the browser, never localised
    assert re.search(r'<circle class="dot" cx="\d+(\.\d+)?" cy="\d+(\.\d+)?"', indonesian)


def test_the_ratings_browser_writes_local_times_per_language(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "head_a")
    params = {"unit": str(world.unit_a1.id)}  # the counter in UTC+8: 10:00 WIB is 11:00 WITA
    indonesian = browser.get("/admin/ratings", params={**params, "lang": "id"}).text
    english = browser.get("/admin/ratings", params={**params, "lang": "en"}).text

    assert '<time datetime="2026-03-02T11:00+08:00">2 Mar 2026 11.00 WITA</time>' in indonesian
    assert f'<time datetime="2026-03-02T11:00+08:00">Mar 2, 2026, 11:00{NNBSP}AM +0800</time>' in english


def test_the_officer_view_writes_scores_and_days_per_language(
    client: TestClient, world: World, rated: Rated, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 4, 1, 2, 0, tzinfo=UTC))  # March is over: all its ratings are shown
    browser = signed_in(client, "officer")
    indonesian = browser.get("/admin/me", params={"lang": "id"}).text
    english = browser.get("/admin/me", params={"lang": "en"}).text

    scores_id = re.search(r'<table id="scores"[^>]*>(.*?)</table>', indonesian, re.S)
    scores_en = re.search(r'<table id="scores"[^>]*>(.*?)</table>', english, re.S)
    assert scores_id and scores_en
    assert re.search(r"<td>\d+,\d\d</td>\s*<td>\d+,\d\d – \d+,\d\d</td>", scores_id.group(1))
    assert re.search(r"<td>\d+\.\d\d</td>\s*<td>\d+\.\d\d – \d+\.\d\d</td>", scores_en.group(1))
    # An officer sees days and weeks, never times (staff_admin.review.unlinkable): the first honest
    # ratings (four a day from Monday 2 March 2026) fold into their week; the eight of Wednesday
    # 18 March make a day of their own.
    groups_id = re.findall(r"<h3 [^>]*>(.*?)</h3>", indonesian)
    groups_en = re.findall(r"<h3 [^>]*>(.*?)</h3>", english)
    assert "minggu mulai 2 Mar 2026" in groups_id and "18 Mar 2026" in groups_id
    assert "week of Mar 2, 2026" in groups_en and "Mar 18, 2026" in groups_en


def test_the_review_queue_writes_times_per_language(client: TestClient, world: World, rated: Rated) -> None:
    browser = signed_in(client, "head_a")
    indonesian = browser.get("/admin/review", params={"lang": "id"}).text
    english = browser.get("/admin/review", params={"lang": "en"}).text

    # the burst: eight ratings from one phone on Wednesday 18 March from 09:00 in Jakarta
    assert "<td>18 Mar 2026 09.00</td>" in indonesian and "<td>18 Mar 2026 09.07</td>" in indonesian
    assert f"<td>Mar 18, 2026, 9:00{NNBSP}AM</td>" in english
    assert '<strong id="pending">8</strong>' in english


def test_the_periods_page_writes_dates_per_language(client: TestClient, world: World) -> None:
    browser = signed_in(client, "hr")
    token = csrf_token(browser, "/admin/periods/")
    created = browser.post("/admin/periods/", data={"_csrf_token": token, "period": "2026-Q1"})
    assert created.status_code == 200  # followed back to the list

    assert ">1 Jan 2026 – 31 Mar 2026</td>" in browser.get("/admin/periods/", params={"lang": "id"}).text
    assert ">Jan 1, 2026 – Mar 31, 2026</td>" in browser.get("/admin/periods/", params={"lang": "en"}).text


def test_exports_stay_machine_readable_whatever_the_language(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "head_a")
    export = browser.get("/admin/ratings/export.csv", params={"lang": "id", "unit": str(world.unit_a1.id)})

    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows and all(r["submitted_at"].startswith("2026-03-0") and "T" in r["submitted_at"] for r in rows)
    assert {r["form_seconds"] for r in rows} == {"25.0"}
