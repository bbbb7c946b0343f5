"""The SKM report per element, the counters and the city-wide row on the dashboard, through HTTP on
the real databases, against the figures worked out by hand in tests/staff_admin/report_world.py."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.report_world import ElementsWorld, elements_world

DASHBOARD = "/admin/dashboard"


@pytest.fixture
def report(db: Session, world: World, settings: Settings, clock: FakeClock) -> ElementsWorld:
    return elements_world(db, world, settings, clock)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _section(html: str, section: str) -> str:
    match = re.search(rf'<section id="{section}".*?</section>', html, re.S)
    assert match, section
    return match.group(0)


def _elements(html: str) -> list[tuple[str, str, str, str]]:
    """(code, NRR, weighted NRR, converted) per element row, in the page's order."""
    rows = re.findall(r'<tr id="element-u\d">(.*?)</tr>', _section(html, "elements"), re.S)
    found = []
    for row in rows:
        code = re.search(r'<span class="code">(U\d)</span>', row).group(1)
        cells = [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found.append((code, *cells))
    return found


def _total(html: str) -> str:
    row = re.search(r'<tr id="element-total">(.*?)</tr>', _section(html, "elements"), re.S)
    assert row
    return _text(row.group(1))


def test_it_reports_the_units_elements_weakest_first(client: TestClient, report: ElementsWorld) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    assert _elements(html) == [
        ("U3", "2.00", "0.222", "50.00"),
        ("U8", "2.50", "0.278", "62.50"),
        ("U2", "3.17", "0.352", "79.17"),
        ("U6", "3.17", "0.352", "79.17"),
        ("U7", "3.17", "0.352", "79.17"),
        ("U1", "3.50", "0.389", "87.50"),
        ("U5", "3.50", "0.389", "87.50"),
        ("U4", "3.67", "0.407", "91.67"),
        ("U9", "3.80", "0.422", "95.00"),
    ]
    assert _total(html) == "Total 3.1630 79.07 B (Good)"
    assert "U3</span> Completion time" in html and "over the 6 ratings not excluded" in html


def test_it_reports_one_counters_elements_on_request(
    client: TestClient, world: World, report: ElementsWorld
) -> None:
    browser = signed_in(client, "head_a")
    satu = browser.get(DASHBOARD, params={"lang": "en", "counter": report.loket_satu.id}).text
    dua = browser.get(
        DASHBOARD, params={"lang": "en", "unit": world.unit_a.id, "counter": report.loket_dua.id}
    ).text

    assert [row[:2] for row in _elements(satu)] == [
        ("U3", "1.50"),
        ("U8", "2.25"),
        ("U2", "3.25"),
        ("U6", "3.25"),
        ("U7", "3.25"),
        ("U1", "3.75"),
        ("U5", "3.75"),
        ("U9", "3.75"),
        ("U4", "4.00"),
    ]
    assert _total(satu) == "Total 3.1944 79.86 B (Good)"
    assert "The nine SKM elements of Loket Satu, the weakest first" in satu
    assert f'<option value="{report.loket_satu.id}" selected>Loket Satu</option>' in satu
    assert [row[:2] for row in _elements(dua)][-1] == ("U9", "4.00")  # three excluded 4s left out
    assert _total(dua) == "Total 3.1111 77.78 B (Good)" and "over the 2 ratings not excluded" in dua


def test_it_lists_counters_lowest_ikm_first_with_volume_and_low_ratings(
    client: TestClient, world: World, report: ElementsWorld
) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    rows = re.findall(r'<tr id="counter-(\d+)">(.*?)</tr>', _section(html, "counters"), re.S)
    assert [(int(counter), _text(cells)) for counter, cells in rows] == [
        (report.loket_dua.id, "Loket Dua 2 77.78 B (Good) 50.0%"),
        (report.loket_satu.id, "Loket Satu 4 79.86 B (Good) 25.0%"),
    ]
    query = f"period=2026-03&amp;unit={world.unit_a.id}&amp;counter={report.loket_dua.id}"
    assert f'href="/admin/dashboard?{query}#elements"' in html


@pytest.mark.parametrize("persona", ["admin", "hr"])
def test_it_adds_a_city_wide_row_for_hr_and_admin(
    client: TestClient, report: ElementsWorld, persona: str
) -> None:
    html = signed_in(client, persona).get(DASHBOARD, params={"lang": "en"}).text

    city = re.search(r'<tr id="city">(.*?)</tr>', html, re.S)
    assert city and _text(city.group(1)) == "All units together 65.28 C (Less Than Good) 8 50.0%"
    alpha = re.search(r"<a [^>]*>Dinas Alpha</a></th>(.*?)</tr>", html, re.S)
    assert alpha and _text(alpha.group(1)).endswith("33.3%")


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("head_a", ["Loket Satu", "Loket Dua"], ["Loket Beta", 'id="city"', "All units together"]),
        ("head_b", ["Loket Beta"], ["Loket Satu", "Loket Dua", 'id="city"']),
    ],
)
def test_it_shows_a_unit_head_their_own_counters_and_no_city_row(
    client: TestClient, report: ElementsWorld, persona: str, visible: list[str], hidden: list[str]
) -> None:
    html = signed_in(client, persona).get(DASHBOARD, params={"lang": "en"}).text

    for text in visible:
        assert text in html, text
    for text in hidden:
        assert text not in html, text


@pytest.mark.parametrize("guess", ["other_unit", "missing", "not-a-number"])
def test_it_answers_404_for_a_counter_outside_the_unit_shown(
    client: TestClient, world: World, report: ElementsWorld, guess: str
) -> None:
    counter = {"other_unit": report.loket_beta.id, "missing": 999999}.get(guess, guess)

    response = signed_in(client, "head_a").get(DASHBOARD, params={"counter": counter})
    as_hr = signed_in(client, "hr").get(DASHBOARD, params={"unit": world.unit_a.id, "counter": counter})

    assert response.status_code == 404 and "Loket Beta" not in response.text
    assert as_hr.status_code == 404


def test_it_refuses_officers_and_anonymous_visitors(client: TestClient, report: ElementsWorld) -> None:
    anonymous = client.get(DASHBOARD, params={"counter": report.loket_satu.id}, follow_redirects=False)
    officer = signed_in(client, "officer").get(DASHBOARD, params={"counter": report.loket_satu.id})

    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/admin/login")
    assert officer.status_code == 403 and "Loket Satu" not in officer.text


def test_it_names_the_elements_officially_in_indonesian(client: TestClient, report: ElementsWorld) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "id"}).text

    assert (
        "U3</span> Waktu penyelesaian" in html and "U9</span> Penanganan pengaduan, saran dan masukan" in html
    )
    assert [row[1] for row in _elements(html)][:2] == ["2,00", "2,50"]  # the decimal comma
    assert _total(html) == "Jumlah 3,1630 79,07 B (Baik)"
