"""HR import of units and employees: a dry-run preview lists every row-level problem and what would
change; applying is all or nothing, audited, and for HR and admins only."""

from __future__ import annotations

import base64
import io
import re

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Employee, Unit
from staff_admin.models import AuditEntry
from staff_admin.periods import hr_import
from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in

HIDDEN = re.compile(r'name="(kind|filename|content)" value="([^"]*)"')


def upload(client: TestClient, kind: str, filename: str, content: bytes, lang: str = "en"):
    token = csrf_token(client, "/admin/import/")
    return client.post(
        f"/admin/import/?lang={lang}",
        data={"kind": kind, "_csrf_token": token},
        files={"file": (filename, content)},
    )


def apply(client: TestClient, preview_html: str):
    fields = dict(HIDDEN.findall(preview_html))
    token = csrf_token(client, "/admin/import/")
    return client.post("/admin/import/apply", data={**fields, "_csrf_token": token}, follow_redirects=False)


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_previews_then_applies_a_units_file(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "hr")
    content = f"code,name,parent_code\nDISDIK,Dinas Pendidikan,{world.root.code}\nSD1,SD Negeri 1,DISDIK\n"
    preview = upload(client, "units", "units.csv", content.encode())
    assert preview.status_code == 200 and "2 to create, 0 to update." in preview.text
    assert db.scalar(select(Unit.id).where(Unit.code == "DISDIK")) is None  # a dry run writes nothing
    assert apply(client, preview.text).status_code == 303
    child = db.scalar(select(Unit).where(Unit.code == "SD1"))
    parent = db.scalar(select(Unit).where(Unit.code == "DISDIK"))
    assert child.parent_id == parent.id and parent.parent_id == world.root.id
    assert (
        db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import.units"))
        == 1
    )


def test_it_lists_every_row_level_problem_of_an_employees_file(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "admin")
    good = factories.valid_nip(501)
    content = (
        "nip,name,unit_code,active\n"
        f"{good},Rina,{world.unit_a.code},yes\n"
        f"{good},Rina lagi,{world.unit_a.code},yes\n"
        "12345,Tono,{code},yes\n"
        f"{factories.valid_nip(502)},Dewi,NOPE,maybe\n"
    ).replace("{code}", world.unit_a.code)
    preview = upload(client, "employees", "staff.csv", content.encode())
    assert preview.status_code == 422
    text = preview.text
    assert "Row 3, column <code>nip</code>: Duplicate in this file (also row 2)." in text
    assert "Row 4, column <code>nip</code>: A NIP has exactly 18 digits." in text
    assert "Row 5, column <code>unit_code</code>: No unit with code NOPE." in text
    assert "Row 5, column <code>active</code>: Write yes or no." in text
    assert "Apply this import" not in text
    indonesian = upload(client, "employees", "staff.csv", content.encode(), lang="id")
    assert "Baris 4, kolom <code>nip</code>: NIP terdiri dari tepat 18 angka." in indonesian.text


def test_it_refuses_to_apply_a_file_with_errors_even_when_posted_directly(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "hr")
    code = world.unit_a.code
    content = f"nip,name,unit_code\n{factories.valid_nip(503)},Ok,{code}\nbad,Bad,{code}\n"
    token = csrf_token(client, "/admin/import/")
    data = {"kind": "employees", "filename": "x.csv", "content": base64.b64encode(content.encode()).decode()}
    response = client.post("/admin/import/apply", data={**data, "_csrf_token": token})
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(Employee)) == 2  # only the world's two


def test_it_rejects_cycles_and_unknown_parents_in_a_units_file(client: TestClient, world: World) -> None:
    signed_in(client, "hr")
    content = "code,name,parent_code\nX1,Satu,X2\nX2,Dua,X1\nX3,Tiga,NOWHERE\nX4,Empat,X4\n"
    text = upload(client, "units", "u.csv", content.encode()).text
    assert "Row 2, column <code>parent_code</code>: This parent would make a cycle of units." in text
    assert "Row 4, column <code>parent_code</code>: No unit with code NOWHERE." in text
    assert "Row 5, column <code>parent_code</code>: A unit cannot be its own parent." in text
    # moving an existing unit below its own sub-unit is a cycle too
    moved = f"code,name,parent_code\n{world.unit_a.code},Dinas Alpha,{world.unit_a1.code}\n"
    assert "cycle of units" in upload(client, "units", "u.csv", moved.encode()).text


def test_it_reads_xlsx_and_updates_existing_employees(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "hr")
    content = xlsx(
        [["NIP", "Name", "Unit_Code", "Active"], [world.officer.nip, "Sari P.", world.unit_b.code, "no"]]
    )
    preview = upload(client, "employees", "staff.xlsx", content)
    assert "0 to create, 1 to update." in preview.text
    assert apply(client, preview.text).status_code == 303
    db.expire_all()
    officer = db.get(Employee, world.officer.id)
    assert (officer.name, officer.unit_id, officer.active) == ("Sari P.", world.unit_b.id, False)


def test_it_explains_unreadable_files(client: TestClient, world: World) -> None:
    signed_in(client, "hr")
    assert "Upload a .csv or .xlsx file." in upload(client, "units", "units.txt", b"code,name\n").text
    assert (
        "Save the CSV file as UTF-8."
        in upload(client, "units", "u.csv", "code,name\nA,Dinas \xe9".encode("latin-1")).text
    )
    assert "lacks the column(s): name" in upload(client, "units", "u.csv", b"code\nA\n").text
    assert "not a readable XLSX" in upload(client, "units", "u.xlsx", b"not a zip").text


def test_it_leaves_nothing_behind_when_applying_fails_midway(
    client: TestClient, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client, "hr")
    content = "".join(
        ["nip,name,unit_code\n"]
        + [f"{factories.valid_nip(600 + i)},P{i},{world.unit_a.code}\n" for i in range(3)]
    )
    preview = upload(client, "employees", "staff.csv", content.encode())
    calls = []
    real_record = hr_import.audit.record

    def failing_record(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(hr_import.audit, "record", failing_record)
    response = apply(client, preview.text)
    assert response.status_code == 500
    assert db.scalar(select(func.count()).select_from(Employee)) == 2


@pytest.mark.parametrize(("persona", "status"), [("head_a", 403), ("head_b", 403), ("officer", 403)])
def test_it_lets_only_hr_and_admins_import(
    client: TestClient, world: World, persona: str, status: int
) -> None:
    signed_in(client, persona)
    assert client.get("/admin/import/").status_code == status
    token = csrf_token(client, "/admin/")
    response = client.post(
        "/admin/import/",
        data={"kind": "units", "_csrf_token": token},
        files={"file": ("u.csv", b"code,name\nZ,Z\n")},
    )
    assert response.status_code == status


def test_it_refuses_to_apply_without_csrf_token(client: TestClient, world: World) -> None:
    signed_in(client, "hr")
    content = base64.b64encode(b"code,name\nZ,Z\n").decode()
    response = client.post(
        "/admin/import/apply", data={"kind": "units", "filename": "u.csv", "content": content}
    )
    assert response.status_code == 403
