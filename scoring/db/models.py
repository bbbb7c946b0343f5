"""Tables of the scoring shell: runs and their per-unit and per-officer results and bias audit, and
the manual decisions on single ratings that always win over the detector. (The pure core never
imports this.)"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import SKM_ELEMENTS, UTCDateTime

DECISIONS = ("exclude", "include")


class RatingDecision(Base):
    """A reviewer confirmed an exclusion (exclude) or restored a rating (include). The latest wins."""

    __tablename__ = "rating_decisions"
    __table_args__ = (CheckConstraint(f"decision IN {DECISIONS}", name="decision_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScoringRun(Base):
    """The current scoring of one period; a new run of the same period replaces it in one transaction."""

    __tablename__ = "scoring_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(32), unique=True)
    period_label: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    detector_version: Mapped[str] = mapped_column(String(32))
    # sha256 of everything that shaped the results: the ratings, the reviewers' decisions on them, the
    # parameters and the detector version (scoring.db.store.input_hash); the first two also apart, so
    # that a later comparison can tell which changed since (NULL on runs before migration 0008)
    input_hash: Mapped[str] = mapped_column(String(64))
    ratings_hash: Mapped[str | None] = mapped_column(String(64))
    decisions_hash: Mapped[str | None] = mapped_column(String(64))
    n_ratings: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UnitResult(Base):
    __tablename__ = "unit_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    n_ratings: Mapped[int] = mapped_column(Integer)
    n_used: Mapped[int] = mapped_column(Integer)
    nrr_u1: Mapped[float | None] = mapped_column(Float)
    nrr_u2: Mapped[float | None] = mapped_column(Float)
    nrr_u3: Mapped[float | None] = mapped_column(Float)
    nrr_u4: Mapped[float | None] = mapped_column(Float)
    nrr_u5: Mapped[float | None] = mapped_column(Float)
    nrr_u6: Mapped[float | None] = mapped_column(Float)
    nrr_u7: Mapped[float | None] = mapped_column(Float)
    nrr_u8: Mapped[float | None] = mapped_column(Float)
    nrr_u9: Mapped[float | None] = mapped_column(Float)
    ikm: Mapped[float | None] = mapped_column(Float)
    mutu: Mapped[str | None] = mapped_column(String(1))
    sample_target: Mapped[int | None] = mapped_column(Integer)


class OfficerResult(Base):
    __tablename__ = "officer_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    n_ratings: Mapped[int] = mapped_column(Integer)
    n_excluded: Mapped[int] = mapped_column(Integer)
    n_used: Mapped[int] = mapped_column(Integer)
    excluded_by_reason: Mapped[dict] = mapped_column(JSON)
    mean_overall: Mapped[float | None] = mapped_column(Float)
    ikm: Mapped[float | None] = mapped_column(Float)
    mutu: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[float | None] = mapped_column(Float)
    score_low: Mapped[float | None] = mapped_column(Float)
    score_high: Mapped[float | None] = mapped_column(Float)
    sufficient: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(32))
    # adjusted for channel and counter mix (scoring.adjust); NULL on runs before migration 0008
    score_adjusted: Mapped[float | None] = mapped_column(Float)


class BiasAuditResult(Base):
    """One group of the run's bias audit (scoring.audit): the group's mean officer score minus the
    other officers', with its 95% interval, and whether it was flagged."""

    __tablename__ = "bias_audit_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))  # gender, age_band, channel
    group_name: Mapped[str] = mapped_column(String(16))  # female, male, <30, ..., poster, kiosk, ticket
    officers: Mapped[int] = mapped_column(Integer)
    gap: Mapped[float | None] = mapped_column(Float)
    gap_low: Mapped[float | None] = mapped_column(Float)
    gap_high: Mapped[float | None] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean)


class CommentTheme(Base):
    """One theme of a unit's comments in a run (scoring/themes.py), replaced with the run. `examples`
    are citizens' own words: for unit heads, HR and admins, never for officers."""

    __tablename__ = "comment_themes"
    __table_args__ = (UniqueConstraint("run_id", "unit_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    rank: Mapped[int] = mapped_column(Integer)  # 1 = the most comments; "other" comes last
    label: Mapped[str] = mapped_column(String(300))  # "" for "other"
    terms: Mapped[list] = mapped_column(JSON)
    is_other: Mapped[bool] = mapped_column(Boolean)
    n_comments: Mapped[int] = mapped_column(Integer)
    low_share: Mapped[float] = mapped_column(Float)  # of the comments, share with overall 1 or 2
    examples: Mapped[list] = mapped_column(JSON)


NRR_COLUMNS = tuple(f"nrr_{u}" for u in SKM_ELEMENTS)


class ServiceVolume(Base):
    """How many people a unit served in a calendar month, counted from the unit's own register and
    entered by its head: the N of the SKM sample target in months when the unit issued no queue
    tickets (scoring.db.served). `month` is the month's first day."""

    __tablename__ = "service_volumes"
    __table_args__ = (CheckConstraint("people >= 0", name="people_not_negative"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    entered_by_user_id: Mapped[int | None] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
