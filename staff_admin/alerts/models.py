"""One row per situation someone should act on (staff_admin.alerts.rules finds them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime

ALERT_KINDS = ("low_share", "complaint_overdue", "incident", "grade_drop")


class Alert(Base):
    """`key` names the situation (e.g. "complaint_overdue:17"): a second check that finds the same
    situation finds its key taken and adds nothing, so nobody is told twice."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_unit_created", "unit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    subject_id: Mapped[int | None] = mapped_column(Integer)  # the case, incident or scoring run
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # the figures its text shows
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A counter's run of low ratings is one situation while the checks keep finding it
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
