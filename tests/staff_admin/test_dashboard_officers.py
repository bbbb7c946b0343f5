"""Who needs attention first: the dashboard's officer table through HTTP on the real databases, with
two scored months (tests/staff_admin/report_world.py): below expectations first, then a falling
score, then the lowest U6/U7; officers without enough ratings listed quietly apart."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from scoring.db.models import OfficerResult, ScoringRun
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.report_world import OfficersWorld, officers_world

DASHBOARD = "/admin/dashboard"


@pytest.fixture
def team(db: Session, world: World, settings: Settings, clock: FakeClock) -> OfficersWorld:
    return officers_world(db, world, settings, clock)


def _results(db: Session, period: str) -> dict[int, OfficerResult]:
    run = db.scalars(select(ScoringRun).where(ScoringRun.period_label == period)).one()
    return {r.employee_id: r for r in db.scalars(select(OfficerResult).where(OfficerResult.run_id == run.id))}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _officers(html: str) -> dict[int, str]:
    """employee id -> the row's text, in the table's order."""
    table = re.search(r'<table class="results stack officers">(.*?)</table>', html, re.S)
    assert table, "no officer table"
    return {
        int(i): _text(row)
        for i, row in re.findall(r'<tr id="officer-(\d+)"[^>]*>(.*?)</tr>', table.group(1), re.S)
    }


def test_the_world_has_the_situations_the_order_is_about(db: Session, team: OfficersWorld) -> None:
    march, february = _results(db, "2026-03"), _results(db, "2026-02")

    assert march[team.bayu.id].category == "di_bawah_ekspektasi"
    assert {march[o.id].category for o in (team.sari, team.citra, team.dodi)} == {"sesuai_ekspektasi"}
    assert february[team.sari.id].score - march[team.sari.id].score >= 2
    assert abs(february[team.citra.id].score - march[team.citra.id].score) < 2
    assert not march[team.eka.id].sufficient and team.dodi.id not in february


def test_it_sorts_officers_by_concern(client: TestClient, team: OfficersWorld) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    rows = _officers(html)
    assert list(rows) == [team.bayu.id, team.sari.id, team.dodi.id, team.citra.id]
    assert "Below expectations" in rows[team.bayu.id]
    assert "falling" in rows[team.sari.id] and "Feb" in rows[team.sari.id]
    assert "steady" in rows[team.citra.id]
    assert "Feb –" in rows[team.dodi.id]  # no score in February: nothing to compare with
    assert not re.search(r"falling|rising|steady", rows[team.dodi.id])
    assert f'<tr id="officer-{team.bayu.id}" class="concern">' in html


def test_it_shows_u6_u7_and_each_officer_against_the_unit_average(
    client: TestClient, db: Session, team: OfficersWorld
) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text
    march = _results(db, "2026-03")

    assert "The unit's average is 70.00." in html
    rows = _officers(html)
    for officer, u6, u7 in (
        (team.bayu, "1.00", "1.00"),
        (team.sari, "3.00", "3.00"),
        (team.dodi, "2.00", "4.00"),
    ):
        score = march[officer.id].score
        difference = f"{'+' if score > 70 else '−'}{abs(score - 70):.2f}"
        assert f"{score:.2f}" in rows[officer.id] and difference in rows[officer.id]
        assert f" {u6} {u7} 30 " in rows[officer.id]


def test_it_lists_officers_without_enough_ratings_quietly_with_what_they_need(
    client: TestClient, team: OfficersWorld
) -> None:
    english = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text
    indonesian = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "id"}).text

    assert team.eka.id not in _officers(english)
    item = re.search(rf'<li id="officer-{team.eka.id}">(.*?)</li>', english, re.S)
    assert item and _text(item.group(1)) == "Eka Sedikit : 5 usable ratings, 25 more needed"
    assert "A score needs at least 30 usable ratings in the period." in english
    assert "insufficient" not in english and "badge warn" not in english.split('id="officers"')[1]
    assert "25 lagi diperlukan" in indonesian


@pytest.mark.parametrize("persona", ["admin", "hr"])
def test_it_shows_hr_and_admin_the_same_order_for_any_unit(
    client: TestClient, world: World, team: OfficersWorld, persona: str
) -> None:
    html = signed_in(client, persona).get(DASHBOARD, params={"lang": "en", "unit": world.unit_a.id}).text

    assert list(_officers(html)) == [team.bayu.id, team.sari.id, team.dodi.id, team.citra.id]


@pytest.mark.parametrize("persona", ["head_b", "officer"])
def test_it_shows_no_officer_of_unit_a_to_others(
    client: TestClient, team: OfficersWorld, persona: str
) -> None:
    response = signed_in(client, persona).get(DASHBOARD, params={"lang": "en"})

    assert response.status_code in (200, 403)
    for name in ("Bayu Lambat", "Sari Petugas", "Citra Stabil", "Dodi Baru", "Eka Sedikit"):
        assert name not in response.text
