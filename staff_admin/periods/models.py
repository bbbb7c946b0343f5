"""The `periods` table: one scoring period HR opens, scores and finally closes.

Closing pins the period's scoring run (`scoring_run_id`, a foreign key that refuses the run's
deletion) and records its provenance; from then on the scoring shell refuses to replace that run
(see `staff_admin.periods.service.refuse_closed`), so later ratings or re-scoring cannot change it.
Closing also keeps who the officers were (`period_snapshot_rows`): the export of a closed period
shows names, NIPs and units as they stood that day, whatever is renamed or moved later.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime

PERIOD_STATUSES = ("open", "scored", "closed")


class ScoringPeriod(Base):
    __tablename__ = "periods"
    __table_args__ = (
        CheckConstraint(f"status IN {PERIOD_STATUSES}", name="status_known"),
        CheckConstraint("status <> 'closed' OR scoring_run_id IS NOT NULL", name="closed_has_run"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)  # scoring.periods.Period.key
    label: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the period is closed: the run whose results are frozen, and its provenance.
    scoring_run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_runs.id"))
    input_hash: Mapped[str | None] = mapped_column(String(64))
    detector_version: Mapped[str | None] = mapped_column(String(32))
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PeriodSnapshotRow(Base):
    """One officer of a closed period's run as they were when the period closed: the export joins
    the frozen results to these rows, never to today's employees and units."""

    __tablename__ = "period_snapshot_rows"
    __table_args__ = (Index("ix_period_snapshot_rows_period", "period_id", "employee_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    nip: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(40))
    unit_name: Mapped[str] = mapped_column(String(200))
    # The officer items of the closed run's kept ratings (staff_admin.recognition.items): answer sums
    # and counts of U6 (competence) and U7 (behaviour). NULL for periods closed before they existed.
    u6_sum: Mapped[int | None] = mapped_column(Integer)
    u6_count: Mapped[int | None] = mapped_column(Integer)
    u7_sum: Mapped[int | None] = mapped_column(Integer)
    u7_count: Mapped[int | None] = mapped_column(Integer)
