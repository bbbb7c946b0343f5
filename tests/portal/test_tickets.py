"""A queue slip's QR code rates one service transaction, once, attributed to its officer."""

from __future__ import annotations

import threading

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen import channels
from portal.citizen.forms import parse_rating_form
from portal.citizen.service import Citizen, SubmitOutcome, submit_ticket_rating
from portal.kernel.db import make_sessionmaker
from portal.kernel.models import Counter, Employee, RatingTicket, Unit
from portal.kernel.security import FormSigner
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import FakeClock
from tests.portal.citizen import form_token
from tests.portal.machines import QueueMachine, queue_machine, rejected, stored


@pytest.fixture
def unit(db: Session) -> Unit:
    return factories.unit(db, "Dinas Kependudukan dan Pencatatan Sipil")


@pytest.fixture
def counter(db: Session, unit: Unit) -> Counter:
    return factories.counter(db, unit, "Loket 2 · Kartu Keluarga")


@pytest.fixture
def officer(db: Session, unit: Unit) -> Employee:
    return factories.employee(db, unit, "Sari Lestari")


@pytest.fixture
def machine(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock, unit: Unit
) -> QueueMachine:
    return queue_machine(client, db, settings, clock, unit)


def rate(client: TestClient, path: str, **fields: str):
    form = client.get(path)
    assert form.status_code == 200, form.text
    return client.post(path, data={"form_token": form_token(form.text), **fields}, follow_redirects=False)


def test_a_ticket_rates_its_officer_once(
    machine: QueueMachine, client: TestClient, counter: Counter, officer: Employee, db: Session
) -> None:
    path = machine.ticket_path(counter.id, officer_nip=officer.nip)
    page = client.get(path)
    assert "Loket 2 · Kartu Keluarga" in page.text and "Sari Lestari" in page.text
    assert f'action="{path}"' in page.text

    answer = rate(client, path, overall="4", u6="4", u7="3")
    assert answer.status_code == 303
    thanks = client.get(answer.headers["location"])
    assert "Penilaian Anda sudah tercatat" in thanks.text
    (rating,) = stored(db)
    assert (rating.channel, rating.attribution, rating.employee_id) == ("ticket", "ticket", officer.id)
    assert (rating.counter_id, rating.unit_id, rating.overall, rating.u7) == (
        counter.id,
        counter.unit_id,
        4,
        3,
    )
    ticket = db.scalars(select(RatingTicket)).one()
    assert ticket.rating_id == rating.id and ticket.used_at is not None

    # the slip again: "already rated", nothing stored, the reuse counted
    again = client.get(path, params={"lang": "en"})
    assert again.status_code == 200
    assert "This ticket has already been rated" in again.text
    assert 'name="form_token"' not in again.text
    assert rejected(db, "ticket", "reused") == 1
    assert len(stored(db)) == 1


def test_the_thanks_redirect_never_takes_its_host_from_the_request(
    machine: QueueMachine, client: TestClient, counter: Counter
) -> None:
    """Issue 21, item 9: a forged Host header cannot send the citizen to another site."""
    path = machine.ticket_path(counter.id)
    form = form_token(client.get(path).text)
    answer = client.post(
        path,
        data={"form_token": form, "overall": "4"},
        headers={"Host": "evil.example"},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    location = answer.headers["location"]
    assert "evil.example" not in location
    assert location.startswith(f"{path}/terima-kasih?lang=")


def test_a_second_form_of_the_same_ticket_stores_nothing(
    machine: QueueMachine, client: TestClient, counter: Counter, db: Session
) -> None:
    path = machine.ticket_path(counter.id)
    first, second = (form_token(client.get(path).text) for _ in range(2))  # two tabs
    assert (
        client.post(path, data={"form_token": first, "overall": "4"}, follow_redirects=False).status_code
        == 303
    )
    late = client.post(path, data={"form_token": second, "overall": "1"}, follow_redirects=False)
    assert late.status_code == 200
    assert "Tiket ini sudah dipakai untuk menilai" in late.text
    assert [r.overall for r in stored(db)] == [4]
    assert rejected(db, "ticket", "reused") == 1


def test_the_same_form_posted_twice_says_thanks_twice_and_counts_no_reuse(
    machine: QueueMachine, client: TestClient, counter: Counter, db: Session
) -> None:
    path = machine.ticket_path(counter.id)
    form = form_token(client.get(path).text)
    answers = [
        client.post(path, data={"form_token": form, "overall": "3"}, follow_redirects=False) for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert len(stored(db)) == 1
    assert rejected(db) == 0


def test_without_a_nip_the_ticket_names_the_officer_on_duty(
    machine: QueueMachine,
    client: TestClient,
    counter: Counter,
    officer: Employee,
    db: Session,
    clock: FakeClock,
) -> None:
    factories.shift(db, officer, counter, clock.now.replace(hour=1), clock.now.replace(hour=8))
    issued = machine.issue(counter.id)
    assert issued.json()["officer_nip"] == officer.nip
    path = "/" + issued.json()["rating_url"].split("/", 3)[3]
    clock.advance(hours=10)  # the citizen rates in the evening, long after the shift ended
    rate(client, path, overall="2")
    (rating,) = stored(db)
    assert (rating.employee_id, rating.attribution) == (officer.id, "ticket")


def test_with_nobody_on_duty_the_rating_is_not_attributed(
    machine: QueueMachine, client: TestClient, counter: Counter, db: Session
) -> None:
    issued = machine.issue(counter.id)
    assert issued.json()["officer_nip"] is None
    rate(client, "/" + issued.json()["rating_url"].split("/", 3)[3], overall="3")
    (rating,) = stored(db)
    assert (rating.channel, rating.employee_id, rating.attribution) == ("ticket", None, "none")


def test_a_ticket_expires(
    machine: QueueMachine,
    client: TestClient,
    counter: Counter,
    db: Session,
    clock: FakeClock,
    settings: Settings,
) -> None:
    path = machine.ticket_path(counter.id)
    form = form_token(client.get(path).text)
    clock.advance(seconds=settings.ticket_ttl_seconds - 1)
    assert client.get(path).status_code == 200
    clock.advance(seconds=1)
    expired = client.get(path, headers={"Accept-Language": "en"})
    assert expired.status_code == 410
    assert "This ticket has expired" in expired.text
    late = client.post(path, data={"form_token": form, "overall": "4"}, follow_redirects=False)
    assert late.status_code == 410
    assert stored(db) == []
    assert rejected(db, "ticket", "expired") == 2


@pytest.mark.parametrize("token", ["A" * 32, "nonsense", "-o8902NDEAGCIyge1zfsqgpfRlP7_LW-"])
def test_a_forged_ticket_is_not_found_and_counted(client: TestClient, db: Session, token: str) -> None:
    assert client.get(f"/t/{token}").status_code == 404
    assert client.post(f"/t/{token}", data={"form_token": "x", "overall": "4"}).status_code == 404
    assert rejected(db, "ticket", "forged") == 2
    assert stored(db) == []


def test_a_ticket_form_cannot_be_used_on_the_counter_page_or_another_ticket(
    machine: QueueMachine, client: TestClient, counter: Counter, db: Session
) -> None:
    first, second = machine.ticket_path(counter.id), machine.ticket_path(counter.id)
    form = form_token(client.get(first).text)
    on_poster = client.post(f"/r/{counter.public_token}", data={"form_token": form, "overall": "4"})
    assert on_poster.status_code == 422
    on_other = client.post(second, data={"form_token": form, "overall": "4"}, follow_redirects=False)
    assert on_other.status_code == 422
    # and a poster form cannot use a ticket
    poster_form = form_token(client.get(f"/r/{counter.public_token}").text)
    assert client.post(first, data={"form_token": poster_form, "overall": "4"}).status_code == 422
    assert stored(db) == []


def test_a_ticket_form_with_errors_is_shown_again_bound_to_the_ticket(
    machine: QueueMachine, client: TestClient, counter: Counter, db: Session
) -> None:
    path = machine.ticket_path(counter.id)
    again = client.post(path, data={"form_token": form_token(client.get(path).text), "comment": "cepat"})
    assert again.status_code == 422
    assert f'action="{path}"' in again.text and "cepat</textarea>" in again.text
    client.post(path, data={"form_token": form_token(again.text), "overall": "4"})
    assert [r.channel for r in stored(db)] == ["ticket"]


def test_the_url_token_is_not_stored(machine: QueueMachine, counter: Counter, db: Session) -> None:
    path = machine.ticket_path(counter.id)
    token = path.rsplit("/", 1)[1]
    assert channels.looks_like_ticket_token(token)
    ticket = db.scalars(select(RatingTicket)).one()
    assert token not in {ticket.token_hash, ticket.token_seed}


def test_two_submissions_of_one_ticket_at_the_same_moment_store_one_rating(
    machine: QueueMachine, client: TestClient, counter: Counter, db: Session, engine, settings, clock
) -> None:
    token = machine.ticket_path(counter.id).rsplit("/", 1)[1]
    ticket = db.scalars(select(RatingTicket)).one()
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    # two phones (two different forms) and a double tap on one of them, all at once
    forms = [signer.sign(counter.id, clock().timestamp(), f"t:{ticket.id}") for _ in range(2)]
    posts = [forms[0], forms[1], forms[1]]
    start = threading.Barrier(len(posts))
    outcomes: list[SubmitOutcome] = []
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            with make_sessionmaker(engine)() as session:
                start.wait()
                outcomes.append(
                    submit_ticket_rating(
                        session,
                        settings,
                        signer,
                        clock(),
                        token,
                        parse_rating_form({"form_token": posts[index], "overall": "4"}),
                        Citizen(device_token=None, address=f"198.51.100.{index}", language="id"),
                    )
                )
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(stored(db)) == 1
    assert outcomes.count(SubmitOutcome.STORED) == 1
    assert set(outcomes) <= {SubmitOutcome.STORED, SubmitOutcome.DUPLICATE, SubmitOutcome.ALREADY_USED}
    db.expire_all()
    assert db.get_one(RatingTicket, ticket.id).rating_id == stored(db)[0].id
