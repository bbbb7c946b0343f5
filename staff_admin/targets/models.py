"""Annual targets (the plan the performance cycle starts with): per unit and year the IKM the unit
aims at and the score its officers' SKP expects (their IKI target); per counter, where the unit head
wants one, an IKM target of its own. One row per unit (or counter) and year; a change keeps the row
and writes old and new values to the audit log (`target.set`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime


class UnitTarget(Base):
    __tablename__ = "unit_targets"
    __table_args__ = (
        CheckConstraint("ikm_target > 0 AND ikm_target <= 100", name="ikm_target_range"),
        CheckConstraint(
            "officer_target IS NULL OR (officer_target > 0 AND officer_target <= 100)",
            name="officer_target_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    year: Mapped[int] = mapped_column(Integer)
    ikm_target: Mapped[float] = mapped_column(Float)  # 25-100 scale, like the IKM
    # the officers' IKI target (a score on 25-100); None: scoring.iki.DEFAULT_TARGET. Unit rows only.
    officer_target: Mapped[float | None] = mapped_column(Float)
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


# one target per unit, counter (none: 0) and year
Index(
    "uq_unit_targets_scope",
    UnitTarget.unit_id,
    UnitTarget.year,
    func.coalesce(UnitTarget.counter_id, 0),
    unique=True,
)
