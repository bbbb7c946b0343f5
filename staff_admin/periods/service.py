"""Scoring periods: open -> scored -> closed. Closing (staff_admin.periods.closing) freezes the
period's scoring run: the freeze check registered here makes `scoring.db.store.score_period` refuse to
replace it, from the web and from `rating-portal score` alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from scoring.db import freeze
from scoring.periods import FIRST_DAY, LAST_DAY, Period, PeriodError, PeriodOutOfRange, parse_period
from staff_admin import audit
from staff_admin.access import ADMIN, HR, Principal, require_role
from staff_admin.jobs import hooks
from staff_admin.jobs.freshness import Staleness, staleness
from staff_admin.jobs.service import JobView, latest_jobs, queue_scoring
from staff_admin.kit.inputs import PERIOD_RANGE, PERIOD_RANGE_PARAMS
from staff_admin.kit.listing import local_time
from staff_admin.kit.problems import invalid
from staff_admin.kit.records import get_or_404
from staff_admin.models import User
from staff_admin.periods.models import ScoringPeriod

if TYPE_CHECKING:
    from scoring.db.store import RunSummary  # numpy and scikit-learn: not loaded by the web app


@dataclass(frozen=True)
class PeriodRow:
    id: int
    key: str
    label: str
    start: date
    end: date
    status: str
    scored_at: datetime | None  # local, like closed_at
    input_hash: str | None
    detector_version: str | None
    closed_by: str | None
    closed_at: datetime | None
    job: JobView | None = None  # the newest scoring job of the period
    stale: Staleness | None = None  # what arrived since its stored run

    @property
    def scoring(self) -> bool:
        return self.job is not None and self.job.active


def refuse_closed(session: Session, period_key: str) -> None:
    """The freeze check: a closed period's run is never replaced."""
    closed = session.execute(
        select(ScoringPeriod.label, ScoringPeriod.closed_at, User.username)
        .outerjoin(User, User.id == ScoringPeriod.closed_by_user_id)
        .where(ScoringPeriod.key == period_key, ScoringPeriod.status == "closed")
    ).first()
    if closed is not None:
        raise freeze.ResultsFrozen(
            f"period {closed.label} was closed by {closed.username or 'the system'} on "
            f"{closed.closed_at:%Y-%m-%d %H:%M} UTC; its results are frozen and will not be re-scored"
        )


freeze.register(refuse_closed)


def period_row(session: Session, period: ScoringPeriod, timezone: str) -> PeriodRow:
    """The period for a page, its moments in the office's time zone."""
    closed_by = None
    if period.closed_by_user_id is not None:
        closed_by = session.scalar(select(User.display_name).where(User.id == period.closed_by_user_id))
    return _row(period, closed_by, timezone)


def _row(
    period: ScoringPeriod,
    closed_by: str | None,
    timezone: str,
    job: JobView | None = None,
    stale: Staleness | None = None,
) -> PeriodRow:
    return PeriodRow(
        id=period.id,
        key=period.key,
        label=period.label,
        start=period.start_date,
        end=period.end_date,
        status=period.status,
        scored_at=local_time(period.scored_at, timezone) if period.scored_at else None,
        input_hash=period.input_hash,
        detector_version=period.detector_version,
        closed_by=closed_by,
        closed_at=local_time(period.closed_at, timezone) if period.closed_at else None,
        job=job,
        stale=stale,
    )


def list_periods(session: Session, principal: Principal, timezone: str) -> list[PeriodRow]:
    """Every period, newest first, with its newest scoring job (times in `timezone`) and, unless
    closed, what arrived since its stored run."""
    require_role(principal, ADMIN, HR)
    rows = session.execute(
        select(ScoringPeriod, User.display_name)
        .outerjoin(User, User.id == ScoringPeriod.closed_by_user_id)
        .order_by(ScoringPeriod.start_date.desc(), ScoringPeriod.end_date)
    ).all()
    jobs = latest_jobs(session, principal, [period.key for period, _ in rows], timezone)
    return [
        _row(
            period,
            closed_by,
            timezone,
            jobs.get(period.key),
            None if period.status == "closed" else staleness(session, period.key),
        )
        for period, closed_by in rows
    ]


def to_do(session: Session, principal: Principal, today: date) -> tuple[int, int]:
    """(to score, to close): periods that have ended but were never scored, and scored ones that have
    ended but are not closed yet (the home page's to-do for HR)."""
    require_role(principal, ADMIN, HR)
    ended = select(ScoringPeriod.status, func.count()).where(ScoringPeriod.end_date < today)
    counts = {status: n for status, n in session.execute(ended.group_by(ScoringPeriod.status))}
    return counts.get("open", 0), counts.get("scored", 0)


def get_period(session: Session, principal: Principal, period_id: int) -> ScoringPeriod:
    require_role(principal, ADMIN, HR)
    return get_or_404(session, ScoringPeriod, period_id)


def create_period(session: Session, principal: Principal, text: str, now: datetime) -> int:
    require_role(principal, ADMIN, HR)
    try:
        parsed = parse_period(text)
    except PeriodOutOfRange:
        raise invalid("period", PERIOD_RANGE, value=text.strip()[:40], **PERIOD_RANGE_PARAMS) from None
    except PeriodError:
        raise invalid(
            "period",
            N_("Write a period as 2026-03, 2026-Q1, 2026-S1, 2026 or a range like 2026-01..2026-06."),
        ) from None
    if session.scalar(select(ScoringPeriod.id).where(ScoringPeriod.key == parsed.key)) is not None:
        raise invalid("period", N_("This period exists already."))
    period = ScoringPeriod(
        key=parsed.key,
        label=parsed.label,
        start_date=parsed.start,
        end_date=parsed.end,
        status="open",
        created_at=now,
        created_by_user_id=principal.user_id,
    )
    session.add(period)
    session.flush()
    audit.record(session, principal, "period.create", "period", period.id, None, {"key": parsed.key}, at=now)
    session.commit()
    return period.id


def queue_score(session: Session, principal: Principal, period_id: int, now: datetime) -> None:
    """Queues scoring of the period for the worker (`rating-portal worker`); returns at once."""
    period = get_period(session, principal, period_id)
    if period.status == "closed":
        raise invalid("", N_("This period is closed; its results are frozen."))
    if period.start_date < FIRST_DAY or period.end_date > LAST_DAY:  # created before the bounds
        raise invalid("", PERIOD_RANGE, value=period.label, **PERIOD_RANGE_PARAMS)
    queue_scoring(session, principal, Period(period.start_date, period.end_date, period.label), now)


def record_scored(
    session: Session,
    period_key: str,
    summary: RunSummary,
    actor_user_id: int | None,
    now: datetime,
    job_id: int,
) -> None:
    """After a scoring job stored a period's results: the period (when HR opened one with that key)
    becomes scored with the run's provenance, audited as the person who asked. The caller commits."""
    period = session.scalar(select(ScoringPeriod).where(ScoringPeriod.key == period_key))
    if period is None or period.status == "closed":
        return
    before = {"status": period.status}
    period.status, period.scored_at = "scored", now
    period.input_hash, period.detector_version = summary.input_hash, summary.detector_version
    after = {"status": "scored", "input_hash": summary.input_hash, "n_ratings": summary.n_ratings}
    note = f"scoring job {job_id}"
    audit.record(session, actor_user_id, "period.score", "period", period.id, before, after, note, at=now)


hooks.when_scored(record_scored)
