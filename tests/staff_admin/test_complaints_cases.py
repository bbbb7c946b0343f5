"""Complaint cases: opened from the citizen form (low rating with a comment, or a reply requested
with consent), worked new -> in progress -> resolved | dismissed, due in working days, overdue
highlighted, contact details purged after the retention period."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase, ContactDetails, add_working_days
from staff_admin.access import Principal
from staff_admin.complaints import cli as complaints_cli
from staff_admin.complaints.service import CASES_PER_PAGE, overdue_count
from staff_admin.models import AuditEntry
from tests.conftest import FakeClock
from tests.portal.citizen import Citizen
from tests.staff_admin.alert_world import open_case
from tests.staff_admin.casework import counter_for, other_officer, post_form, rating
from tests.staff_admin.conftest import World, signed_in

FRIDAY = datetime(2026, 3, 6, 3, 0, tzinfo=UTC)  # Friday 10:00 in Jakarta


@pytest.fixture
def citizen(client: TestClient, db: Session, world: World) -> Citizen:
    return Citizen(client, counter_for(db, world, "a").public_token)


def _case(db: Session) -> ComplaintCase:
    db.expire_all()
    return db.scalar(select(ComplaintCase))


def test_a_low_rating_with_a_comment_opens_a_case(citizen: Citizen, db: Session) -> None:
    assert citizen.rate("2", comment="Antrean lama sekali").status_code == 303
    case = _case(db)
    assert (case.status, case.low_rating, case.reply_requested) == ("new", True, False)
    assert db.scalars(select(ContactDetails)).all() == []


def test_a_low_rating_without_a_comment_or_a_good_one_opens_none(citizen: Citizen, db: Session) -> None:
    citizen.rate("1")
    citizen.switch_phone()
    citizen.rate("4", comment="bagus")
    assert _case(db) is None


def test_a_reply_request_with_consent_opens_a_case_and_keeps_the_contact(
    citizen: Citizen, db: Session
) -> None:
    response = citizen.rate("4", contact_name="Ani", contact_phone="+62 812 3456 7890", contact_consent="yes")
    assert response.status_code == 303
    case = _case(db)
    assert (case.low_rating, case.reply_requested) == (False, True)
    contact = db.scalar(select(ContactDetails))
    assert (contact.case_id, contact.name, contact.phone) == (case.id, "Ani", "+62 812 3456 7890")


def test_contact_details_without_consent_are_not_stored(citizen: Citizen, db: Session) -> None:
    assert citizen.rate("4", contact_name="Ani", contact_email="ani@example.id").status_code == 303
    assert _case(db) is None and db.scalars(select(ContactDetails)).all() == []


def test_the_form_explains_consent_and_retention(client: TestClient, citizen: Citizen) -> None:
    page = client.get(f"/r/{citizen.token}?lang=en").text
    assert "delete them 90 days after your case is closed" in page
    assert "Without this tick your contact details are not stored" in page
    assert "menghapusnya 90 hari" in client.get(f"/r/{citizen.token}?lang=id").text


def test_consent_without_a_phone_or_email_asks_for_one(citizen: Citizen, db: Session) -> None:
    response = citizen.submit(citizen.open_form(lang="en"), overall="3", contact_consent="yes")
    assert response.status_code == 422
    assert "Please give a phone number or an e-mail address" in response.text
    assert _case(db) is None


def test_the_due_date_counts_working_days_over_a_weekend(
    citizen: Citizen, db: Session, clock: FakeClock
) -> None:
    assert add_working_days(date(2026, 3, 6), 5) == date(2026, 3, 13)  # Friday -> next Friday
    assert add_working_days(date(2026, 3, 7), 5) == date(2026, 3, 13)  # Saturday -> Friday
    assert add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)  # Monday -> Monday
    clock.set(FRIDAY)
    citizen.rate("1", comment="kasar")
    assert _case(db).due_on == date(2026, 3, 13)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("hr", 200), ("head_a", 200), ("head_b", 404), ("officer", 403), ("other_officer", 403)],
)
def test_it_shows_a_case_only_within_the_principals_units(
    citizen: Citizen,
    client: TestClient,
    db: Session,
    world: World,
    clock: FakeClock,
    persona: str,
    status: int,
) -> None:
    other_officer(db, world, clock())
    citizen.rate("1", comment="kasar <b>sekali</b>", contact_email="ani@example.id", contact_consent="yes")
    case = _case(db)
    client.cookies.clear()
    signed_in(client, persona)
    response = client.get(f"/admin/complaints/{case.id}")
    assert response.status_code == status
    if status == 200:
        assert "ani@example.id" in response.text and "kasar &lt;b&gt;sekali&lt;/b&gt;" in response.text
    listing = client.get("/admin/complaints")
    assert listing.status_code == (403 if "officer" in persona else 200)
    if persona == "head_b":
        assert f'id="case-{case.id}"' not in listing.text


def test_it_walks_a_case_to_resolved_with_a_required_response_audited(
    citizen: Citizen, client: TestClient, db: Session, world: World
) -> None:
    citizen.rate("2", comment="lama")
    case = _case(db)
    client.cookies.clear()
    signed_in(client, "head_a")
    path = f"/admin/complaints/{case.id}"
    assert post_form(client, path, {"action": "start"}).status_code == 303
    missing = post_form(client, f"{path}?lang=en", {"action": "resolve", "text": " "})
    assert missing.status_code == 422 and "Please write the response given to the citizen." in missing.text
    assert _case(db).status == "in_progress"
    assert post_form(client, path, {"action": "resolve", "text": "We added a counter."}).status_code == 303
    case = _case(db)
    assert (case.status, case.response) == ("resolved", "We added a counter.") and case.closed_at is not None
    assert post_form(client, path, {"action": "dismiss", "text": "late"}).status_code == 422
    actions = [
        (e.action, e.before, e.after)
        for e in db.scalars(select(AuditEntry).where(AuditEntry.object_type == "complaint"))
    ]
    assert actions == [
        ("complaint.start", {"status": "new"}, {"status": "in_progress"}),
        ("complaint.resolve", {"status": "in_progress"}, {"status": "resolved"}),
    ]


def test_it_dismisses_only_with_a_reason(
    citizen: Citizen, client: TestClient, db: Session, world: World
) -> None:
    citizen.rate("1", comment="spam")
    case = _case(db)
    client.cookies.clear()
    signed_in(client, "hr")
    path = f"/admin/complaints/{case.id}?lang=id"
    missing = post_form(client, path, {"action": "dismiss", "text": ""})
    assert missing.status_code == 422 and "Mohon tuliskan alasan" in missing.text
    assert post_form(client, path, {"action": "dismiss", "text": "not a complaint"}).status_code == 303
    assert (_case(db).status, _case(db).dismiss_reason) == ("dismissed", "not a complaint")


def test_it_highlights_overdue_cases_and_counts_them(
    citizen: Citizen, client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    clock.set(FRIDAY)
    citizen.rate("1", comment="kasar")
    case = _case(db)
    client.cookies.clear()
    clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=UTC))  # due day, 16:00 in Jakarta: not yet overdue
    signed_in(client, "head_a")
    assert 'class="overdue"' not in client.get("/admin/complaints").text
    clock.set(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))  # Monday after
    client.cookies.clear()
    signed_in(client, "head_a")
    page = client.get("/admin/complaints?lang=en").text
    assert f'<tr id="case-{case.id}" class="overdue">' in page and "1 case is overdue" in page
    assert "1 complaint is past its due date." in client.get("/admin/dashboard?lang=en").text
    client.cookies.clear()
    signed_in(client, "head_b")
    assert "past its due date" not in client.get("/admin/dashboard?lang=en").text
    head_a = Principal(
        0, "h", "h", "unit_head", world.unit_a.id, None, frozenset({world.unit_a.id, world.unit_a1.id})
    )
    head_b = Principal(0, "h", "h", "unit_head", world.unit_b.id, None, frozenset({world.unit_b.id}))
    assert overdue_count(db, head_a, date(2026, 3, 16)) == 1
    assert overdue_count(db, head_b, date(2026, 3, 16)) == 0
    assert overdue_count(db, head_a, date(2026, 3, 13)) == 0


def test_purge_contacts_deletes_details_after_the_retention_period(
    citizen: Citizen, client: TestClient, db: Session, world: World, clock: FakeClock, settings
) -> None:
    citizen.rate("4", contact_phone="0812345678", contact_consent="yes")
    citizen.switch_phone()
    citizen.rate("4", contact_phone="0899999999", contact_consent="yes")
    first, second = db.scalars(select(ComplaintCase).order_by(ComplaintCase.id)).all()
    client.cookies.clear()
    signed_in(client, "head_a")
    post_form(client, f"/admin/complaints/{first.id}", {"action": "resolve", "text": "called back"})
    clock.advance(days=settings.contact_retention_days - 1)
    assert complaints_cli._purge(None, settings, clock) == 0
    assert len(db.scalars(select(ContactDetails)).all()) == 2
    clock.advance(days=1)
    complaints_cli._purge(None, settings, clock)
    db.expire_all()
    assert [c.case_id for c in db.scalars(select(ContactDetails))] == [second.id]  # still open: kept
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "contact.purge"))
    assert entry.object_id == str(first.id) and entry.actor_user_id is None
    assert "0812345678" not in str(entry.before) + str(entry.after)


def test_it_pages_through_every_case_the_soonest_due_first(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    """More open cases than a page holds, and some closed ones: every case reachable, the soonest due
    first across the pages, the closed ones only with "show closed cases too", within the head's units."""
    counter = counter_for(db, world, "a")
    due = [date(2026, 3, 2) + timedelta(days=i % 40) for i in range(CASES_PER_PAGE + 30)]
    for i, due_on in enumerate(due):
        made = rating(db, counter, None, FRIDAY - timedelta(minutes=i), overall=1, device=f"d{i}")
        open_case(db, made, due_on, status="resolved" if i % 13 == 0 else "new")
    open_case(db, rating(db, counter_for(db, world, "b"), None, FRIDAY, overall=1), date(2026, 3, 1))
    clock.set(FRIDAY)
    signed_in(client, "head_a")

    def cases(query: str) -> list[int]:
        return [
            int(n) for n in re.findall(r'<tr id="case-(\d+)"', client.get(f"/admin/complaints?{query}").text)
        ]

    open_ids = cases("lang=en") + cases("page=2")
    every_id = cases("show=all") + cases("show=all&page=2")
    page_one = client.get("/admin/complaints?lang=en").text

    stored = {
        c.id: c for c in db.scalars(select(ComplaintCase).where(ComplaintCase.unit_id == world.unit_a.id))
    }
    assert sorted(every_id) == sorted(stored) and len(every_id) == CASES_PER_PAGE + 30
    assert sorted(open_ids) == sorted(i for i, c in stored.items() if c.status == "new")
    assert [stored[i].due_on for i in every_id] == sorted(stored[i].due_on for i in every_id)
    assert f"{len(open_ids)} open cases, the soonest due first." in page_one and "Page 1 of 2" in page_one
    assert 'href="/admin/complaints?page=2&amp;show=all"' in client.get("/admin/complaints?show=all").text
