"""The worker: claim a scoring job, score its period, record done or failed; poll when idle.

While a job runs, a heartbeat thread renews its lease on a connection of its own, so a long phase
(detection, or PostgreSQL rewriting the ratings' flags) does not look like a dead worker; progress is
recorded between chunks of the read and as each phase begins. If the lease is lost anyway (the worker
stalled past it and another took the job over), this worker stops at its next progress report and
writes nothing about the job: only the token's owner finishes it. Scoring replaces a period's results
in one transaction, so a job started twice, or again after a crash, ends with the same results.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from portal.kernel import rollups
from portal.kernel.clock import Clock
from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from scoring.db.freeze import ResultsFrozen
from scoring.periods import Period, PeriodError, parse_period
from staff_admin.jobs import hooks, queue

HEARTBEAT_SHARE = 4  # renew the lease four times per lease
ROLLUP_SECONDS = 60.0  # the worker refreshes the staff rollups this often when idle
PROGRESS_SECONDS = 1.0  # at most one progress write a second within a phase
# Rough shares of a run's time by phase, so the bar moves evenly enough (docs/scoring-jobs.md).
PHASE_START = {"read": 0.0, "detect": 0.4, "write": 0.6}


class LeaseLost(Exception):
    """Another worker owns the job now (this one stalled past its lease)."""


class WorkerStopped(BaseException):
    """The process was asked to stop (SIGTERM); a running job is handed back at once."""


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Heartbeat(threading.Thread):
    def __init__(self, worker: Worker, claim: queue.Claim) -> None:
        super().__init__(name=f"heartbeat-job-{claim.job_id}", daemon=True)
        self.worker, self.claim = worker, claim
        self.finished, self.lost = threading.Event(), threading.Event()

    def run(self) -> None:
        interval = self.worker.lease.total_seconds() / HEARTBEAT_SHARE
        while not self.finished.wait(interval):
            try:
                owned = queue.renew(self.worker.engine, self.claim, self.worker.clock(), self.worker.lease)
            except SQLAlchemyError:  # SQLite: the scoring transaction holds the write lock; next beat
                continue
            if not owned:
                self.lost.set()
                return


@dataclass
class Worker:
    engine: Engine
    sessions: sessionmaker
    settings: Settings
    clock: Clock
    name: str = field(default_factory=_worker_name)
    lease: timedelta = queue.LEASE
    log: Callable[[str], None] = print
    stopping: threading.Event = field(default_factory=threading.Event)
    rolled_at: float = -ROLLUP_SECONDS  # monotonic time of the last rollup refresh

    def run(self, once: bool = False, poll_seconds: float = 5.0) -> dict[str, int]:
        """Runs jobs until stopped (or, with `once`, until none is left); counts of final states."""
        outcomes: dict[str, int] = {}
        while not self.stopping.is_set():
            try:
                claim = queue.claim(self.engine, self.name, self.clock(), self.lease)
            except OperationalError as error:  # database restarting, or SQLite busy beyond its timeout
                if once:
                    raise
                self.log(f"cannot look for jobs now ({type(error).__name__}); again in {poll_seconds:g} s")
                self.stopping.wait(poll_seconds)
                continue
            if claim is None:
                if once:
                    break
                self.refresh_rollups()
                self.stopping.wait(poll_seconds)
                continue
            outcome = self.run_job(claim)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return outcomes

    def refresh_rollups(self) -> None:
        """When idle, at most once a ROLLUP_SECONDS: the staff pages' day rollups catch up with the
        ratings that arrived (portal.kernel.rollups), off the citizen's path."""
        if time.monotonic() - self.rolled_at < ROLLUP_SECONDS:
            return
        self.rolled_at = time.monotonic()
        try:
            with self.sessions() as session:
                rollups.refresh(session, self.settings.period_timezone, self.clock())
                session.commit()
        except SQLAlchemyError as error:
            self.log(f"rollups not refreshed now ({type(error).__name__})")

    def stop_now(self, _signum: int = 0, _frame: object = None) -> None:
        """A SIGTERM handler: interrupts the job in progress (its transaction rolls back)."""
        self.stopping.set()
        raise WorkerStopped

    def run_job(self, claim: queue.Claim) -> str:
        heartbeat = _Heartbeat(self, claim)
        heartbeat.start()
        began = time.perf_counter()
        try:
            summary = self._score(claim, heartbeat)
        except LeaseLost:
            self.log(f"job {claim.job_id} ({claim.period_label}): taken over by another worker")
            return "lost"
        except (WorkerStopped, KeyboardInterrupt):
            queue.release(self.engine, claim, self.clock())
            self.log(f"job {claim.job_id} ({claim.period_label}): handed back, worker stopping")
            raise
        except Exception as error:  # recorded on the job for HR to read; the worker carries on
            message = str(error) if isinstance(error, ResultsFrozen) else f"{type(error).__name__}: {error}"
            queue.mark_failed(self.engine, claim, self.clock(), message)
            self.log(f"job {claim.job_id} ({claim.period_label}): failed: {message}")
            return "failed"
        finally:
            heartbeat.finished.set()
            heartbeat.join()
        seconds = time.perf_counter() - began
        self.log(
            f"job {claim.job_id} ({claim.period_label}): done, {summary['n_ratings']} ratings, "
            f"{summary['n_excluded']} excluded, {seconds:.1f} s"
        )
        return "done"

    def _period(self, claim: queue.Claim) -> Period:
        try:
            period = parse_period(claim.period_label)
        except PeriodError as error:
            raise ValueError(f"the job's period {claim.period_label!r} cannot be read: {error}") from None
        if period.key != claim.period_key:
            raise ValueError(f"the job's period {claim.period_label!r} is not {claim.period_key}")
        return period

    def _progress(self, claim: queue.Claim, heartbeat: _Heartbeat, total: int) -> Callable[[str, int], None]:
        last = {"phase": "", "at": 0.0}

        def report(phase: str, rows: int) -> None:
            if heartbeat.lost.is_set():
                raise LeaseLost
            if phase == last["phase"] and time.monotonic() - last["at"] < PROGRESS_SECONDS:
                return
            last.update(phase=phase, at=time.monotonic())
            share = PHASE_START[phase]
            if phase == "read" and total:
                share += (PHASE_START["detect"] - PHASE_START["read"]) * min(rows / total, 1.0)
            try:
                owned = queue.renew(
                    self.engine, claim, self.clock(), self.lease, phase=phase, progress=share, rows_read=rows
                )
            except SQLAlchemyError:  # progress is a courtesy; the heartbeat keeps the lease
                return
            if not owned:
                raise LeaseLost

        return report

    def _score(self, claim: queue.Claim, heartbeat: _Heartbeat) -> dict[str, object]:
        from scoring.db.cli import scoring_params
        from scoring.db.store import score_period  # numpy and scikit-learn load on first use only

        period = self._period(claim)
        timezone = self.settings.period_timezone
        with self.sessions() as session:
            start, end = period.bounds(timezone)
            total = session.scalar(
                select(func.count()).where(Rating.submitted_at >= start, Rating.submitted_at < end)
            )
            session.rollback()
            if not queue.renew(
                self.engine, claim, self.clock(), self.lease, phase="read", rows_read=0, rows_total=total
            ):
                raise LeaseLost
            result = score_period(
                session,
                period,
                scoring_params(self.settings),
                timezone,
                self.clock,
                progress=self._progress(claim, heartbeat, total or 0),
            )
            summary: dict[str, object] = {
                "n_ratings": result.n_ratings,
                "n_excluded": result.n_excluded,
                "n_units": result.n_units,
                "n_officers": result.n_officers,
                "input_hash": result.input_hash,
                "detector_version": result.detector_version,
                "seconds": {phase: round(s, 2) for phase, s in result.seconds.items()},
            }
            finished = self.clock()
            hooks.scored(session, period.key, result, claim.requested_by_user_id, finished, claim.job_id)
            if not queue.mark_done(session, claim, finished, summary):
                session.rollback()
                raise LeaseLost
            session.commit()
        return summary
