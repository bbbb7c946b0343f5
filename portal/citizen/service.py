"""The citizen side's rules: what a counter page shows, kiosk codes and tickets at the door. The
counters and locks shared by every app process are in portal.citizen.flood; ratings posted to a
counter page are stored by portal.citizen.intake."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.citizen.channels import KioskCodeRejected, ticket_token, verify_kiosk_code
from portal.citizen.duty import COUNTER_ON_DUTY, duty_changes_at, on_duty_query
from portal.citizen.flood import add_hits, allow_submission, counts_without_flush_wait, record_rejection
from portal.citizen.followup import open_case_if_needed
from portal.citizen.forms import RatingInput
from portal.citizen.rating_row import rating_row, seconds_on_form
from portal.kernel.hours import is_open
from portal.kernel.models import (
    Counter,
    Employee,
    KioskDevice,
    Rating,
    RatingTicket,
    Unit,
)
from portal.kernel.security import FormSigner, FormStampError, device_hash, keyed_hash, network_hash
from portal.kernel.settings import Settings


@dataclass(frozen=True)
class OfficerView:
    name: str
    photo_path: str | None


@dataclass(frozen=True)
class CounterPage:
    counter_id: int
    token: str
    counter_name: str
    unit_name: str
    officer: OfficerView | None
    is_open: bool
    unit_id: int = 0  # for the link to the unit's line of the public results


class UnknownCounter(LookupError):
    """No active counter has this token (never had one, or it was rotated)."""


class FormExpired(ValueError):
    """The signed form is too old or was tampered with; the citizen submits a fresh one."""


class Flooded(RuntimeError):
    """Too many submissions from one network in a minute."""


class ProofRejected(ValueError):
    """A kiosk code or ticket turned away at the door (and counted). `reason` is a stable code."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}:{reason}")
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class CaseOpened:
    """Stored, and the rating opened a complaint case (portal.citizen.followup): the thank-you page
    tells the citizen its number, due date and how the answer will come."""

    case_id: int


class SubmitOutcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # the same form again: the first one counts
    THROTTLED = "throttled"  # this device rated this counter moments ago
    IGNORED = "ignored"  # honeypot filled: a bot, answered like a success
    ALREADY_USED = "already_used"  # a ticket rates once: this is a second use, nothing stored


@dataclass(frozen=True)
class Citizen:
    """What we know about the sender, before hashing: never stored as is."""

    device_token: str | None
    address: str | None
    language: str


def _counter(session: Session, token: str) -> Counter:
    counter = session.scalar(select(Counter).where(Counter.public_token == token, Counter.active.is_(True)))
    if counter is None:
        raise UnknownCounter(token)
    return counter


def officer_on_duty(session: Session, counter_id: int, moment: datetime) -> Employee | None:
    return session.scalar(on_duty_query(Employee, counter_id, moment))


def page_for_counter(
    session: Session, counter: Counter, officer: Employee | None, now: datetime
) -> CounterPage:
    unit_name = session.scalar(select(Unit.name).where(Unit.id == counter.unit_id))
    return CounterPage(
        counter_id=counter.id,
        token=counter.public_token,
        counter_name=counter.name,
        unit_name=unit_name or "",
        officer=OfficerView(officer.name, officer.photo_path) if officer else None,
        is_open=is_open(counter.opening_hours, counter.timezone, now),
        unit_id=counter.unit_id,
    )


def counter_on_duty(session: Session | Connection, token: str, moment: datetime) -> Row:
    """The active counter with this token, its unit's name and the officer on duty at `moment`."""
    row = session.execute(COUNTER_ON_DUTY, {"token": token, "moment": moment}).first()
    if row is None:
        raise UnknownCounter(token)
    return row


def counter_page(session: Session | Connection, token: str, now: datetime) -> CounterPage:
    return _page_of(counter_on_duty(session, token, now), now)


def counter_page_until(
    session: Session | Connection, token: str, now: datetime
) -> tuple[CounterPage, datetime | None]:
    """The counter's page and when its officer on duty may change next (None: no shift ahead)."""
    row = counter_on_duty(session, token, now)
    return _page_of(row, now), duty_changes_at(row)


def _page_of(row: Row, now: datetime) -> CounterPage:
    return CounterPage(
        counter_id=row.id,
        token=row.public_token,
        counter_name=row.name,
        unit_name=row.unit_name or "",
        officer=OfficerView(row.officer_name, row.officer_photo_path) if row.officer_id else None,
        is_open=is_open(row.opening_hours, row.timezone, now),
        unit_id=row.unit_id,
    )


def kiosk_proof(session: Session, settings: Settings, now: datetime, token: str, code: str) -> str:
    """Checks the code a citizen scanned from a counter's kiosk screen; returns the proof to sign into
    the form ("k:STEP"). Raises ProofRejected (counted) for a forged or stale code, when the counter
    has no registered screen any more, or once the code has opened `kiosk_forms_per_code` forms
    (a photo of the screen passed around; the form itself lives kiosk_form_max_age_seconds)."""
    counter = _counter(session, token)
    try:
        proof = verify_kiosk_code(
            settings.secret_key,
            counter.id,
            code,
            now.timestamp(),
            settings.kiosk_step_seconds,
            settings.kiosk_grace_seconds,
        )
    except KioskCodeRejected as rejected:
        record_rejection(session, "kiosk", rejected.reason, counter.id, now)
        raise ProofRejected("kiosk", rejected.reason) from None
    has_screen = session.scalar(
        select(KioskDevice.id)
        .where(KioskDevice.counter_id == counter.id, KioskDevice.revoked_at.is_(None))
        .limit(1)
    )
    if has_screen is None:
        record_rejection(session, "kiosk", "revoked", counter.id, now)
        raise ProofRejected("kiosk", "revoked")
    # Counted per counter in the code's step, shared by every app process.
    counts_without_flush_wait(session)
    opened = add_hits(session, f"kiosk-forms:{counter.id}", proof.step)
    session.commit()
    if opened > settings.kiosk_forms_per_code:
        record_rejection(session, "kiosk", "exhausted", counter.id, now)
        raise ProofRejected("kiosk", "exhausted")
    return f"k:{proof.step}"


def ticket_hash(secret_key: str, token: str) -> str:
    return keyed_hash(secret_key, "ticket", token)


def ticket_url_token(settings: Settings, ticket: RatingTicket) -> str:
    return ticket_token(settings.secret_key, ticket.token_seed)


def _ticket(session: Session, settings: Settings, token: str, now: datetime) -> RatingTicket:
    ticket = session.scalar(
        select(RatingTicket).where(RatingTicket.token_hash == ticket_hash(settings.secret_key, token))
    )
    if ticket is None:
        record_rejection(session, "ticket", "forged", None, now)
        raise ProofRejected("ticket", "forged")
    return ticket


def ticket_page(session: Session, settings: Settings, now: datetime, token: str) -> tuple[int, CounterPage]:
    """The rating page behind a queue slip: (ticket id, page showing the ticket's officer). Raises
    ProofRejected (counted): forged, expired, or reused (the ticket has rated already)."""
    ticket = _ticket(session, settings, token, now)
    if ticket.used_at is not None:
        record_rejection(session, "ticket", "reused", ticket.counter_id, now)
        raise ProofRejected("ticket", "reused")
    if now >= ticket.expires_at:
        record_rejection(session, "ticket", "expired", ticket.counter_id, now)
        raise ProofRejected("ticket", "expired")
    counter = session.get_one(Counter, ticket.counter_id)
    officer = session.get(Employee, ticket.employee_id) if ticket.employee_id else None
    return ticket.id, page_for_counter(session, counter, officer, now)


def ticket_thanks_page(session: Session, settings: Settings, now: datetime, token: str) -> CounterPage:
    ticket = session.scalar(
        select(RatingTicket).where(RatingTicket.token_hash == ticket_hash(settings.secret_key, token))
    )
    if ticket is None:
        raise UnknownCounter(token)
    counter = session.get_one(Counter, ticket.counter_id)
    officer = session.get(Employee, ticket.employee_id) if ticket.employee_id else None
    return page_for_counter(session, counter, officer, now)


def submit_ticket_rating(
    session: Session,
    settings: Settings,
    signer: FormSigner,
    now: datetime,
    token: str,
    rating: RatingInput,
    citizen: Citizen,
) -> SubmitOutcome:
    """Stores the one rating a ticket allows, attributed to the ticket's officer. The ticket is claimed
    by one atomic UPDATE ... WHERE used_at IS NULL in the rating's transaction, so two submissions at
    the same moment store one rating; the other is ALREADY_USED (or DUPLICATE for the same form)."""
    network = network_hash(settings.secret_key, citizen.address)
    if not allow_submission(session, network, settings.submit_flood_limit_per_minute, now):
        raise Flooded
    ticket = _ticket(session, settings, token, now)
    try:
        stamp = signer.verify(rating.form_token, now.timestamp())
    except FormStampError as error:
        raise FormExpired from error
    if stamp.counter_id != ticket.counter_id or stamp.proof != f"t:{ticket.id}":
        raise FormExpired
    if rating.honeypot_filled:
        return SubmitOutcome.IGNORED
    if session.scalar(select(Rating.id).where(Rating.submission_key == stamp.nonce)) is not None:
        return SubmitOutcome.DUPLICATE
    if ticket.used_at is None and now >= ticket.expires_at:
        record_rejection(session, "ticket", "expired", ticket.counter_id, now)
        raise ProofRejected("ticket", "expired")
    counter = session.get_one(Counter, ticket.counter_id)

    claimed = session.execute(
        update(RatingTicket)
        .where(RatingTicket.id == ticket.id, RatingTicket.used_at.is_(None), RatingTicket.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        if session.scalar(select(Rating.id).where(Rating.submission_key == stamp.nonce)) is not None:
            return SubmitOutcome.DUPLICATE
        record_rejection(session, "ticket", "reused", ticket.counter_id, now)
        return SubmitOutcome.ALREADY_USED
    row = rating_row(
        key=stamp.nonce,
        counter=counter,
        unit_id=ticket.unit_id,
        employee_id=ticket.employee_id,
        attribution="ticket",
        channel="ticket",
        at=now,
        overall=rating.overall,
        answers=rating.answers,
        comment=rating.comment,
        profile=rating.profile,
        form_seconds=seconds_on_form(stamp.rendered_at, now),
        device=device_hash(settings.secret_key, citizen.device_token),
        network=network,
        language=citizen.language,
    )
    stored = Rating(**row)
    session.add(stored)
    try:
        session.flush()
        session.execute(
            update(RatingTicket)
            .where(RatingTicket.id == ticket.id)
            .values(rating_id=stored.id)
            .execution_options(synchronize_session=False)
        )
        case = open_case_if_needed(session, settings, stored, rating, now)
        if case is not None:
            session.flush()  # the case's number, for the thank-you page
        session.commit()
    except IntegrityError:
        session.rollback()
        if session.scalar(select(Rating.id).where(Rating.submission_key == stamp.nonce)) is None:
            raise
        return SubmitOutcome.DUPLICATE
    return CaseOpened(case.id) if case is not None else SubmitOutcome.STORED
