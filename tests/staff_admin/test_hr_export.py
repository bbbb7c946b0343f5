"""The HR export of a closed period: one row per officer with provenance, as CSV (UTF-8 BOM, ISO
dates) and XLSX (real dates and numbers, bold frozen header), with formulas neutralised; names, NIPs
and units as they were at closing; enumerations in one language (Indonesian codes)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from portal.kernel.models import Employee, Unit
from staff_admin.kit.exports import neutralise
from staff_admin.periods.export import COLUMNS, SKP_CATEGORIES
from staff_admin.periods.models import ScoringPeriod
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.hr_data import march_ratings
from tests.staff_admin.test_periods_lifecycle import closed_period, open_period

FORMULA = '=HYPERLINK("http://evil.example","klik")'


@pytest.fixture
def closed(client: TestClient, db: Session, world: World, engine, settings, clock) -> ScoringPeriod:
    march_ratings(db, world)
    db.get(Employee, world.colleague.id).name = FORMULA
    db.get(Unit, world.unit_b.id).name = "+Dinas Beta"
    db.commit()
    signed_in(client, "hr")
    return closed_period(client, db, engine, settings, clock)


def csv_rows(client: TestClient, period_id: int) -> tuple[bytes, list[dict[str, str]]]:
    response = client.get(f"/admin/periods/{period_id}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return response.content, list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_exports_one_csv_row_per_officer_with_provenance(
    client: TestClient, closed: ScoringPeriod, world: World
) -> None:
    raw, rows = csv_rows(client, closed.id)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    assert list(rows[0]) == list(COLUMNS)
    by_nip = {row["nip"]: row for row in rows}
    officer = by_nip[world.officer.nip]
    assert (officer["ratings_received"], officer["excluded_total"], officer["used"]) == ("53", "8", "45")
    assert officer["excluded_by_reason"] == "burst: 8"
    assert officer["sufficient"] == "ya" and officer["skp_category"] in SKP_CATEGORIES[:3]
    assert float(officer["score_low"]) <= float(officer["score"]) <= float(officer["score_high"])
    assert float(officer["score_adjusted"]) == pytest.approx(float(officer["score"]), abs=0.01)  # one counter
    assert officer["unit_ikm"] and officer["unit_grade"] in "ABCD"
    assert (officer["period"], officer["period_start"], officer["period_end"]) == (
        "2026-03",
        "2026-03-01",
        "2026-03-31",
    )
    assert (
        officer["input_hash"] == closed.input_hash and officer["detector_version"] == closed.detector_version
    )


def test_it_exports_insufficient_officers_without_a_bare_score(
    client: TestClient, closed: ScoringPeriod, world: World
) -> None:
    _, rows = csv_rows(client, closed.id)
    colleague = next(row for row in rows if row["nip"] == world.colleague.nip)
    assert colleague["sufficient"] == "tidak" and colleague["skp_category"] == "belum_cukup_penilaian"
    assert colleague["score"] == colleague["score_low"] == colleague["score_high"] == ""


def test_it_neutralises_formulas_in_text_cells(
    client: TestClient, closed: ScoringPeriod, world: World
) -> None:
    _, rows = csv_rows(client, closed.id)
    colleague = next(row for row in rows if row["nip"] == world.colleague.nip)
    assert colleague["name"] == "'" + FORMULA
    assert colleague["unit_name"] == "'+Dinas Beta"
    assert [neutralise(v) for v in ("-1", "@x", "\tx", "\rx", "ok", 5)] == [
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "ok",
        5,
    ]


def test_it_exports_xlsx_with_real_dates_numbers_and_a_frozen_bold_header(
    client: TestClient, closed: ScoringPeriod, world: World
) -> None:
    response = client.get(f"/admin/periods/{closed.id}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS) and sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    officer = next(row for row in rows if row["nip"] == world.officer.nip)
    assert officer["period_start"].date() == date(2026, 3, 1)  # a date cell, not text
    assert isinstance(officer["score"], float) and isinstance(officer["ratings_received"], int)
    colleague = next(row for row in rows if row["nip"] == world.colleague.nip)
    assert colleague["name"] == "'" + FORMULA and colleague["score"] is None
    cells = {c.value: c for c in sheet[rows.index(colleague) + 2]}
    assert cells["'" + FORMULA].data_type == "s"  # text, not a formula


def test_it_refuses_to_export_a_period_that_is_not_closed(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "hr")
    period = open_period(client, db)
    response = client.get(f"/admin/periods/{period.id}/export.csv?lang=en")
    assert response.status_code == 422 and "Only a closed period can be exported" in response.text
    response = client.get(f"/admin/periods/{period.id}/export.xlsx?lang=id")
    assert response.status_code == 422 and "Hanya periode yang sudah ditutup" in response.text


@pytest.mark.parametrize(("persona", "status"), [("head_a", 403), ("head_b", 403), ("officer", 403)])
def test_it_exports_to_hr_and_admins_only(
    client: TestClient, closed: ScoringPeriod, persona: str, status: int
) -> None:
    client.cookies.clear()
    signed_in(client, persona)
    assert client.get(f"/admin/periods/{closed.id}/export.csv").status_code == status
    assert client.get(f"/admin/periods/{closed.id}/export.xlsx").status_code == status


def test_it_lets_an_admin_export_and_answers_404_for_an_unknown_period(
    client: TestClient, closed: ScoringPeriod
) -> None:
    client.cookies.clear()
    signed_in(client, "admin")
    assert client.get(f"/admin/periods/{closed.id}/export.xlsx").status_code == 200
    assert client.get(f"/admin/periods/{closed.id + 99}/export.csv").status_code == 404
    assert csrf_token(client, "/admin/periods/")


def test_no_export_may_be_cached(client: TestClient, closed: ScoringPeriod) -> None:
    """Issue 21, item 8: NIPs and individual scores stay out of browser and proxy caches, like every
    other staff answer."""
    exports = [
        f"/admin/periods/{closed.id}/export.csv",
        f"/admin/periods/{closed.id}/export.xlsx",
        "/admin/ratings/export.csv?period=2026-03",
    ]
    for path in exports:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "attachment" in response.headers["content-disposition"], path
        assert response.headers["cache-control"] == "no-store", path
    for page in ("/admin/", "/admin/periods/", "/admin/ratings?period=2026-03"):
        assert client.get(page).headers["cache-control"] == "no-store", page


def test_it_exports_names_nips_and_units_as_they_were_at_closing(
    client: TestClient, db: Session, closed: ScoringPeriod, world: World
) -> None:
    """Seen: renaming an officer after closing changed the closed period's export."""
    _, before = csv_rows(client, closed.id)
    nip, unit_code = world.officer.nip, world.unit_a.code
    officer = db.get(Employee, world.officer.id)  # the same object as world.officer
    officer.name, officer.nip, officer.unit_id = "Sari Renamed", "198503122010012999", world.unit_b.id
    db.get(Unit, world.unit_a.id).name, db.get(Unit, world.unit_a.id).code = "Dinas Baru", "NEW"
    db.commit()
    _, after = csv_rows(client, closed.id)
    assert after == before
    row = next(r for r in after if r["nip"] == nip)
    assert (row["name"], row["unit_code"], row["unit_name"]) == ("Sari Petugas", unit_code, "Dinas Alpha")
    response = client.get(f"/admin/periods/{closed.id}/export.xlsx")
    names = [row[1].value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2)]
    assert "Sari Petugas" in names and "Sari Renamed" not in names


def test_it_uses_one_language_for_every_enumeration(client: TestClient, closed: ScoringPeriod) -> None:
    _, rows = csv_rows(client, closed.id)
    assert {row["sufficient"] for row in rows} == {"ya", "tidak"}
    assert {row["skp_category"] for row in rows} <= set(SKP_CATEGORIES)
    assert "insufficient" not in SKP_CATEGORIES and all(row["unit_grade"] in "ABCD" for row in rows)


def test_it_exports_the_local_day_of_closing(
    client: TestClient, db: Session, world: World, engine, settings, clock: FakeClock
) -> None:
    """Closed at 20:00 UTC on 31 March, which is 03:00 on 1 April in Jakarta."""
    march_ratings(db, world)
    clock.set(datetime(2026, 3, 31, 20, 0, tzinfo=UTC))
    signed_in(client, "hr")
    period = closed_period(client, db, engine, settings, clock)
    _, rows = csv_rows(client, period.id)
    assert {row["closed_at"] for row in rows} == {"2026-04-01"}
