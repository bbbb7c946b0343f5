"""Annual targets: set by the unit head (their units) or HR and admins, every change audited with the
old and the new value; read by the dashboard (semester, year, months against the target), the HR
export and the IKI; `unit_target` for the SKM report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter
from staff_admin.dashboard.targets import target_progress
from staff_admin.models import AuditEntry
from staff_admin.targets.service import counter_target, officer_target, unit_target
from tests import factories
from tests.staff_admin.casework import counter_for, rating
from tests.staff_admin.conftest import PERSONAS, World, csrf_token, signed_in
from tests.staff_admin.recognition_world import RecognitionWorld, recognition_world


def set_target(client: TestClient, **fields: object):
    data = {"_csrf_token": csrf_token(client, "/admin/targets/"), **{k: str(v) for k, v in fields.items()}}
    return client.post("/admin/targets/", data=data, follow_redirects=False)


def test_it_lets_a_unit_head_set_and_change_a_target_with_its_history(
    client: TestClient, db: Session, world: World, clock
) -> None:
    signed_in(client, "head_a")
    answer = set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target="82,5", officer_target="88")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/targets?year=2026&saved=1"
    assert unit_target(db, world.unit_a.id, 2026) == Decimal("82.50")
    assert officer_target(db, world.unit_a.id, 2026) == Decimal("88.00")
    clock.advance(days=120)  # mid-year the target changes
    signed_in(client, "head_a")
    assert set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target="85").status_code == 303
    db.rollback()  # a new read transaction sees the app's commit
    assert unit_target(db, world.unit_a.id, 2026) == Decimal("85.00")
    assert officer_target(db, world.unit_a.id, 2026) == Decimal("85")  # emptied: the default again
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "target.set").order_by(AuditEntry.id)
    ).all()
    assert len(entries) == 2 and entries[0].before is None
    assert entries[1].before["ikm_target"] == 82.5 and entries[1].after["ikm_target"] == 85.0
    assert entries[1].before["officer_target"] == 88.0 and entries[1].after["officer_target"] is None
    assert entries[1].at > entries[0].at and entries[1].actor_user_id == entries[0].actor_user_id
    html = client.get("/admin/targets/?year=2026&lang=en").text
    assert "IKM 82.50, IKI 88.00" in html and "IKM 85.00" in html and "User head_a" in html


def test_it_keeps_counter_targets_apart_and_removes_an_emptied_one(
    client: TestClient, db: Session, world: World
) -> None:
    counter = factories.counter(db, world.unit_a, "Loket Target")
    signed_in(client, "hr")
    assert (
        set_target(
            client, unit_id=world.unit_a.id, counter_id=counter.id, year=2026, ikm_target=90
        ).status_code
        == 303
    )
    assert (
        counter_target(db, counter.id, 2026) == Decimal("90.00")
        and unit_target(db, world.unit_a.id, 2026) is None
    )
    assert (
        set_target(
            client, unit_id=world.unit_a.id, counter_id=counter.id, year=2026, ikm_target=""
        ).status_code
        == 303
    )
    db.rollback()
    assert counter_target(db, counter.id, 2026) is None
    assert db.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "target.remove"


@pytest.mark.parametrize("value", ["abc", "24.99", "100.01", "NaN", "Infinity"])
def test_it_refuses_a_target_outside_25_to_100_in_both_languages(
    client: TestClient, world: World, value: str
) -> None:
    signed_in(client, "hr")
    client.get("/admin/targets/?lang=en")  # the language is remembered for the form's answer
    english = set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target=value)
    assert english.status_code == 422 and "Write a number from 25 to 100" in english.text
    client.get("/admin/targets/?lang=id")
    indonesian = set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target=value)
    assert "Tulis angka dari 25 sampai 100" in indonesian.text


def test_it_refuses_an_officer_target_without_a_unit_target_and_a_bad_year(
    client: TestClient, world: World
) -> None:
    signed_in(client, "hr")
    assert (
        set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target="", officer_target=80).status_code
        == 422
    )
    assert set_target(client, unit_id=world.unit_a.id, year=1999, ikm_target=80).status_code == 422
    assert client.get("/admin/targets/?year=abc").status_code == 400


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("admin", "b", 303),
        ("hr", "b", 303),
        ("head_a", "a1", 303),
        ("head_a", "b", 404),
        ("head_b", "a", 404),
        ("officer", "a", 403),
    ],
)
def test_it_lets_each_persona_set_targets_of_their_units_only(
    client: TestClient, world: World, persona: str, unit: str, status: int
) -> None:
    assert persona in PERSONAS
    signed_in(client, persona)
    unit_id = {"a": world.unit_a.id, "a1": world.unit_a1.id, "b": world.unit_b.id}[unit]
    if persona == "officer":
        assert client.get("/admin/targets/").status_code == 403
        return
    assert set_target(client, unit_id=unit_id, year=2026, ikm_target=80).status_code == status


def test_it_refuses_a_counter_of_another_unit(client: TestClient, db: Session, world: World) -> None:
    other = factories.counter(db, world.unit_b, "Loket Beta")
    signed_in(client, "head_a")
    assert (
        set_target(client, unit_id=world.unit_a.id, counter_id=other.id, year=2026, ikm_target=80).status_code
        == 404
    )


def test_it_shows_a_unit_head_only_their_units(client: TestClient, world: World) -> None:
    html = signed_in(client, "head_a").get("/admin/targets/").text
    assert "Dinas Alpha" in html and "Seksi Alpha Satu" in html and "Dinas Beta" not in html


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    answer = client.get("/admin/targets/", follow_redirects=False)
    assert answer.status_code == 303 and "/admin/login" in answer.headers["location"]


@pytest.fixture
def closed(client: TestClient, db: Session, world: World, engine, settings, clock) -> RecognitionWorld:
    signed_in(client, "hr")
    set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target=90, officer_target=95)
    client.cookies.clear()
    return recognition_world(client, db, world, engine, settings, clock)


def test_it_measures_the_hr_export_and_the_iki_against_the_unit_targets(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "hr")
    content = client.get(f"/admin/periods/{closed.march.id}/export.csv").content.decode("utf-8-sig")
    rows = {row["nip"]: row for row in csv.DictReader(io.StringIO(content))}
    sari = rows[closed.sari.nip]
    assert sari["unit_ikm_target"] == "90.0"
    assert float(sari["unit_ikm_achievement"]) == pytest.approx(float(sari["unit_ikm"]) / 90 * 100, abs=0.01)
    assert sari["iki_target"] == "95.0"  # the unit's own
    assert rows[closed.budi.nip]["iki_target"] == "85.0" and rows[closed.budi.nip]["unit_ikm_target"] == ""


def test_it_shows_the_semester_year_and_months_against_the_target_on_the_dashboard(
    client: TestClient, db: Session, closed: RecognitionWorld, world: World
) -> None:
    counter = db.scalar(select(Counter).where(Counter.unit_id == world.unit_a.id))
    signed_in(client, "head_a")
    set_target(client, unit_id=world.unit_a.id, counter_id=counter.id, year=2026, ikm_target=99)
    html = client.get(f"/admin/dashboard?period=2026-03&unit={world.unit_a.id}&lang=en").text
    assert "IKM target 2026" in html and "Target: 90.00." in html
    assert "2026-S1" in html and "Distance to the target" in html
    assert "February 2026" in html and "March 2026" in html and "Loket A" in html.split('id="target"')[1]
    assert "Achievement" in html and ('class="met"' in html or 'class="missed"' in html)


def test_it_adds_up_the_semester_the_year_and_each_counters_year_from_the_kept_ratings(
    client: TestClient, db: Session, world: World
) -> None:
    """The dashboard's target progress in the second half: the semester counts July onwards, the
    year every month so far, each counter its own ratings, and an excluded rating none of them."""
    first, second = counter_for(db, world, "a"), factories.counter(db, world.unit_a, "Loket A2")
    for counter, month, day, value, excluded in [
        (first, 3, 10, 4, False),
        (first, 8, 5, 1, False),
        (second, 8, 6, 3, False),
        (second, 9, 1, 1, True),
    ]:
        made = rating(db, counter, None, datetime(2026, month, day, 3, tzinfo=UTC), overall=value)
        for element in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"):
            setattr(made, element, value)
        made.excluded = excluded
    db.commit()
    signed_in(client, "head_a")
    for counter_id, target in ((None, 80), (first.id, 70), (second.id, 90)):
        fields = {"counter_id": counter_id} if counter_id else {}
        assert (
            set_target(client, unit_id=world.unit_a.id, year=2026, ikm_target=target, **fields).status_code
            == 303
        )

    progress = target_progress(db, world.unit_a.id, date(2026, 9, 30), "Asia/Jakarta", [])

    assert (progress.semester.label, progress.semester.ikm) == ("2026-S2", Decimal("50.00"))  # 1 and 3
    assert progress.whole_year.ikm == Decimal("66.67")  # 4, 1 and 3
    assert progress.whole_year.percent == Decimal("83.34") and progress.whole_year.met is False
    by_name = {c.name: c.year for c in progress.counters}
    assert by_name[first.name].ikm == Decimal("62.50") and by_name[second.name].ikm == Decimal("75.00")
    assert by_name[first.name].met is False and by_name[second.name].percent == Decimal("83.33")
