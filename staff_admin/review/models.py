"""Appeals (an officer contests a rating or the flag on it; the unit head decides) and the review
queue's incidents (flagged ratings grouped under a number that stays)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime

APPEAL_KINDS = ("rating", "flag")  # contest a counted rating (asks to exclude) or a flag (asks to include)
APPEAL_STATUSES = ("open", "upheld", "rejected")


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(f"kind IN {APPEAL_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {APPEAL_STATUSES}", name="status_known"),
        Index("ix_appeals_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the rating's unit, for scoping
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)
    decision_note: Mapped[str | None] = mapped_column(Text)


class ReviewIncident(Base):
    """One thing that happened (a phone stuffing one officer's ratings, a script's night at a counter),
    as the review queue shows it: its id is the incident's number, kept across decisions and re-scoring
    (staff_admin.review.incidents numbers the flagged ratings the first time the queue meets them)."""

    __tablename__ = "review_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    # The incident's earliest rating: two requests numbering the same ratings at once cannot both
    # create it (the second one's insert fails and it reads the first one's numbers).
    first_rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IncidentRating(Base):
    """Which incident a flagged rating belongs to; a rating belongs to one incident, for good."""

    __tablename__ = "review_incident_ratings"

    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("review_incidents.id"), index=True)


class IncidentKey(Base):
    """A key that ties flagged ratings together (staff_admin.review.incidents, e.g. one device and
    one officer), and the incident it names: a rating flagged later with that key joins it."""

    __tablename__ = "review_incident_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("review_incidents.id"), index=True)
