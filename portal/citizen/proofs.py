"""Credentials of the proof-of-presence channels: kiosk screens, API keys and rating tickets.

Service functions for the CLI, the API and (later) the staff pages. Secrets are returned once, when
made; only keyed hashes are stored. Every function that changes something commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.citizen import channels
from portal.citizen.flood import count_hit, record_rejection
from portal.citizen.service import (
    CounterPage,
    ProofRejected,
    UnknownCounter,
    officer_on_duty,
    page_for_counter,
    ticket_hash,
)
from portal.kernel.models import ApiKey, Counter, Employee, KioskDevice, RatingTicket, Unit
from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings
from portal.kernel.text import has_control_character


class NotFound(LookupError):
    """No such unit, counter, device, key or officer (in the caller's scope)."""


class OutOfScope(PermissionError):
    """The thing exists but belongs to another unit than the caller's."""


class Invalid(ValueError):
    """A value a person or machine gave is not acceptable; the message says why."""


# --- kiosk screens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredKiosk:
    device_id: int
    credential: str  # shown once: the screen opens /kiosk/{credential}
    path: str


def kiosk_credential_hash(settings: Settings, credential: str) -> str:
    return keyed_hash(settings.secret_key, "kiosk-device", credential)


def register_kiosk(
    session: Session,
    settings: Settings,
    now: datetime,
    counter_id: int,
    name: str,
    registered_by: int | None = None,
) -> RegisteredKiosk:
    """Registers a counter screen; returns its credential once (the display page is
    `settings.base_url + path`). `registered_by` is the staff user id, None from the command line."""
    counter = session.get(Counter, counter_id)
    if counter is None or not counter.active:
        raise NotFound(f"no active counter {counter_id}")
    name = name.strip()
    if not name or len(name) > 120 or has_control_character(name):
        raise Invalid("the screen's name must have 1 to 120 characters, no control characters")
    credential = channels.new_kiosk_credential()
    device = KioskDevice(
        counter_id=counter.id,
        name=name,
        credential_hash=kiosk_credential_hash(settings, credential),
        registered_by_user_id=registered_by,
        created_at=now,
    )
    session.add(device)
    session.commit()
    return RegisteredKiosk(device.id, credential, f"/kiosk/{credential}")


def _revoke(
    session: Session, model: type[KioskDevice] | type[ApiKey], key: int, what: str, now: datetime
) -> bool:
    """Stops a credential at once; True if it was active. Revoking twice is harmless."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {what} {key}")
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.commit()
    return True


def revoke_kiosk(session: Session, now: datetime, device_id: int) -> bool:
    return _revoke(session, KioskDevice, device_id, "kiosk device", now)


def list_kiosks(session: Session, unit_id: int | None = None) -> list[KioskDevice]:
    query = select(KioskDevice).join(Counter, Counter.id == KioskDevice.counter_id).order_by(KioskDevice.id)
    if unit_id is not None:
        query = query.where(Counter.unit_id == unit_id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class KioskScreen:
    """What a counter screen shows now: the counter, the current code and when it changes."""

    page: CounterPage
    code: str
    step: int
    refresh_in: float  # seconds until the next code


def kiosk_screen(session: Session, settings: Settings, now: datetime, credential: str) -> KioskScreen:
    """Raises NotFound for an unknown or revoked screen (and counts it)."""
    device = session.scalar(
        select(KioskDevice).where(KioskDevice.credential_hash == kiosk_credential_hash(settings, credential))
    )
    if device is None or device.revoked_at is not None:
        record_rejection(session, "kiosk", "revoked" if device else "unknown_device", None, now)
        raise NotFound("unknown or revoked kiosk device")
    counter = session.get_one(Counter, device.counter_id)
    if not counter.active:
        raise NotFound("the counter is closed down")
    # last_seen_at at most once a step: the screen's heartbeat for the staff pages.
    if (
        device.last_seen_at is None
        or (now - device.last_seen_at).total_seconds() >= settings.kiosk_step_seconds
    ):
        device.last_seen_at = now
        session.commit()
    step = channels.kiosk_step(now.timestamp(), settings.kiosk_step_seconds)
    return KioskScreen(
        page=page_for_counter(session, counter, officer_on_duty(session, counter.id, now), now),
        code=channels.kiosk_code(settings.secret_key, counter.id, step),
        step=step,
        refresh_in=channels.seconds_to_next_step(now.timestamp(), settings.kiosk_step_seconds),
    )


# --- API keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedApiKey:
    key_id: int
    secret: str  # shown once
    prefix: str


@dataclass(frozen=True)
class ApiClient:
    """An authenticated API caller: which key, and the one unit it may act for."""

    key_id: int
    unit_id: int
    prefix: str


def api_key_hash(settings: Settings, secret: str) -> str:
    return keyed_hash(settings.secret_key, "api-key", secret)


def create_api_key(
    session: Session, settings: Settings, now: datetime, unit_id: int, name: str
) -> CreatedApiKey:
    if session.get(Unit, unit_id) is None:
        raise NotFound(f"no unit {unit_id}")
    name = name.strip()
    if not name or len(name) > 120 or has_control_character(name):
        raise Invalid("the key's name must have 1 to 120 characters, no control characters")
    secret, prefix = channels.new_api_key()
    key = ApiKey(
        unit_id=unit_id, name=name, prefix=prefix, key_hash=api_key_hash(settings, secret), created_at=now
    )
    session.add(key)
    session.commit()
    return CreatedApiKey(key.id, secret, prefix)


def revoke_api_key(session: Session, now: datetime, key_id: int) -> bool:
    return _revoke(session, ApiKey, key_id, "API key", now)


def list_api_keys(session: Session, unit_id: int | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.id)
    if unit_id is not None:
        query = query.where(ApiKey.unit_id == unit_id)
    return list(session.scalars(query))


class RateLimited(RuntimeError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def authenticate_api_key(session: Session, settings: Settings, now: datetime, secret: str) -> ApiClient:
    """The caller behind a key; raises NotFound for an unknown or revoked key (counted) and
    RateLimited past `api_rate_limit_per_minute` requests of this key in the current minute."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(settings, secret)))
    if key is None or key.revoked_at is not None:
        record_rejection(session, "api_key", "revoked" if key else "unknown", None, now)
        raise NotFound("unknown or revoked API key")
    client = ApiClient(key.id, key.unit_id, key.prefix)
    hits, retry_after = count_hit(session, f"api:{key.id}", 60, now)
    if hits > settings.api_rate_limit_per_minute:
        raise RateLimited(retry_after)
    if hits == 1:  # once a minute is enough to tell which keys are alive
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        session.commit()
    return client


# --- rating tickets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRequest:
    counter_id: int
    service_type: str
    ticket_number: str
    officer_nip: str | None = None


@dataclass(frozen=True)
class IssuedTicket:
    ticket_id: int
    token: str  # goes into the rating URL /t/{token}
    counter_id: int
    employee_id: int | None
    officer_nip: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def create_ticket(
    session: Session, settings: Settings, now: datetime, client: ApiClient, request: TicketRequest
) -> IssuedTicket:
    """A single-use rating ticket for one service transaction at a counter of the caller's unit. The
    officer is the NIP given (an employee of that unit) or else the one on duty at the counter now."""
    counter = session.get(Counter, request.counter_id)
    if counter is None or not counter.active:
        raise NotFound(f"There is no active counter {request.counter_id}.")
    if counter.unit_id != client.unit_id:
        raise OutOfScope(f"Counter {request.counter_id} belongs to another unit than this key's.")
    service_type, ticket_number = request.service_type.strip(), request.ticket_number.strip()
    if not service_type or not ticket_number:
        raise Invalid("service_type and ticket_number must not be blank.")
    if request.officer_nip:
        officer = session.scalar(
            select(Employee).where(Employee.nip == request.officer_nip, Employee.active.is_(True))
        )
        if officer is None or officer.unit_id != client.unit_id:
            raise NotFound("There is no active officer with this NIP in this key's unit.")
    else:
        officer = officer_on_duty(session, counter.id, now)
    seed = channels.new_ticket_seed()
    token = channels.ticket_token(settings.secret_key, seed)
    ticket = RatingTicket(
        token_seed=seed,
        token_hash=ticket_hash(settings.secret_key, token),
        unit_id=counter.unit_id,
        counter_id=counter.id,
        employee_id=officer.id if officer else None,
        service_type=service_type,
        ticket_number=ticket_number,
        api_key_id=client.key_id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.ticket_ttl_seconds),
    )
    session.add(ticket)
    session.commit()
    return _issued(session, settings, ticket)


def _issued(session: Session, settings: Settings, ticket: RatingTicket) -> IssuedTicket:
    nip = (
        session.scalar(select(Employee.nip).where(Employee.id == ticket.employee_id))
        if ticket.employee_id
        else None
    )
    return IssuedTicket(
        ticket_id=ticket.id,
        token=channels.ticket_token(settings.secret_key, ticket.token_seed),
        counter_id=ticket.counter_id,
        employee_id=ticket.employee_id,
        officer_nip=nip,
        created_at=ticket.created_at,
        expires_at=ticket.expires_at,
        used_at=ticket.used_at,
    )


def get_ticket(session: Session, settings: Settings, client: ApiClient, ticket_id: int) -> IssuedTicket:
    """A ticket of the caller's unit (for its QR images and status); NotFound otherwise."""
    ticket = session.get(RatingTicket, ticket_id)
    if ticket is None or ticket.unit_id != client.unit_id:
        raise NotFound(f"no ticket {ticket_id} for this key's unit")
    return _issued(session, settings, ticket)


def unit_counters(session: Session, client: ApiClient) -> list[Counter]:
    return list(
        session.scalars(
            select(Counter)
            .where(Counter.unit_id == client.unit_id, Counter.active.is_(True))
            .order_by(Counter.id)
        )
    )


__all__ = [
    "ApiClient",
    "CreatedApiKey",
    "Invalid",
    "IssuedTicket",
    "KioskScreen",
    "NotFound",
    "OutOfScope",
    "ProofRejected",
    "RateLimited",
    "RegisteredKiosk",
    "TicketRequest",
    "UnknownCounter",
    "authenticate_api_key",
    "create_api_key",
    "create_ticket",
    "get_ticket",
    "kiosk_screen",
    "list_api_keys",
    "list_kiosks",
    "register_kiosk",
    "revoke_api_key",
    "revoke_kiosk",
    "unit_counters",
]
