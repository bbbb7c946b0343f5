"""The `scoring_jobs` table: one request to score a period, run by a worker process.

queued -> running -> done | failed. A running job carries a claim token and a lease that its worker
renews while it works; when the worker dies the lease runs out and another worker takes the job over
(a new token, so the dead one's late writes change nothing). Two partial unique indexes keep at most
one queued and at most one running job per period; the claim never starts a queued job while its
period has a running one, so a period is scored by one job at a time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime
from staff_admin import models as _staff_models  # noqa: F401  (the users table requested_by names)

JOB_STATES = ("queued", "running", "done", "failed")
ACTIVE_STATES = ("queued", "running")
JOB_PHASES = ("read", "detect", "write")


class ScoringJob(Base):
    __tablename__ = "scoring_jobs"
    __table_args__ = (
        CheckConstraint(f"state IN {JOB_STATES}", name="state_known"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_fraction"),
        CheckConstraint("state <> 'running' OR lease_expires_at IS NOT NULL", name="running_has_lease"),
        Index(
            "uq_scoring_jobs_queued_period",
            "period_key",
            unique=True,
            sqlite_where=text("state = 'queued'"),
            postgresql_where=text("state = 'queued'"),
        ),
        Index(
            "uq_scoring_jobs_running_period",
            "period_key",
            unique=True,
            sqlite_where=text("state = 'running'"),
            postgresql_where=text("state = 'running'"),
        ),
        Index("ix_scoring_jobs_state_requested", "state", "requested_at"),
        Index("ix_scoring_jobs_period_id", "period_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(32))  # scoring.periods.Period.key
    period_label: Mapped[str] = mapped_column(String(64))  # read back with parse_period
    state: Mapped[str] = mapped_column(String(16), default="queued")
    phase: Mapped[str | None] = mapped_column(String(16))  # JOB_PHASES while running
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1, a rough share of the work
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ratings, excluded, input hash
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: system
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    worker: Mapped[str | None] = mapped_column(String(128))  # host and process id, for operators
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
