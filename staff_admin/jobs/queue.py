"""The job table's mechanics, without roles: queue, claim, renew the lease, report progress, finish.

Claiming is one conditional UPDATE of the oldest eligible job, safe with any number of workers:
PostgreSQL picks the row with FOR UPDATE SKIP LOCKED (a second worker skips it instead of waiting) and
re-checks the condition on the row it locks; SQLite runs the claim in a BEGIN IMMEDIATE transaction,
which takes the database's write lock before reading, so two workers claim one after the other. The
partial unique indexes of `scoring_jobs` are the last line: a second queued or running job of one
period cannot exist.

Everything here runs on short connections of its own (`Engine`), never inside a scoring transaction:
a worker reports progress while its scoring session reads.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.periods import Period
from staff_admin.jobs.models import ScoringJob

LEASE = timedelta(minutes=2)  # a worker renews it every LEASE / 4 (worker.HEARTBEAT_SHARE)
MAX_ATTEMPTS = 3  # a job whose workers died this often is failed, not started a fourth time
ERROR_CHARS = 2000

jobs = ScoringJob.__table__


@dataclass(frozen=True)
class Claim:
    """A job this worker now owns, as long as its token still matches the row."""

    job_id: int
    token: str
    period_key: str
    period_label: str
    requested_by_user_id: int | None
    attempts: int


def active_job(session: Session, period_key: str, state: str = "queued") -> ScoringJob | None:
    return session.scalar(
        select(ScoringJob).where(ScoringJob.period_key == period_key, ScoringJob.state == state)
    )


def enqueue(
    session: Session, period: Period, requested_by: int | None, now: datetime
) -> tuple[ScoringJob, bool]:
    """The period's queued job, or a new one; (job, created). A job already running does not stop a
    new one being queued behind it (ratings may have arrived since it read them); a queued one is
    returned as it is. Flushes but does not commit: the caller adds its audit entry and commits,
    and calls `enqueue_again` if that commit loses a race with another request."""
    existing = active_job(session, period.key)
    if existing is not None:
        return existing, False
    job = ScoringJob(
        period_key=period.key,
        period_label=period.label,
        state="queued",
        progress=0.0,
        rows_read=0,
        attempts=0,
        requested_by_user_id=requested_by,
        requested_at=now,
    )
    session.add(job)
    session.flush()
    return job, True


def enqueue_again(session: Session, period_key: str, error: IntegrityError) -> ScoringJob:
    """After another request queued the same period first (the unique index refused ours)."""
    session.rollback()
    existing = active_job(session, period_key)
    if existing is None:
        raise error
    return existing


@contextmanager
def _claiming(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement on SQLite."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # we say BEGIN ourselves
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


def _expired(table: Any, now: datetime) -> Any:
    return and_(table.c.state == "running", table.c.lease_expires_at < now)


def claim(engine: Engine, worker: str, now: datetime, lease: timedelta = LEASE) -> Claim | None:
    """Takes the oldest job that may run now: a running job whose worker's lease ran out (taken over
    first), else the oldest queued job of a period with no running job. None when there is none."""
    token = secrets.token_hex(16)
    with _claiming(engine) as connection:
        connection.execute(
            update(jobs)
            .where(_expired(jobs, now), jobs.c.attempts >= MAX_ATTEMPTS)
            .values(
                state="failed",
                finished_at=now,
                claim_token=None,
                lease_expires_at=None,
                error=f"The worker stopped {MAX_ATTEMPTS} times while running this job; not started again.",
            )
        )
        pick, running = jobs.alias("pick"), jobs.alias("running")
        busy = exists().where(running.c.period_key == pick.c.period_key, running.c.state == "running")
        candidate = (
            select(pick.c.id)
            .where(or_(_expired(pick, now), and_(pick.c.state == "queued", ~busy)))
            .order_by(case((pick.c.state == "running", 0), else_=1), pick.c.requested_at, pick.c.id)
            .limit(1)
        )
        if engine.dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True, of=pick)
        statement = (
            update(jobs)
            .where(
                jobs.c.id == candidate.scalar_subquery(),
                or_(_expired(jobs, now), jobs.c.state == "queued"),  # re-checked on the locked row
            )
            .values(
                state="running",
                claim_token=token,
                worker=worker[:128],
                attempts=jobs.c.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                lease_expires_at=now + lease,
                phase=None,
                progress=0.0,
                rows_read=0,
            )
            .returning(
                jobs.c.id,
                jobs.c.period_key,
                jobs.c.period_label,
                jobs.c.requested_by_user_id,
                jobs.c.attempts,
            )
        )
        try:
            row = connection.execute(statement).first()
        except IntegrityError:  # a running job of the period appeared meanwhile; the next poll sees it
            return None
    if row is None:
        return None
    return Claim(row.id, token, row.period_key, row.period_label, row.requested_by_user_id, row.attempts)


def _owned(claim: Claim) -> Any:
    return and_(jobs.c.id == claim.job_id, jobs.c.claim_token == claim.token, jobs.c.state == "running")


def renew(engine: Engine, claim: Claim, now: datetime, lease: timedelta = LEASE, **progress: Any) -> bool:
    """Extends the lease (and records progress: phase, progress, rows_read, rows_total); False when the
    job is no longer this worker's (its lease ran out and another worker took it over)."""
    with engine.begin() as connection:
        changed = connection.execute(
            update(jobs)
            .where(_owned(claim))
            .values(heartbeat_at=now, lease_expires_at=now + lease, **progress)
        ).rowcount
    return changed == 1


def mark_done(session: Session, claim: Claim, now: datetime, summary: dict[str, Any]) -> bool:
    """In the caller's transaction (beside the period's new state); False when no longer ours."""
    changed = session.execute(
        update(jobs)
        .where(_owned(claim))
        .values(
            state="done",
            phase=None,
            progress=1.0,
            finished_at=now,
            summary=summary,
            claim_token=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def mark_failed(engine: Engine, claim: Claim, now: datetime, error: str) -> bool:
    with engine.begin() as connection:
        changed = connection.execute(
            update(jobs)
            .where(_owned(claim))
            .values(
                state="failed",
                finished_at=now,
                error=error[:ERROR_CHARS],
                claim_token=None,
                lease_expires_at=None,
            )
        ).rowcount
    return changed == 1


def release(engine: Engine, claim: Claim, now: datetime) -> bool:
    """A worker asked to stop hands its job back at once: the lease ends now and this attempt is not
    counted, so the next worker takes it over on its first poll."""
    with engine.begin() as connection:
        changed = connection.execute(
            update(jobs)
            .where(_owned(claim))
            .values(lease_expires_at=now, attempts=case((jobs.c.attempts > 0, jobs.c.attempts - 1), else_=0))
        ).rowcount
    return changed == 1
