"""The thank-you page after a rating that opened a complaint case: its number, due date and how the
answer will come, only for the citizen who sent it (a signed reference); every thank-you page links
to the unit's public results. With the hot path and without it alike."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen.followup import ComplaintCase, case_reference
from portal.kernel.models import Counter
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.portal.citizen import Citizen


@pytest.fixture(params=[True, False], ids=["hot-path", "app-only"])
def client(request: pytest.FixtureRequest, settings: Settings, clock: FakeClock):
    app = create_app(settings.with_(hot_path=request.param), clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture
def counter(db: Session) -> Counter:
    return factories.counter(db, factories.unit(db, "Dinas Kependudukan"), "Loket 2")


def test_it_tells_the_case_number_due_date_and_that_the_answer_comes_by_email(
    client: TestClient, counter: Counter, db: Session
) -> None:
    citizen = Citizen(client, counter.public_token)
    consent = {"contact_consent": "1", "contact_email": "warga@example.com", "comment": "Lama sekali"}

    sent = citizen.rate("1", **consent)
    page = client.get(_english(sent.headers["location"]))

    case = db.scalar(select(ComplaintCase))
    assert (
        sent.status_code == 303
        and f"kasus={case_reference(TEST_SECRET, case.id)}" in sent.headers["location"]
    )
    assert f"Your feedback is now case number {case.id}" in page.text
    assert "March 9, 2026" in page.text  # five working days after Monday 2 March
    assert "by e-mail to the address you gave" in page.text
    assert "warga@example.com" not in page.text
    assert f'href="/publik#unit-{counter.unit_id}"' in page.text


def test_it_says_how_a_phone_number_or_no_contact_is_answered(
    client: TestClient, counter: Counter, db: Session
) -> None:
    citizen = Citizen(client, counter.public_token)
    phone = {"comment": "Kurang ramah", "contact_consent": "1", "contact_phone": "0812345678"}
    by_phone = client.get(_english(citizen.rate("2", **phone).headers["location"]))
    citizen.switch_phone()
    no_contact = client.get(_english(citizen.rate("1", comment="Kotor").headers["location"]))

    assert "by WhatsApp, SMS or a call" in by_phone.text
    assert "You gave no contact details" in no_contact.text


def test_it_shows_no_case_for_a_plain_rating_or_a_forged_reference(
    client: TestClient, counter: Counter, db: Session
) -> None:
    citizen = Citizen(client, counter.public_token)
    plain = citizen.rate("4")
    thanks = f"/r/{counter.public_token}/terima-kasih"

    assert "kasus" not in plain.headers["location"]
    assert "case number" not in client.get(plain.headers["location"] + "&lang=en").text.lower()
    assert (
        "case"
        not in client.get(thanks, params={"lang": "en", "kasus": "1-0000"}).text.split("<main")[1].lower()
    )
    assert "public results" in client.get(thanks, params={"lang": "en"}).text


def _english(location: str) -> str:
    return location.replace("lang=id", "lang=en")
