"""Scoring jobs for the staff pages: queue one (HR and admins, the roles that may score), and read
the state of jobs as plain records for the periods page, the dashboard and the JSON status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from scoring.db import freeze
from scoring.periods import Period
from staff_admin import audit
from staff_admin.access import ADMIN, HR, UNIT_HEAD, NotFound, Principal, require_role
from staff_admin.jobs import queue
from staff_admin.jobs.models import ScoringJob
from staff_admin.kit.problems import invalid
from staff_admin.models import User

SCORING_ROLES = (ADMIN, HR)  # who may score a period (and so queue a job)
VIEWING_ROLES = (ADMIN, HR, UNIT_HEAD)  # who sees that a period is being scored


@dataclass(frozen=True)
class JobView:
    id: int
    period_key: str
    period_label: str
    state: str  # queued, running, done, failed
    phase: str | None  # read, detect, write while running
    percent: int
    rows_read: int
    rows_total: int | None
    error: str | None  # shown to the roles that may score only
    requested_by: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "period": self.period_label,
            "state": self.state,
            "phase": self.phase,
            "percent": self.percent,
            "rows_read": self.rows_read,
            "rows_total": self.rows_total,
            "error": self.error,
            "active": self.active,
        }


def may_score(principal: Principal) -> bool:
    return principal.role in SCORING_ROLES


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


def _view(job: ScoringJob, requested_by: str | None, principal: Principal, timezone: str) -> JobView:
    zone = ZoneInfo(timezone)
    return JobView(
        id=job.id,
        period_key=job.period_key,
        period_label=job.period_label,
        state=job.state,
        phase=job.phase if job.state == "running" else None,
        percent=round(100 * (job.progress or 0.0)),
        rows_read=job.rows_read,
        rows_total=job.rows_total,
        error=job.error if may_score(principal) else None,
        requested_by=requested_by,
        requested_at=job.requested_at.astimezone(zone),
        started_at=_local(job.started_at, zone),
        finished_at=_local(job.finished_at, zone),
    )


def latest_jobs(
    session: Session, principal: Principal, period_keys: list[str], timezone: str = "UTC"
) -> dict[str, JobView]:
    """The newest job of each period (a queued one behind a running one shows as queued), its
    times in `timezone`."""
    if not period_keys:
        return {}
    newest = (
        select(func.max(ScoringJob.id))
        .where(ScoringJob.period_key.in_(period_keys))
        .group_by(ScoringJob.period_key)
        .scalar_subquery()
    )
    rows = session.execute(
        select(ScoringJob, User.display_name)
        .outerjoin(User, User.id == ScoringJob.requested_by_user_id)
        .where(ScoringJob.id.in_(newest))
    )
    return {job.period_key: _view(job, name, principal, timezone) for job, name in rows}


def job_status(session: Session, principal: Principal, job_id: int) -> JobView:
    require_role(principal, *VIEWING_ROLES)
    row = session.execute(
        select(ScoringJob, User.display_name)
        .outerjoin(User, User.id == ScoringJob.requested_by_user_id)
        .where(ScoringJob.id == job_id)
    ).first()
    if row is None:
        raise NotFound(f"scoring job {job_id}")
    return _view(row[0], row[1], principal, "UTC")


def queue_scoring(session: Session, principal: Principal, period: Period, now: datetime) -> JobView:
    """Queues scoring of the period and returns at once; a worker runs it. Asking again while a job
    of the period waits returns that job. A closed period is refused: its results are frozen."""
    require_role(principal, *SCORING_ROLES)
    try:
        freeze.refuse_if_frozen(session, period.key)  # HR closed the period (staff_admin.periods)
    except freeze.ResultsFrozen:
        raise invalid("", N_("This period is closed; its results are frozen.")) from None
    try:
        job, created = queue.enqueue(session, period, principal.user_id, now)
        if created:
            after = {"period": period.key, "label": period.label, "state": "queued"}
            audit.record(session, principal, "scoring_job.queue", "scoring_job", job.id, None, after, at=now)
        session.commit()
    except IntegrityError as error:  # another request queued it between our check and our insert
        job = queue.enqueue_again(session, period.key, error)
    return job_status(session, principal, job.id)
