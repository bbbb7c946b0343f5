"""Control characters never get in (issue 21, items 4 and 5): a vertical tab pasted into a unit or
employee name broke every XLSX export of its period. Every staff form refuses a C0 control character
in a one-line field, naming the field, whether sent urlencoded or as multipart; a NUL byte in any
multipart field is refused before the handler, like one in an urlencoded form; an import points at
the cell. Nothing is written."""

from __future__ import annotations

import io

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee, Unit
from staff_admin.models import User
from tests import factories
from tests.conftest import FakeClock
from tests.hostile import forms_on, multipart_body
from tests.staff_admin.casework import counter_for, rating
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.scoring_jobs import run_jobs
from tests.staff_admin.test_hostile_input import stored_control_characters, stored_nul
from tests.staff_admin.test_hr_import import apply, upload
from tests.staff_admin.test_masterdata_roster import upload as upload_roster

OTHER_CONTROL = ["\x01", "\x1b", "\x7f", "\t", "\n", "\r"]
MESSAGE = "Remove the control character (such as a tab, line break or vertical tab"


def _form_values(client: TestClient, page: str, field: str) -> tuple[str, dict[str, str]]:
    """The form of `page` that has `field`: its action and the values the page fills in (the first
    real choice of each list)."""
    form = next(f for f in forms_on(client.get(page).text) if f.method == "post" and field in f.fields)
    values = {name: next((o for o in options if o), "") for name, options in form.fields.items()}
    return form.action, values


def send(client: TestClient, action: str, values: dict[str, str], encoding: str):
    if encoding == "urlencoded":
        return client.post(action + "?lang=en", data=values, follow_redirects=False)
    body, content_type = multipart_body(values)
    return client.post(
        action + "?lang=en", content=body, headers={"Content-Type": content_type}, follow_redirects=False
    )


def snapshot(db: Session) -> list[tuple]:
    db.expire_all()
    return [
        tuple(db.execute(select(model.__table__).order_by(model.id)).all())
        for model in (Unit, Employee, Counter, User)
    ]


# persona, page, the field typed into, other values a valid form needs
NAME_FIELDS = [
    ("admin", "/admin/units/new", "name", {"code": "VT1"}),
    ("admin", "/admin/units/new", "code", {"name": "Dinas Baru"}),
    ("hr", "/admin/units/{unit}/edit", "name", {}),
    ("admin", "/admin/employees/new", "name", {"nip": factories.valid_nip(777)}),
    ("hr", "/admin/employees/{officer}", "name", {}),
    ("admin", "/admin/counters/new", "name", {}),
    ("head_a", "/admin/counters/{counter}", "name", {}),
    ("admin", "/admin/users/new", "display_name", {"username": "baru", "password": "a long enough password"}),
    ("admin", "/admin/users/{user}", "display_name", {}),
]


def _refused_then_accepted(
    client: TestClient, db: Session, action: str, values: dict[str, str], field: str, encoding: str
) -> None:
    before = snapshot(db)
    response = send(client, action, values, encoding)
    assert response.status_code == 422, response.text
    assert f'id="f-{field}" name="{field}"' in response.text
    assert 'aria-invalid="true"' in response.text and MESSAGE in response.text
    assert snapshot(db) == before
    # the same form with the character taken out is accepted
    values[field] = "Dinas Alpha"
    assert send(client, action, values, encoding).status_code == 303


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize(
    ("persona", "page", "field", "others"), NAME_FIELDS, ids=[f"{p}:{f}" for _, p, f, _ in NAME_FIELDS]
)
def test_every_name_field_refuses_a_vertical_tab_naming_the_field(
    client: TestClient,
    db: Session,
    world: World,
    persona: str,
    page: str,
    field: str,
    others: dict[str, str],
    encoding: str,
) -> None:
    counter = counter_for(db, world, "a")
    user = db.scalar(select(User.id).where(User.username == "head_b"))
    path = page.format(unit=world.unit_a.id, officer=world.officer.id, counter=counter.id, user=user)
    signed_in(client, persona)
    action, values = _form_values(client, path, field)
    _refused_then_accepted(client, db, action, values | others | {field: "Dinas\x0bAlpha"}, field, encoding)


@pytest.mark.parametrize("character", OTHER_CONTROL, ids=[f"U+{ord(c):04X}" for c in OTHER_CONTROL])
def test_a_one_line_field_refuses_every_other_control_character_and_tab_and_line_breaks(
    client: TestClient, db: Session, world: World, character: str
) -> None:
    signed_in(client, "admin")
    action, values = _form_values(client, "/admin/units/new", "name")
    _refused_then_accepted(
        client, db, action, values | {"code": "C1", "name": f"Dinas{character}Alpha"}, "name", "urlencoded"
    )


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_nul_in_any_field_of_a_staff_form_is_refused_before_the_handler(
    client: TestClient, db: Session, world: World, encoding: str
) -> None:
    signed_in(client, "admin")
    action, values = _form_values(client, "/admin/units/new", "name")
    for field in ("name", "code", "parent_id"):
        before = snapshot(db)
        response = send(client, action, values | {"code": "NUL1", "name": "Dinas", field: "a\x00b"}, encoding)
        assert response.status_code == 400, (field, response.text)
        assert snapshot(db) == before and not stored_nul(db)


def test_a_nul_in_a_multipart_field_name_or_file_name_is_refused(client: TestClient, world: World) -> None:
    signed_in(client, "hr")
    token = csrf_token(client, "/admin/import/")
    content = b"code,name\nX1,Dinas\n"
    for fields, files in [
        ({"_csrf_token": token, "kind": "units", "a\x00b": "1"}, {"file": ("units.csv", content)}),
        ({"_csrf_token": token, "kind": "units"}, {"file": ("units\x00.csv", content)}),
        ({"_csrf_token": token, "kind": "units\x00"}, {"file": ("units.csv", content)}),
    ]:
        body, content_type = multipart_body(fields, files)
        response = client.post("/admin/import/", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, response.text


def test_the_hr_import_points_at_a_cell_holding_a_control_character(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "hr")
    content = f"code,name,parent_code\nVT1,Dinas\x0bAlpha,{world.root.code}\nVT2,Dinas\tBeta,\n"
    preview = upload(client, "units", "units.csv", content.encode())
    assert preview.status_code == 422
    assert "Row 2, column <code>name</code>: This cell holds a control character" in preview.text
    assert "Row 3, column <code>name</code>: This cell holds a control character" in preview.text
    assert apply(client, preview.text).status_code == 422
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.code.in_(["VT1", "VT2"]))) == 0
    assert not stored_control_characters(db)


def test_the_roster_import_points_at_a_cell_holding_a_control_character(
    client: TestClient, db: Session, world: World
) -> None:
    factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    content = (
        "counter,unit_code,nip,date,start,end\n"
        f"Loket\x0b1,{world.unit_a.code},{world.officer.nip},2026-03-03,08:00,12:00\n"
    )
    answer = upload_roster(client, content)
    assert answer.status_code == 422
    assert "Row 2, column <code>counter</code>: This cell holds a control character" in answer.text


def test_it_keeps_the_xlsx_export_whole_by_refusing_a_vertical_tab_in_a_name(
    client: TestClient, db: Session, world: World, engine, settings, clock: FakeClock
) -> None:
    """The export that a vertical tab broke: the name as it can now be stored opens in a workbook."""
    signed_in(client, "hr")
    action, values = _form_values(client, f"/admin/employees/{world.officer.id}", "name")
    assert send(client, action, values | {"name": "Sari\x0bPetugas"}, "urlencoded").status_code == 422
    rating(db, counter_for(db, world, "a"), world.officer, clock(), overall=4)
    token = csrf_token(client, "/admin/periods/")
    assert client.post("/admin/periods/", data={"_csrf_token": token, "period": "2026-03"}).status_code in (
        200,
        303,
    )
    page = client.get("/admin/periods/").text
    for step in ("score", "close"):
        if step == "close":  # closing starts from its own page, behind the list's "Close period…" link
            page = client.get(
                next(
                    p.split('"')[0]
                    for p in page.split('href="')[1:]
                    if p.startswith("/admin/periods/") and p.split('"')[0].endswith("/close")
                )
            ).text
        form = next(f for f in forms_on(page) if f.action.endswith("/" + step))
        data = {name: options[0] if options else "" for name, options in form.fields.items()}
        assert client.post(form.action, data=data, follow_redirects=False).status_code == 303
        run_jobs(engine, settings, clock)  # "score" queued a job; the worker process runs it
        page = client.get("/admin/periods/").text
    links = [part.split('"')[0] for part in page.split('href="')[1:]]
    link = next(link for link in links if link.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(client.get(link).content)).active
    assert "Sari Petugas" in [cell.value for cell in sheet["B"]]
