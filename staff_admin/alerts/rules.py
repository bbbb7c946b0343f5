"""The four alert rules, each with its thresholds in settings. `check` runs them all (the
`rating-portal alerts` command, every few minutes) and stores each situation found once, under a key
naming it, with a mail in the outbox for every recipient who wants mail at once.

- low_share: a counter's recent ratings (the last ALERT_LOW_LAST_RATINGS within
  ALERT_LOW_WINDOW_MINUTES, at least ALERT_LOW_MIN_RATINGS) hold more than ALERT_LOW_SHARE ratings of 1
  or 2. While later checks keep finding it, it is the same situation (no new alert).
- complaint_overdue: an open complaint case past its due date.
- incident: a detector incident of the review queue (a burst, a brigade, sabotage, a script...) with a
  rating in the last ALERT_INCIDENT_DAYS days.
- grade_drop: a unit's grade (A-D) worse than in the period just before, of the same length, for
  periods scored in the last ALERT_GRADE_DAYS days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.citizen.followup import OPEN_STATUSES, ComplaintCase, local_date
from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from scoring.db.models import ScoringRun, UnitResult
from staff_admin.access import ADMIN, Principal
from staff_admin.alerts.audience import immediate_recipients
from staff_admin.alerts.models import Alert
from staff_admin.kit.reasons import reason_codes
from staff_admin.models import OutboxMail
from staff_admin.review.incidents import number_incidents, pending
from staff_admin.review.models import IncidentRating

GRADES = "ABCD"  # best first
# A rating carrying only these is a marker for a person to look at, not a detector incident.
MARKERS = frozenset({"officer_anomaly"})
SYSTEM = Principal(0, "system", "system", ADMIN, None, None, frozenset())


@dataclass(frozen=True)
class Found:
    """A situation a rule found: the alert to store unless its key is taken."""

    key: str
    kind: str
    unit_id: int
    counter_id: int | None
    subject_id: int | None
    facts: dict[str, Any]


def low_share(session: Session, settings: Settings, now: datetime) -> Iterator[Found]:
    since = now - timedelta(minutes=settings.alert_low_window_minutes)
    rows = session.execute(
        select(Rating.id, Rating.counter_id, Rating.unit_id, Rating.overall)
        .where(Rating.submitted_at >= since, Rating.excluded.is_(False))
        .order_by(Rating.counter_id, Rating.submitted_at.desc(), Rating.id.desc())
    ).all()
    by_counter: dict[int, list] = {}
    for row in rows:
        recent = by_counter.setdefault(row.counter_id, [])
        if len(recent) < settings.alert_low_last_ratings:
            recent.append(row)
    for counter_id, recent in by_counter.items():
        low = sum(1 for r in recent if r.overall <= 2)
        if len(recent) < settings.alert_low_min_ratings or low / len(recent) <= settings.alert_low_share:
            continue
        facts = {"low": low, "ratings": len(recent), "minutes": settings.alert_low_window_minutes}
        # the oldest rating of the window names the run of low ratings, so two checks at once agree
        key = f"low_share:{counter_id}:{recent[-1].id}"
        yield Found(key, "low_share", recent[0].unit_id, counter_id, None, facts)


def complaint_overdue(session: Session, settings: Settings, now: datetime) -> Iterator[Found]:
    today = local_date(now, settings.period_timezone)
    cases = session.execute(
        select(ComplaintCase.id, ComplaintCase.unit_id, ComplaintCase.due_on, Rating.counter_id)
        .join(Rating, Rating.id == ComplaintCase.rating_id)
        .where(ComplaintCase.status.in_(OPEN_STATUSES), ComplaintCase.due_on < today)
    )
    for case_id, unit_id, due_on, counter_id in cases:
        facts = {"case": case_id, "due_on": due_on.isoformat()}
        yield Found(f"complaint_overdue:{case_id}", "complaint_overdue", unit_id, counter_id, case_id, facts)


def incident(session: Session, settings: Settings, now: datetime) -> Iterator[Found]:
    since = now - timedelta(days=settings.alert_incident_days)
    recent = (
        select(IncidentRating.incident_id)
        .join(Rating, Rating.id == IncidentRating.rating_id)
        .where(pending(), Rating.submitted_at >= since)
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(IncidentRating.incident_id, Rating.unit_id, Rating.counter_id, Rating.reasons)
        .join(Rating, Rating.id == IncidentRating.rating_id)
        .where(IncidentRating.incident_id.in_(select(recent.c.incident_id)), pending())
        .order_by(IncidentRating.incident_id, Rating.id)
    )
    incidents: dict[int, dict[str, Any]] = {}
    for incident_id, unit_id, counter_id, reasons in rows:
        seen = incidents.setdefault(
            incident_id, {"unit": unit_id, "counters": set(), "codes": set(), "ratings": 0}
        )
        seen["counters"].add(counter_id)
        seen["codes"].update(reason_codes(reasons))
        seen["ratings"] += 1
    for incident_id, seen in incidents.items():
        codes = reason_codes(";".join(seen["codes"] - MARKERS))
        if not codes:
            continue
        counter = next(iter(seen["counters"])) if len(seen["counters"]) == 1 else None
        facts = {"incident": incident_id, "ratings": seen["ratings"], "reasons": codes}
        yield Found(f"incident:{incident_id}", "incident", seen["unit"], counter, incident_id, facts)


def _same_length(a: ScoringRun, b: ScoringRun) -> bool:
    return abs((a.period_end - a.period_start) - (b.period_end - b.period_start)) <= timedelta(days=3)


def grade_drop(session: Session, settings: Settings, now: datetime) -> Iterator[Found]:
    runs = session.scalars(
        select(ScoringRun).where(ScoringRun.finished_at >= now - timedelta(days=settings.alert_grade_days))
    ).all()
    for run in runs:
        before: date = run.period_start - timedelta(days=1)
        previous = [
            p
            for p in session.scalars(select(ScoringRun).where(ScoringRun.period_end == before))
            if _same_length(p, run)
        ]
        if not previous:
            continue
        earlier = {
            r.unit_id: r
            for r in session.scalars(select(UnitResult).where(UnitResult.run_id == previous[0].id))
        }
        for result in session.scalars(select(UnitResult).where(UnitResult.run_id == run.id)):
            was = earlier.get(result.unit_id)
            if not (was and was.mutu in GRADES and result.mutu in GRADES) or result.mutu <= was.mutu:
                continue
            facts = {
                "period": run.period_label,
                "previous_period": previous[0].period_label,
                "grade": result.mutu,
                "previous_grade": was.mutu,
                "ikm": result.ikm,
                "previous_ikm": was.ikm,
            }
            key = f"grade_drop:{result.unit_id}:{run.period_key}:{was.mutu}{result.mutu}"
            yield Found(key, "grade_drop", result.unit_id, None, run.id, facts)


RULES = (low_share, complaint_overdue, incident, grade_drop)


def _store(session: Session, found: Found, now: datetime, window: timedelta, mail: bool) -> Alert | None:
    if session.scalar(select(Alert.id).where(Alert.key == found.key)) is not None:
        return None
    if found.kind == "low_share":  # the same run of low ratings, found again as the window slides
        ongoing = session.scalar(
            select(Alert).where(
                Alert.kind == "low_share",
                Alert.counter_id == found.counter_id,
                Alert.last_seen_at >= now - window,
            )
        )
        if ongoing is not None:
            ongoing.last_seen_at = now
            return None
    alert = Alert(
        key=found.key,
        kind=found.kind,
        unit_id=found.unit_id,
        counter_id=found.counter_id,
        subject_id=found.subject_id,
        facts=found.facts,
        created_at=now,
        last_seen_at=now,
    )
    session.add(alert)
    session.flush()
    for user_id in immediate_recipients(session, alert) if mail else ():
        session.add(
            OutboxMail(
                kind="alert",
                user_id=user_id,
                alert_id=alert.id,
                facts={},
                created_at=now,
                next_attempt_at=now,
            )
        )
    return alert


def check(session: Session, settings: Settings, now: datetime) -> list[Alert]:
    """Runs every rule and stores what is new, with its mails (when SMTP_URL is set), in one
    transaction. Two checks at once (a slow one overtaken by the next cron run) store each situation
    once: the loser's transaction fails on the key and it checks again, finding the winner's alerts."""
    window = timedelta(minutes=settings.alert_low_window_minutes)
    # The review queue's numbers first, in their own transaction (numbering commits or rolls back)
    number_incidents(session, SYSTEM, settings.period_timezone, now)
    for attempt in range(3):
        try:
            new = [
                alert
                for rule in RULES
                for found in list(rule(session, settings, now))
                if (alert := _store(session, found, now, window, bool(settings.smtp_url))) is not None
            ]
            session.commit()
            return new
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    return []


def alert_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Alert)) or 0
