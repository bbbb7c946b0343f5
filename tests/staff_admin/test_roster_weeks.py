"""Copying roster weeks through the real app: last week's shifts into the shown week, or the shown
week repeated for the next N weeks; local times kept, overlapping shifts and officers who left
skipped and reported, audited, and only for the counter's unit head, HR and admins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, DutyShift
from staff_admin.models import AuditEntry
from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in

# The FakeClock's week: Monday 2 March 2026. Jakarta is UTC+7, Jayapura UTC+9.
THIS_WEEK = "2026-03-02"


def post(client: TestClient, path: str, data: dict, lang: str = "en"):
    token = csrf_token(client, "/admin/")
    return client.post(f"{path}?lang={lang}", data={"_csrf_token": token, **data}, follow_redirects=False)


def copy_last_week(client: TestClient, counter: Counter, week: str = THIS_WEEK, lang: str = "en"):
    return post(client, "/admin/roster/copy-week", {"counter_id": str(counter.id), "week": week}, lang)


def repeat(client: TestClient, counter: Counter, weeks: str, week: str = THIS_WEEK, lang: str = "en"):
    data = {"counter_id": str(counter.id), "week": week, "weeks": weeks}
    return post(client, "/admin/roster/repeat-week", data, lang)


def local(day: date, hour: int, offset: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=offset)


def shifts_of(db: Session, counter: Counter) -> list[tuple[datetime, datetime, int]]:
    rows = db.execute(
        select(DutyShift.starts_at, DutyShift.ends_at, DutyShift.employee_id)
        .where(DutyShift.counter_id == counter.id)
        .order_by(DutyShift.starts_at)
    ).all()
    return [tuple(row) for row in rows]


@pytest.fixture
def last_week(db: Session, world: World) -> Counter:
    """Unit A's counter with last week's roster: Monday and Tuesday for the officer, Wednesday for a
    colleague who has since been deactivated; this week already has a Tuesday afternoon shift."""
    counter = factories.counter(db, world.unit_a, "Loket Utama")
    leaver = factories.employee(db, world.unit_a, name="Pindah Tugas")
    factories.shift(db, world.officer, counter, local(date(2026, 2, 23), 8), local(date(2026, 2, 23), 12))
    factories.shift(db, world.officer, counter, local(date(2026, 2, 24), 13), local(date(2026, 2, 24), 16))
    factories.shift(db, leaver, counter, local(date(2026, 2, 25), 8), local(date(2026, 2, 25), 12))
    factories.shift(db, world.officer, counter, local(date(2026, 3, 3), 14), local(date(2026, 3, 3), 15))
    leaver.active = False
    db.commit()
    return counter


@pytest.mark.parametrize("persona", ["head_a", "hr", "admin"])
def test_it_copies_last_week_into_the_shown_week_and_reports_what_it_skipped(
    persona: str, client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    signed_in(client, persona)

    response = copy_last_week(client, last_week)

    assert response.status_code == 200
    page = response.text
    assert "1 shift copied, 2 skipped" in page
    assert "from the week of Feb 23, 2026, into the week of Mar 2, 2026" in page
    assert "Mar 3, 2026 13:00–16:00 Sari Petugas: Another shift at this counter overlaps this time." in page
    assert "Mar 4, 2026 08:00–12:00 Pindah Tugas: The officer is no longer active in the counter" in page
    assert "Monday Mar 2, 2026" in page and "08:00–12:00 Sari Petugas" in page  # the week shown after
    this_week = [s for s in shifts_of(db, last_week) if s[0] >= local(date(2026, 3, 2), 0)]
    assert this_week == [
        (local(date(2026, 3, 2), 8), local(date(2026, 3, 2), 12), world.officer.id),
        (local(date(2026, 3, 3), 14), local(date(2026, 3, 3), 15), world.officer.id),  # was there
    ]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "shift.create"))
    assert (
        entry.note == "copied from the week of 2026-02-23" and entry.after["employee_id"] == world.officer.id
    )


def test_copying_again_copies_nothing_more(
    client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    signed_in(client, "head_a")
    assert "1 shift copied" in copy_last_week(client, last_week).text

    again = copy_last_week(client, last_week, lang="id")

    assert again.status_code == 200 and "0 jadwal disalin, 3 dilewati" in again.text
    assert len(shifts_of(db, last_week)) == 5


def test_it_repeats_the_shown_week_for_the_next_weeks_in_local_time(
    client: TestClient, db: Session, world: World
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket Papua", timezone="Asia/Jayapura")
    monday, friday = date(2026, 3, 2), date(2026, 3, 6)
    factories.shift(db, world.officer, counter, local(monday, 8, 9), local(monday, 12, 9))
    factories.shift(db, world.officer, counter, local(friday, 7, 9), local(friday, 11, 9))
    signed_in(client, "head_a")

    response = repeat(client, counter, "3")

    assert response.status_code == 200
    assert "6 shifts copied, 0 skipped" in response.text
    assert "into 3 weeks from Mar 9, 2026 to Mar 23, 2026" in response.text
    expected = []
    for week in range(4):
        for day, start, end in ((monday, 8, 12), (friday, 7, 11)):
            moved = day + timedelta(days=7 * week)
            expected.append((local(moved, start, 9), local(moved, end, 9), world.officer.id))
    assert shifts_of(db, counter) == sorted(expected)


@pytest.mark.parametrize("weeks", ["0", "13", "two", "", "-1", "1e3"])
def test_it_refuses_a_number_of_weeks_outside_1_to_12(
    weeks: str, client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    signed_in(client, "hr")

    response = repeat(client, last_week, weeks, lang="id")

    assert response.status_code == 422 and "Pilih 1 sampai 12 minggu." in response.text
    assert len(shifts_of(db, last_week)) == 4


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "1999-12-31", "not a date"])
def test_it_refuses_weeks_far_away_or_unreadable(
    week: str, client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    signed_in(client, "admin")

    copied, repeated = copy_last_week(client, last_week, week), repeat(client, last_week, "12", week)

    assert copied.status_code == repeated.status_code == 422
    assert len(shifts_of(db, last_week)) == 4


def test_a_unit_head_of_another_unit_gets_not_found(
    client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    signed_in(client, "head_b")
    assert copy_last_week(client, last_week).status_code == 404
    assert repeat(client, last_week, "2").status_code == 404
    assert len(shifts_of(db, last_week)) == 4


def test_officers_may_not_and_anonymous_visitors_sign_in_first(
    client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    assert copy_last_week(client, last_week).status_code == 303  # to the sign-in page
    signed_in(client, "officer")
    assert copy_last_week(client, last_week).status_code == 403
    assert repeat(client, last_week, "2").status_code == 403
    assert db.scalar(select(func.count()).select_from(DutyShift)) == 4


def test_the_week_page_offers_both_ways(
    client: TestClient, db: Session, world: World, last_week: Counter
) -> None:
    signed_in(client, "head_a")
    page = client.get(f"/admin/roster/?counter={last_week.id}&week={THIS_WEEK}&lang=id").text
    assert "Salin jadwal minggu lalu ke minggu ini" in page and "Ulangi minggu ini" in page
    assert 'action="/admin/roster/copy-week"' in page and 'action="/admin/roster/repeat-week"' in page
