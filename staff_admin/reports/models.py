"""Tables of the SKM report: the follow-up plan a unit head writes for a period's weak elements
("rencana tindak lanjut"), and the reports a unit head published for citizens to download.

The people-served volumes the sample target needs are a scoring input and live with the scoring
shell's tables (scoring.db.models.ServiceVolume)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime

ACTION_STATES = ("planned", "in_progress", "done", "dropped")


class FollowUpAction(Base):
    """One action of a unit's follow-up plan for a period: for one SKM element, what will be done, by
    whom and by when. The next report of the unit shows its state."""

    __tablename__ = "followup_actions"
    __table_args__ = (
        CheckConstraint(f"state IN {ACTION_STATES}", name="state_known"),
        Index("ix_followup_actions_unit_period", "unit_id", "period_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_key: Mapped[str] = mapped_column(String(32))  # scoring.periods.Period.key
    period_label: Mapped[str] = mapped_column(String(64))
    element: Mapped[str] = mapped_column(String(2))  # "u1".."u9"
    action: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="planned")
    state_note: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PublishedReport(Base):
    """A unit's SKM report of a period as its head published it: the PDF as it was that day, listed
    on /publik. Publishing again replaces it."""

    __tablename__ = "published_reports"
    __table_args__ = (UniqueConstraint("unit_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_key: Mapped[str] = mapped_column(String(32))
    period_label: Mapped[str] = mapped_column(String(64))
    period_end: Mapped[date] = mapped_column(Date)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    published_by_user_id: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
