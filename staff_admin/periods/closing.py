"""Closing a period, the dangerous step: a summary first (what was scored, what still waits), a refusal
while reviews or appeals of the period are pending unless HR overrides with a reason (audited), and
at closing a snapshot of who the officers were (names, NIPs, units), which the export shows later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase
from portal.citizen.forms import N_, clean_comment
from portal.kernel.models import Employee, Rating, Unit
from scoring.db.models import OfficerResult, ScoringRun, UnitResult
from scoring.periods import Period
from staff_admin import audit
from staff_admin.access import Principal
from staff_admin.jobs.models import ACTIVE_STATES, ScoringJob
from staff_admin.kit.notes import MAX_NOTE_CHARS
from staff_admin.kit.problems import Invalid, Problem, invalid
from staff_admin.periods.models import PeriodSnapshotRow, ScoringPeriod
from staff_admin.periods.service import PeriodRow, get_period, period_row
from staff_admin.recognition.items import officer_items, with_items
from staff_admin.review.incidents import pending
from staff_admin.review.models import Appeal

OPEN_COMPLAINTS = ("new", "in_progress")


@dataclass(frozen=True)
class CloseSummary:
    period: PeriodRow
    ratings_scored: int | None  # in the period's scoring run; None before it is scored
    ratings_now: int  # in the period today (more when ratings arrived after scoring)
    excluded: int | None  # of the scored ones, left out of the figures
    pending_reviews: int  # flagged ratings of the period nobody has decided on
    open_appeals: int
    open_complaints: int
    officers: int | None
    officers_insufficient: int | None  # too few usable ratings for a score

    @property
    def blocked(self) -> bool:
        """Closing must wait (or be overridden) while people still have to decide."""
        return self.pending_reviews > 0 or self.open_appeals > 0

    @property
    def closable(self) -> bool:
        return self.period.status == "scored"


def _in_period(period: ScoringPeriod, timezone: str) -> tuple:
    start, end = Period(period.start_date, period.end_date, period.label).bounds(timezone)
    return Rating.submitted_at >= start, Rating.submitted_at < end


def _count(session: Session, statement) -> int:
    return session.scalar(statement) or 0


def close_summary(session: Session, principal: Principal, period_id: int, timezone: str) -> CloseSummary:
    """What closing would freeze and what still waits, for HR to read before closing (HR, admin)."""
    period = get_period(session, principal, period_id)
    within = _in_period(period, timezone)
    run = session.scalar(select(ScoringRun).where(ScoringRun.period_key == period.key))
    scored = excluded = officers = insufficient = None
    if run is not None:
        scored = run.n_ratings
        excluded = _count(
            session,
            select(func.sum(UnitResult.n_ratings - UnitResult.n_used)).where(UnitResult.run_id == run.id),
        )
        officers, insufficient = session.execute(
            select(func.count(), func.count().filter(OfficerResult.sufficient.is_(False))).where(
                OfficerResult.run_id == run.id
            )
        ).one()
    of_ratings = select(Rating.id).where(*within)
    return CloseSummary(
        period=period_row(session, period, timezone),
        ratings_scored=scored,
        ratings_now=_count(session, select(func.count()).select_from(Rating).where(*within)),
        excluded=excluded,
        pending_reviews=_count(session, select(func.count()).select_from(Rating).where(*within, pending())),
        open_appeals=_count(
            session,
            select(func.count())
            .select_from(Appeal)
            .where(Appeal.status == "open", Appeal.rating_id.in_(of_ratings)),
        ),
        open_complaints=_count(
            session,
            select(func.count())
            .select_from(ComplaintCase)
            .where(ComplaintCase.status.in_(OPEN_COMPLAINTS), ComplaintCase.rating_id.in_(of_ratings)),
        ),
        officers=officers,
        officers_insufficient=insufficient,
    )


def _override_note(raw: str) -> str:
    note = clean_comment(raw or "")
    if not note:
        raise invalid("note", N_("Say why the period closes while reviews or appeals are still pending."))
    if len(note) > MAX_NOTE_CHARS:
        raise invalid("note", N_("Please keep the note to 2000 characters or fewer."))
    return note


def close(
    session: Session,
    principal: Principal,
    period_id: int,
    now: datetime,
    timezone: str,
    *,
    confirmed: bool,
    override: bool = False,
    note: str = "",
) -> ScoringPeriod:
    """Closes a scored period: pins its run, keeps who its officers were, audits it all. Refused while
    reviews or appeals of the period are pending, unless `override` with a `note`."""
    summary = close_summary(session, principal, period_id, timezone)
    period = get_period(session, principal, period_id)
    if period.status == "closed":
        raise invalid("", N_("This period is closed already."))
    run = session.scalar(select(ScoringRun).where(ScoringRun.period_key == period.key))
    if period.status != "scored" or run is None:
        raise invalid("", N_("Score the period before closing it."))
    if session.scalar(
        select(ScoringJob.id).where(ScoringJob.period_key == period.key, ScoringJob.state.in_(ACTIVE_STATES))
    ):
        raise invalid("", N_("This period is being scored; close it once the scoring job has finished."))
    problems = []
    if not confirmed:
        problems.append(Problem("confirm", N_("Tick the box to confirm that you want to close this period.")))
    reason = None
    if summary.blocked:
        if not override:
            problems.append(
                Problem(
                    "override",
                    N_(
                        "%(reviews)s ratings of this period wait for review and %(appeals)s appeals are "
                        "open. Decide them first, or tick the override and say why."
                    ),
                    {"reviews": summary.pending_reviews, "appeals": summary.open_appeals},
                )
            )
        else:
            try:
                reason = _override_note(note)
            except Invalid as failed:
                problems += failed.problems
    if problems:
        raise Invalid(*problems, values={"override": "yes" if override else "", "note": note})
    period.status = "closed"
    period.scoring_run_id, period.input_hash, period.detector_version = (
        run.id,
        run.input_hash,
        run.detector_version,
    )
    period.closed_by_user_id, period.closed_at = principal.user_id, now
    kept = _snapshot(session, period, run)
    after = {
        "status": "closed",
        "scoring_run_id": run.id,
        "input_hash": run.input_hash,
        "detector_version": run.detector_version,
        "snapshot_rows": kept,
        "pending_reviews": summary.pending_reviews,
        "open_appeals": summary.open_appeals,
        "override": bool(summary.blocked and override),
    }
    audit.record(
        session, principal, "period.close", "period", period.id, {"status": "scored"}, after, reason, at=now
    )
    session.commit()
    return period


def _snapshot(session: Session, period: ScoringPeriod, run: ScoringRun) -> int:
    """Who the run's officers are today, kept with the period (names, NIPs and units as of closing),
    with their officer items (U6, U7) of the run's kept ratings."""
    rows = [
        {
            "period_id": period.id,
            "employee_id": employee_id,
            "unit_id": unit_id,
            "nip": nip,
            "name": name,
            "unit_code": unit_code,
            "unit_name": unit_name,
        }
        for employee_id, unit_id, nip, name, unit_code, unit_name in session.execute(
            select(
                OfficerResult.employee_id,
                OfficerResult.unit_id,
                Employee.nip,
                Employee.name,
                Unit.code,
                Unit.name,
            )
            .join(Employee, Employee.id == OfficerResult.employee_id)
            .join(Unit, Unit.id == OfficerResult.unit_id)
            .where(OfficerResult.run_id == run.id)
        )
    ]
    rows = with_items(rows, officer_items(session, run))
    if rows:
        session.execute(insert(PeriodSnapshotRow), rows)
    return len(rows)
