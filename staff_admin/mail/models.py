"""The outbox: every mail to send, until it is sent. A row names what the mail is about (an alert, a
digest's alerts, a complaint case) rather than holding its text, so no citizen's address or staff
link outlives its source, and a failed send is tried again later (staff_admin.mail.outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime

MAIL_KINDS = ("alert", "digest", "citizen_response")
MAIL_STATUSES = ("waiting", "sent", "failed", "cancelled")


class OutboxMail(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN {MAIL_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {MAIL_STATUSES}", name="status_known"),
        Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_cases.id", ondelete="CASCADE"), index=True
    )
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # a digest: its alert ids
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
