"""The duty roster: a week per counter in local time, single shifts checked, and the file import
with a row-level dry run and all-or-nothing apply."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import DutyShift
from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.test_hr_import import HIDDEN


def post(client: TestClient, path: str, data: dict, lang: str = "en"):
    token = csrf_token(client, "/admin/")
    return client.post(f"{path}?lang={lang}", data={"_csrf_token": token, **data}, follow_redirects=False)


def shift_form(counter_id: int, employee_id: int, start: str, end: str, day: str = "2026-03-03") -> dict:
    return {
        "counter_id": str(counter_id),
        "employee_id": str(employee_id),
        "date": day,
        "start": start,
        "end": end,
    }


def test_it_adds_shifts_in_local_time_and_shows_them_in_the_week(
    client: TestClient, db: Session, world: World
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket Timur", timezone="Asia/Jayapura")
    signed_in(client, "head_a")
    response = post(
        client, "/admin/roster/shifts", shift_form(counter.id, world.officer.id, "08:00", "12:00")
    )
    assert response.status_code == 303
    shift = db.scalars(select(DutyShift)).one()
    assert shift.starts_at == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 08:00 WIT is 23:00 UTC the day before
    week = client.get(response.headers["location"] + "&lang=en").text
    assert "Tuesday Mar 3, 2026" in week and "08:00–12:00 Sari Petugas" in week
    assert "Selasa 3 Mar 2026" in client.get(response.headers["location"] + "&lang=id").text


def test_it_refuses_overlapping_backwards_and_foreign_shifts(
    client: TestClient, db: Session, world: World
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "admin")
    assert (
        post(
            client, "/admin/roster/shifts", shift_form(counter.id, world.officer.id, "08:00", "12:00")
        ).status_code
        == 303
    )
    overlap = post(client, "/admin/roster/shifts", shift_form(counter.id, world.officer.id, "11:00", "13:00"))
    assert overlap.status_code == 422 and "Another shift at this counter overlaps this time." in overlap.text
    backwards = post(
        client, "/admin/roster/shifts", shift_form(counter.id, world.officer.id, "13:00", "12:00")
    )
    assert "must end after it starts" in backwards.text
    foreign = post(
        client, "/admin/roster/shifts", shift_form(counter.id, world.colleague.id, "13:00", "14:00"), "id"
    )
    assert "Pilih petugas aktif dari unit loket ini." in foreign.text
    assert db.scalar(select(func.count()).select_from(DutyShift)) == 1


def test_it_removes_a_shift(client: TestClient, db: Session, world: World) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    shift = factories.shift(
        db, world.officer, counter, datetime(2026, 3, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, 5, tzinfo=UTC)
    )
    signed_in(client, "hr")
    response = post(client, f"/admin/roster/shifts/{shift.id}/delete", {})
    assert response.status_code == 303 and "week=2026-03-03" in response.headers["location"]
    assert db.scalar(select(func.count()).select_from(DutyShift)) == 0


def upload(client: TestClient, content: str, lang: str = "en"):
    token = csrf_token(client, "/admin/roster/import")
    return client.post(
        f"/admin/roster/import?lang={lang}",
        data={"_csrf_token": token},
        files={"file": ("r.csv", content.encode())},
    )


def test_it_imports_a_roster_after_a_clean_preview(client: TestClient, db: Session, world: World) -> None:
    counter = factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    content = (
        "counter,unit_code,nip,date,start,end\n"
        f"Loket 1,{world.unit_a.code},{world.officer.nip},2026-03-03,08:00,12:00\n"
        f"Loket 1,{world.unit_a.code},{world.officer.nip},2026-03-04,08:00,12:00\n"
    )
    preview = upload(client, content)
    assert preview.status_code == 200 and "2026-03-04 08:00-12:00" in preview.text
    assert db.scalar(select(func.count()).select_from(DutyShift)) == 0
    token = csrf_token(client, "/admin/roster/import")
    fields = dict(HIDDEN.findall(preview.text))
    applied = client.post(
        "/admin/roster/import/apply", data={**fields, "_csrf_token": token}, follow_redirects=False
    )
    assert applied.status_code == 303
    assert db.scalar(select(func.count(DutyShift.id)).where(DutyShift.counter_id == counter.id)) == 2


def test_it_lists_row_problems_and_applies_nothing(client: TestClient, db: Session, world: World) -> None:
    counter_a = factories.counter(db, world.unit_a, "Loket 1")
    counter_b = factories.counter(db, world.unit_b, "Loket B")
    signed_in(client, "head_a")
    content = (
        "counter_id,nip,date,start,end\n"
        f"{counter_a.id},{world.officer.nip},2026-03-03,08:00,12:00\n"
        f"{counter_a.id},{world.officer.nip},2026-03-03,11:00,13:00\n"
        f"{counter_b.id},{world.colleague.nip},2026-03-03,08:00,12:00\n"
        f"{counter_a.id},{world.officer.nip},03/03/2026,8 pagi,12:00\n"
    )
    text = upload(client, content).text
    assert "Row 3, column <code>start</code>: Another shift at this counter overlaps this time." in text
    assert "Row 4, column <code>counter_id</code>: No such counter in your units." in text
    assert "Row 5, column <code>date</code>: Write the date as YYYY-MM-DD." in text
    assert "Row 5, column <code>start</code>: Write the time as HH:MM." in text
    assert "Apply this import" not in text
    assert db.scalar(select(func.count()).select_from(DutyShift)) == 0


def test_it_points_at_a_cell_holding_a_nul_character(client: TestClient, db: Session, world: World) -> None:
    factories.counter(db, world.unit_a, "Loket 1")
    signed_in(client, "head_a")
    content = (
        "counter,unit_code,nip,date,start,end\n"
        f"Loket\x001,{world.unit_a.code},{world.officer.nip},2026-03-03,08:00,12:00\n"
    )
    answer = upload(client, content)
    assert answer.status_code == 422
    assert "Row 2, column <code>counter</code>: This cell holds a NUL character" in answer.text
    assert db.scalar(select(func.count()).select_from(DutyShift)) == 0
