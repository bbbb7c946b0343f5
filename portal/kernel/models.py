"""Domain tables of the citizen side: units, counters, employees, duty shifts, ratings."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.db import Base

SKM_ELEMENTS = tuple(f"u{i}" for i in range(1, 10))
CHANNELS = ("poster", "kiosk", "ticket")
PENDING_SQLITE = "excluded IS 1 OR reasons != ''"
PENDING_POSTGRESQL = "excluded IS true OR reasons != ''"
ATTRIBUTIONS = ("roster", "none", "ticket")


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every engine and hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def new_public_token() -> str:
    """Unguessable token printed in QR codes (128 bits)."""
    return secrets.token_urlsafe(16)


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    # {"0": [["08:00", "15:00"]], ...}: weekday (Monday = 0) to local opening intervals.
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    public_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_token)
    token_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship()


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    photo_path: Mapped[str | None] = mapped_column(String(255))

    unit: Mapped[Unit] = relationship()


class DutyShift(Base):
    """An employee serving at a counter during [starts_at, ends_at)."""

    __tablename__ = "duty_shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_duty_shifts_counter_time", "counter_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("overall BETWEEN 1 AND 4", name="overall_range"),
        *(CheckConstraint(f"{u} IS NULL OR {u} BETWEEN 1 AND 4", name=f"{u}_range") for u in SKM_ELEMENTS),
        CheckConstraint(f"channel IN {CHANNELS}", name="channel_known"),
        CheckConstraint(f"attribution IN {ATTRIBUTIONS}", name="attribution_known"),
        Index("ix_ratings_unit_time", "unit_id", "submitted_at"),
        Index("ix_ratings_employee_time", "employee_id", "submitted_at"),
        Index("ix_ratings_counter_device_time", "counter_id", "device_hash", "submitted_at"),
        # With the id: a period's first and last id from the index alone (the ratings export), and
        # the ratings browser's order (newest first, then by id) read straight off it.
        Index("ix_ratings_submitted_at_id", "submitted_at", "id"),
        # The ratings waiting for review, a small part of the table: the review queue and the home
        # page's count read it (the predicate as staff_admin.review.incidents.pending writes it).
        Index(
            "ix_ratings_pending",
            "unit_id",
            "id",
            sqlite_where=text(PENDING_SQLITE),
            postgresql_where=text(PENDING_POSTGRESQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The signed form's nonce: the same form posted twice stores one rating.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    attribution: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="poster")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    overall: Mapped[int] = mapped_column(SmallInteger)
    u1: Mapped[int | None] = mapped_column(SmallInteger)
    u2: Mapped[int | None] = mapped_column(SmallInteger)
    u3: Mapped[int | None] = mapped_column(SmallInteger)
    u4: Mapped[int | None] = mapped_column(SmallInteger)
    u5: Mapped[int | None] = mapped_column(SmallInteger)
    u6: Mapped[int | None] = mapped_column(SmallInteger)
    u7: Mapped[int | None] = mapped_column(SmallInteger)
    u8: Mapped[int | None] = mapped_column(SmallInteger)
    u9: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(1000))
    # The optional respondent profile (portal.kernel.profile codes), reported only in aggregate.
    gender: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    education: Mapped[str | None] = mapped_column(String(16))
    occupation: Mapped[str | None] = mapped_column(String(16))
    form_seconds: Mapped[float | None] = mapped_column(Float)
    device_hash: Mapped[str | None] = mapped_column(String(64))
    network_hash: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    # Filled by the scoring module; a flag, never a deletion.
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[str] = mapped_column(Text, default="")
    anomaly_score: Mapped[float | None] = mapped_column(Float)
    detector_version: Mapped[str | None] = mapped_column(String(32))
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when its flags last changed


class RateLimitHit(Base):
    """Fixed-window counters shared by every app process (flood control)."""

    __tablename__ = "rate_limit_hits"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


# --- Proof-of-presence channels (docs/channels.md) --------------------------------------------------

PROOF_KINDS = ("kiosk", "ticket", "api_key")


class KioskDevice(Base):
    """A registered counter screen or tablet. It holds a long random credential (only its keyed hash
    is stored) that lets it fetch the rotating code; revoking it stops the codes."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    registered_by_user_id: Mapped[int | None] = mapped_column(Integer)  # a staff user; None from the CLI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """A queue machine's or service application's key, scoped to one unit. Only a keyed hash of the
    secret is stored; `prefix` (not secret) lets people tell keys apart in lists and logs."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RatingTicket(Base):
    """A single-use right to rate one service transaction, printed on a queue slip. The URL token is
    derived from `token_seed` with the server key (a database copy alone cannot make rating URLs);
    `token_hash` finds the ticket. `used_at` is set by one atomic UPDATE: a ticket rates once."""

    __tablename__ = "rating_tickets"
    __table_args__ = (Index("ix_rating_tickets_unit_time", "unit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_seed: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    service_type: Mapped[str] = mapped_column(String(120))
    ticket_number: Mapped[str] = mapped_column(String(40))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("ratings.id"), unique=True)


class RejectedProof(Base):
    """Forged, stale, reused or expired proofs turned away at the door, counted per day, kind, reason
    and counter (0 when the proof named no known counter). A counter, not a log: a flood of forgeries
    cannot grow the table beyond one row per combination and day."""

    __tablename__ = "rejected_proofs"
    __table_args__ = (CheckConstraint(f"kind IN {PROOF_KINDS}", name="kind_known"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    counter_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
