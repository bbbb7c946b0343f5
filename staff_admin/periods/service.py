"""Scoring periods: open -> scored -> closed. Closing (staff_admin.periods.closing) freezes the
period's scoring run: the freeze check registered here makes `scoring.db.store.score_period` refuse to
replace it, from the web and from `rating-portal score` alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.citizen.service import Clock
from portal.kernel.settings import Settings
from scoring.db import freeze
from scoring.periods import Period, PeriodError, parse_period
from staff_admin import audit
from staff_admin.access import ADMIN, HR, Principal, require_role
from staff_admin.kit.listing import local_time
from staff_admin.kit.problems import invalid
from staff_admin.kit.records import get_or_404
from staff_admin.models import User
from staff_admin.periods.models import ScoringPeriod


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


def _row(period: ScoringPeriod, closed_by: str | None, timezone: str) -> PeriodRow:
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
    )


def list_periods(session: Session, principal: Principal, timezone: str) -> list[PeriodRow]:
    require_role(principal, ADMIN, HR)
    rows = session.execute(
        select(ScoringPeriod, User.display_name)
        .outerjoin(User, User.id == ScoringPeriod.closed_by_user_id)
        .order_by(ScoringPeriod.start_date.desc(), ScoringPeriod.end_date)
    ).all()
    return [_row(period, closed_by, timezone) for period, closed_by in rows]


def get_period(session: Session, principal: Principal, period_id: int) -> ScoringPeriod:
    require_role(principal, ADMIN, HR)
    return get_or_404(session, ScoringPeriod, period_id)


def create_period(session: Session, principal: Principal, text: str, now: datetime) -> int:
    require_role(principal, ADMIN, HR)
    try:
        parsed = parse_period(text)
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


def score(session: Session, principal: Principal, period_id: int, settings: Settings, clock: Clock) -> None:
    """Scores synchronously on the request path (acceptable for one office; large installations
    should run `rating-portal score --period` from the command line or a worker instead)."""
    from scoring.db.cli import scoring_params
    from scoring.db.store import score_period  # numpy and scikit-learn load on first use only

    period = get_period(session, principal, period_id)
    if period.status == "closed":
        raise invalid("", N_("This period is closed; its results are frozen."))
    target = Period(period.start_date, period.end_date, period.label)
    try:
        summary = score_period(session, target, scoring_params(settings), settings.period_timezone, clock)
    except freeze.ResultsFrozen:
        raise invalid("", N_("This period is closed; its results are frozen.")) from None
    period = session.get(ScoringPeriod, period_id)
    before = {"status": period.status}
    period.status, period.scored_at = "scored", clock()
    period.input_hash, period.detector_version = summary.input_hash, summary.detector_version
    after = {"status": "scored", "input_hash": summary.input_hash, "n_ratings": summary.n_ratings}
    audit.record(session, principal, "period.score", "period", period.id, before, after, at=clock())
    session.commit()
