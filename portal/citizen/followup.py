"""Follow-up of a rating: complaint cases and the contact details a citizen gave for a reply.

The citizen side opens a case when a rating is submitted (a low rating with a comment, or a request
for a reply with consent); the staff side (staff_admin.complaints) works the case. Contact details
live in their own table so they can be deleted after the retention period without touching the case.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.citizen.forms import RatingInput
from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime
from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings

CASE_STATUSES = ("new", "in_progress", "resolved", "dismissed")
OPEN_STATUSES = ("new", "in_progress")
LOW_RATING_MAX = 2  # overall 1 or 2 with a comment opens a case


class ComplaintCase(Base):
    __tablename__ = "complaint_cases"
    __table_args__ = (
        CheckConstraint(f"status IN {CASE_STATUSES}", name="status_known"),
        Index("ix_complaint_cases_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    low_rating: Mapped[bool] = mapped_column(Boolean, default=False)  # trigger: overall <= 2 + comment
    reply_requested: Mapped[bool] = mapped_column(Boolean, default=False)  # trigger: contact + consent
    status: Mapped[str] = mapped_column(String(16), default="new")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date] = mapped_column(Date)  # local date in the period time zone
    response: Mapped[str | None] = mapped_column(Text)
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_user_id: Mapped[int | None] = mapped_column(Integer)
    # The response reached the citizen: by e-mail (the outbox sent it), or by WhatsApp or phone as
    # the staff member who sent it marked (staff_admin.complaints.answers)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_via: Mapped[str | None] = mapped_column(String(16))


class ContactDetails(Base):
    """Given with explicit consent, for the stated purpose only; purged after the retention period."""

    __tablename__ = "contact_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`; public holidays are not known."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def due_date(opened_at: datetime, settings: Settings) -> date:
    return add_working_days(
        local_date(opened_at, settings.period_timezone), settings.complaint_due_working_days
    )


class RatingFacts(Protocol):
    """What a case needs of its rating: a `Rating`, or the service's record of one it inserted."""

    @property
    def id(self) -> int: ...
    @property
    def unit_id(self) -> int: ...
    @property
    def overall(self) -> int: ...
    @property
    def comment(self) -> str | None: ...


def case_needed(given: RatingInput) -> bool:
    """A low rating with a comment, or a reply requested with consent: the rating gets a case."""
    return (given.overall <= LOW_RATING_MAX and bool(given.comment)) or given.contact is not None


def open_case_if_needed(
    session: Session, settings: Settings, rating: RatingFacts, given: RatingInput, now: datetime
) -> ComplaintCase | None:
    """Called in the rating's transaction (after it is added or inserted): opens a case for a low
    rating with a comment, or for a reply requested with consent, and stores the contact details with
    the case."""
    low = rating.overall <= LOW_RATING_MAX and bool(rating.comment)
    reply = given.contact is not None
    if not (low or reply):
        return None
    session.flush()  # the rating's id
    case = ComplaintCase(
        rating_id=rating.id,
        unit_id=rating.unit_id,
        low_rating=low,
        reply_requested=reply,
        status="new",
        opened_at=now,
        due_on=due_date(now, settings),
    )
    session.add(case)
    if given.contact is not None:
        session.flush()
        contact = given.contact
        session.add(
            ContactDetails(
                case_id=case.id, name=contact.name, phone=contact.phone, email=contact.email, consented_at=now
            )
        )
    return case


# The thank-you page learns its case from the redirect's query: the number with a keyed signature,
# so only the citizen who sent the rating sees its due date (a number alone would let anyone look
# up any case).
CASE_REFERENCE_CHARS = 16


def case_reference(secret_key: str, case_id: int) -> str:
    return f"{case_id}-{keyed_hash(secret_key, 'thanks-case', str(case_id))[:CASE_REFERENCE_CHARS]}"


def case_from_reference(secret_key: str, reference: str | None) -> int | None:
    number, _, signature = (reference or "").partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    expected = case_reference(secret_key, int(number)).partition("-")[2]
    return int(number) if hmac.compare_digest(signature, expected) else None


@dataclass(frozen=True)
class CaseForCitizen:
    """What the thank-you page tells about the case a rating opened."""

    id: int
    due_on: date
    answer_by: str  # "email", "phone" (WhatsApp, SMS or a call) or "none" (no contact details given)


def case_for_citizen(session: Session, case_id: int) -> CaseForCitizen | None:
    row = session.execute(
        select(ComplaintCase.id, ComplaintCase.due_on, ContactDetails.email, ContactDetails.phone)
        .outerjoin(ContactDetails, ContactDetails.case_id == ComplaintCase.id)
        .where(ComplaintCase.id == case_id)
    ).first()
    if row is None:
        return None
    answer_by = "email" if row.email else "phone" if row.phone else "none"
    return CaseForCitizen(row.id, row.due_on, answer_by)
