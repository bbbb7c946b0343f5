"""The imports' downloadable templates (roster; HR units and employees), CSV and XLSX, linked from the
import pages and read back by the imports themselves; and an import's "update" rows showing what
changes, field by field, old -> new."""

from __future__ import annotations

import csv
import io

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.test_hr_import import upload as hr_upload

ROSTER = "/admin/roster/import/templates/"
HR = "/admin/import/templates/"


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("persona", ["head_a", "head_b", "hr", "admin"])
def test_the_roster_import_offers_its_template_in_both_formats(
    persona: str, client: TestClient, world: World
) -> None:
    signed_in(client, persona)
    page = client.get("/admin/roster/import?lang=en").text
    assert f'href="{ROSTER}roster.xlsx"' in page and f'href="{ROSTER}roster.csv"' in page

    as_csv, as_xlsx = client.get(ROSTER + "roster.csv"), client.get(ROSTER + "roster.xlsx")

    assert as_csv.status_code == as_xlsx.status_code == 200
    assert as_csv.headers["content-disposition"] == 'attachment; filename="roster_template.csv"'
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    header = ["counter", "unit_code", "nip", "date", "start", "end"]
    example = ["Loket 1", "DUKCAPIL", "198503122010012001", "2026-03-09", "08:00", "12:00"]  # next Monday
    assert csv_rows(as_csv) == [header, example]
    assert xlsx_rows(as_xlsx) == [header, example]  # text cells: the NIP keeps its 18 digits
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet.column_dimensions["C"].number_format == "@"  # a NIP typed below stays text too


def test_the_roster_template_filled_in_is_read_by_the_import(
    client: TestClient, db: Session, world: World
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    workbook = load_workbook(io.BytesIO(client.get(ROSTER + "roster.xlsx").content))
    sheet = workbook.active
    sheet["B2"], sheet["C2"] = world.unit_a.code, world.officer.nip  # the example row, made real
    filled = io.BytesIO()
    workbook.save(filled)

    token = csrf_token(client, "/admin/roster/import")
    preview = client.post(
        "/admin/roster/import?lang=en",
        data={"_csrf_token": token},
        files={"file": ("roster_template.xlsx", filled.getvalue())},
    )

    assert preview.status_code == 200, preview.text
    assert "Apply this import" in preview.text and "2026-03-09 08:00-12:00" in preview.text
    assert counter.name in preview.text


@pytest.mark.parametrize("persona", ["hr", "admin"])
def test_the_hr_import_offers_a_template_per_kind(persona: str, client: TestClient, world: World) -> None:
    signed_in(client, persona)
    page = client.get("/admin/import/?lang=en").text
    for name in ("units.csv", "units.xlsx", "employees.csv", "employees.xlsx"):
        assert f'href="{HR}{name}"' in page

    units, employees = client.get(HR + "units.csv"), client.get(HR + "employees.xlsx")

    assert csv_rows(units) == [["code", "name", "parent_code"], ["DINKES", "Dinas Kesehatan", "PEMKOT"]]
    assert xlsx_rows(employees) == [
        ["nip", "name", "unit_code", "active"],
        ["198503122010012001", "Sari Lestari", "DINKES", "yes"],
    ]
    assert employees.headers["content-disposition"] == 'attachment; filename="employees_template.xlsx"'


def test_the_hr_templates_are_for_hr_and_admins(client: TestClient, world: World) -> None:
    assert client.get(HR + "units.csv", follow_redirects=False).status_code == 303  # anonymous: sign in
    for persona in ("head_a", "head_b", "officer"):
        client.cookies.clear()
        signed_in(client, persona)
        assert client.get(HR + "units.csv").status_code == 403
    client.cookies.clear()
    signed_in(client, "officer")
    assert client.get(ROSTER + "roster.csv").status_code == 403


@pytest.mark.parametrize(
    ("path", "name"),
    [(ROSTER, name) for name in ("roster.pdf", "units.csv", "roster", ".csv", "roster.csv.xlsx")]
    + [(HR, name) for name in ("units.pdf", "roster.csv", "employees", ".xlsx", "units.xlsx.csv")],
)
def test_an_unknown_template_is_not_found(path: str, name: str, client: TestClient, world: World) -> None:
    signed_in(client, "admin")
    assert client.get(path + name).status_code == 404


def test_an_update_row_shows_each_changed_field_old_to_new(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "hr")
    officer, colleague = world.officer, world.colleague
    content = (
        "nip,name,unit_code,active\n"
        f"{officer.nip},Sari Petugas Baru,{world.unit_b.code},no\n"  # name, unit and status change
        f"{colleague.nip},Budi Rekan,{world.unit_b.code},yes\n"  # nothing changes
    )

    preview = hr_upload(client, "employees", "employees.csv", content.encode())

    assert preview.status_code == 200 and "0 to create, 1 to update." in preview.text
    text = preview.text
    assert "<code>name</code>: Sari Petugas → Sari Petugas Baru" in text
    assert f"<code>unit_code</code>: {world.unit_a.code} → {world.unit_b.code}" in text
    assert "<code>active</code>: active → inactive" in text
    assert text.count("→") == 3  # the unchanged row lists no field


def test_a_unit_update_shows_its_new_parent(client: TestClient, db: Session, world: World) -> None:
    loose = factories.unit(db, "Unit Lepas")  # no parent yet
    signed_in(client, "admin")
    content = (
        "code,name,parent_code\n"
        f"{loose.code},Unit Lepas,{world.unit_b.code}\n"
        f"{world.unit_a1.code},{world.unit_a1.name},{world.unit_b.code}\n"
    )

    preview = hr_upload(client, "units", "units.csv", content.encode(), lang="id")

    assert preview.status_code == 200
    assert f"<code>parent_code</code>: <em>(kosong)</em> → {world.unit_b.code}" in preview.text
    assert f"<code>parent_code</code>: {world.unit_a.code} → {world.unit_b.code}" in preview.text
