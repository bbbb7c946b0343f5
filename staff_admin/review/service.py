"""The review queue: ratings the detector excluded or marked, grouped into numbered incidents
(staff_admin.review.incidents), each with its evidence in plain words and what a decision would do to
the officer's score (staff_admin.review.effect); and the decisions (confirm the exclusion, or restore
the rating), one per incident with exceptions, each rating's decision stored and audited.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel import rollups
from portal.kernel.models import SKM_ELEMENTS, Counter, Employee, Rating, Unit
from scoring.db.models import RatingDecision
from scoring.params import ScoringParams
from staff_admin import audit
from staff_admin.access import ADMIN, HR, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.kit import tallies
from staff_admin.kit.listing import Paging, local_time, paging
from staff_admin.kit.notes import DecisionRefused, required_note
from staff_admin.kit.reasons import MANUAL, Reason, explain, reason_codes
from staff_admin.kit.records import all_or_nothing
from staff_admin.review.effect import Effect, Question, Waiting, effects
from staff_admin.review.incidents import number_incidents, pending
from staff_admin.review.models import IncidentRating

DECISIONS = {"confirm": "exclude", "restore": "include"}
PAGE_SIZE = 10  # incidents per page
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class QueueRating:
    id: int
    submitted: datetime  # in the local time zone; the template prints it in the page's language
    counter: str
    officer: str | None
    overall: int
    comment: str | None
    excluded: bool
    reasons: list[Reason]


@dataclass(frozen=True)
class ReasonCount:
    reason: Reason
    ratings: int


@dataclass(frozen=True)
class Evidence:
    """What the incident's waiting ratings have in common, for a person to judge."""

    ratings: int
    excluded: int  # of those, excluded now (the rest still count, marked for review)
    devices: int  # distinct devices (a rating without one counts as its own)
    networks: int
    first: datetime  # local
    last: datetime
    days: int  # distinct local days
    span_minutes: int
    earliest: time  # the times of day, as the shortest stretch of the clock holding them all
    latest: time
    outside_hours: int  # submitted outside the counter's opening hours


@dataclass(frozen=True)
class Incident:
    number: int
    unit: str
    officer: str | None  # the one officer rated, or None
    officers: int  # how many officers its ratings went to (0: nobody was on duty)
    counters: list[str]
    reasons: list[ReasonCount]
    evidence: Evidence
    effect: Effect | None
    decided_before: int  # ratings of this incident decided already
    ratings: list[QueueRating]

    @property
    def rating_ids(self) -> list[int]:
        return [r.id for r in self.ratings]


@dataclass(frozen=True)
class QueuePage:
    incidents: list[Incident]
    pending: int  # ratings waiting, in the principal's units
    total: int  # incidents waiting
    paging: Paging


@dataclass(frozen=True)
class Decided:
    """What one decision did, for the confirmation message."""

    incidents: list[int]
    confirmed: int
    restored: int


def _can_review(principal: Principal) -> None:
    require_role(principal, ADMIN, HR, UNIT_HEAD)


def clock_window(times: list[time]) -> tuple[time, time]:
    """The shortest stretch of the 24-hour clock holding every time, as (from, to): 22:10 and 01:05
    give (22:10, 01:05), not (01:05, 22:10)."""
    minutes = sorted({t.hour * 60 + t.minute for t in times})
    gaps = [
        ((minutes[(i + 1) % len(minutes)] - m) % MINUTES_PER_DAY or MINUTES_PER_DAY, i)
        for i, m in enumerate(minutes)
    ]
    _, widest = max(gaps)
    start, end = minutes[(widest + 1) % len(minutes)], minutes[widest]
    return time(start // 60, start % 60), time(end // 60, end % 60)


def evidence(ratings: list[Rating], timezone: str) -> Evidence:
    local = [local_time(r.submitted_at, timezone) for r in ratings]
    earliest, latest = clock_window([moment.time() for moment in local])
    first, last = min(local), max(local)
    return Evidence(
        ratings=len(ratings),
        excluded=sum(r.excluded for r in ratings),
        devices=len({r.device_hash or f"rating:{r.id}" for r in ratings}),
        networks=len({r.network_hash for r in ratings if r.network_hash}),
        first=first,
        last=last,
        days=len({moment.date() for moment in local}),
        span_minutes=int((last - first).total_seconds() // 60),
        earliest=earliest,
        latest=latest,
        outside_hours=sum(bool(r.outside_hours) for r in ratings),
    )


def _reason_counts(ratings: list[Rating], language: str) -> list[ReasonCount]:
    tally: Tally[str] = Tally()
    for rating in ratings:
        tally.update(reason_codes(rating.reasons) or [MANUAL])
    order = reason_codes(";".join(tally))
    return [ReasonCount(reason, tally[reason.code]) for reason in explain(order, language)]


def waiting_count(session: Session, principal: Principal) -> int:
    """How many ratings wait in the principal's review queue (the home page's to-do)."""
    _can_review(principal)
    return (
        session.scalar(
            select(func.count()).select_from(Rating).where(pending(), unit_scope(principal, Rating.unit_id))
        )
        or 0
    )


def _waiting_per_incident(session: Session, principal: Principal) -> dict[int | None, int]:
    """One pass over the waiting ratings of the principal's units: how many wait per incident number,
    in number order, and under None those without a number yet."""
    rows = session.execute(
        select(IncidentRating.incident_id, func.count())
        .select_from(Rating)
        .outerjoin(IncidentRating, IncidentRating.rating_id == Rating.id)
        .where(pending(), unit_scope(principal, Rating.unit_id))
        .group_by(IncidentRating.incident_id)
        .order_by(IncidentRating.incident_id.is_(None), IncidentRating.incident_id)
    )
    return dict(rows.all())


def review_queue(
    session: Session,
    principal: Principal,
    language: str,
    timezone: str,
    now: datetime,
    params: ScoringParams,
    page: int = 1,
) -> QueuePage:
    """One page of the incidents waiting in the principal's units, oldest number first."""
    _can_review(principal)
    waiting = _waiting_per_incident(session, principal)
    if None in waiting:  # ratings flagged since the last numbering
        number_incidents(session, principal, timezone, now)
        waiting = _waiting_per_incident(session, principal)
    waiting.pop(None, None)  # flagged between the numbering and the count: numbered next time
    shown = paging(len(waiting), page, PAGE_SIZE)
    numbers = list(waiting)[shown.offset : shown.offset + shown.size]
    pending_ratings = sum(waiting.values())
    rows = session.execute(
        select(IncidentRating.incident_id, Rating, Counter.name, Employee.name, Unit.name)
        .join(Rating, Rating.id == IncidentRating.rating_id)
        .join(Counter, Counter.id == Rating.counter_id)
        .join(Unit, Unit.id == Rating.unit_id)
        .outerjoin(Employee, Employee.id == Rating.employee_id)
        .where(IncidentRating.incident_id.in_(numbers), pending())
        .order_by(Rating.submitted_at, Rating.id)
    ).all()
    decided_before = dict(
        session.execute(
            select(IncidentRating.incident_id, func.count())
            .join(Rating, Rating.id == IncidentRating.rating_id)
            .where(IncidentRating.incident_id.in_(numbers), ~pending())
            .group_by(IncidentRating.incident_id)
        ).all()
    )
    members: dict[int, list[tuple[Rating, str, str | None, str]]] = {number: [] for number in numbers}
    for number, rating, counter, officer, unit in rows:
        members[number].append((rating, counter, officer, unit))
    questions = [_question(number, group, timezone) for number, group in members.items() if group]
    found = effects(session, questions, params, timezone) if questions else {}
    incidents = [
        _incident(number, group, found.get(number), decided_before.get(number, 0), language, timezone)
        for number, group in members.items()
        if group
    ]
    return QueuePage(incidents, pending_ratings, len(waiting), shown)


def _question(number: int, group: list[tuple[Rating, str, str | None, str]], timezone: str) -> Question:
    ratings = [rating for rating, *_ in group]
    officers = {r.employee_id for r in ratings}
    return Question(
        incident_id=number,
        unit_id=ratings[0].unit_id,
        employee_id=officers.pop() if len(officers) == 1 else None,
        first_day=local_time(ratings[0].submitted_at, timezone).date(),
        waiting=tuple(
            Waiting(
                r.submitted_at,
                r.employee_id,
                r.excluded,
                tallies.Tally.of_rating(r.overall, [getattr(r, code) for code in SKM_ELEMENTS]),
            )
            for r in ratings
        ),
    )


def _incident(
    number: int,
    group: list[tuple[Rating, str, str | None, str]],
    effect: Effect | None,
    decided_before: int,
    language: str,
    timezone: str,
) -> Incident:
    ratings = [rating for rating, *_ in group]
    officers = {rating.employee_id: officer for rating, _, officer, _ in group}  # None: nobody on duty
    attributed = [name for employee_id, name in officers.items() if employee_id is not None]
    return Incident(
        number=number,
        unit=group[0][3],
        officer=attributed[0] if len(officers) == 1 and attributed else None,
        officers=len(attributed),
        counters=sorted({counter for _, counter, _, _ in group}),
        reasons=_reason_counts(ratings, language),
        evidence=evidence(ratings, timezone),
        effect=effect,
        decided_before=decided_before,
        ratings=[
            QueueRating(
                id=rating.id,
                submitted=local_time(rating.submitted_at, timezone),
                counter=counter,
                officer=officer,
                overall=rating.overall,
                comment=rating.comment,
                excluded=rating.excluded,
                reasons=explain(reason_codes(rating.reasons), language),
            )
            for rating, counter, officer, _unit in group
        ],
    )


def record_decision(
    session: Session, principal: Principal, now: datetime, rating: Rating, decision: str, note: str
) -> None:
    """A manual decision on one rating: the RatingDecision the next scoring run applies, the flag
    updated at once so lists reflect it, and an audit entry, all in the caller's transaction."""
    before = {"excluded": rating.excluded, "reasons": rating.reasons}
    session.add(
        RatingDecision(
            rating_id=rating.id,
            decision=decision,
            note=note,
            decided_by_user_id=principal.user_id,
            decided_at=now,
        )
    )
    rating.excluded = decision == "exclude"
    after = {"excluded": rating.excluded, "reasons": rating.reasons, "decision": decision}
    audit.record(session, principal, f"rating.{decision}", "rating", rating.id, before, after, note, at=now)


def parse_ids(raw: object) -> list[int]:
    values = raw if isinstance(raw, list) else [raw]
    ids = []
    for value in values:
        rating_id = parse_id(value)
        if rating_id is not None:
            ids.append(rating_id)
    return sorted(set(ids))


def decide(
    session: Session,
    principal: Principal,
    now: datetime,
    rating_ids: list[int],
    action: str,
    note: str | None,
    opposite: list[int] | None = None,
) -> Decided:
    """Confirms or restores the ratings (a whole incident, or one rating), but gives the ratings in
    `opposite` (the incident's exceptions) the other decision, all with the one note. Every id must be
    a rating the principal may review, or nothing is written (404)."""
    _can_review(principal)
    decision = DECISIONS.get(action)
    if decision is None or not rating_ids:
        raise DecisionRefused(N_("Please choose what to do with the ratings."))
    text = required_note(note)
    exceptions = set(opposite or ())
    if not exceptions <= set(rating_ids):
        raise DecisionRefused(N_("An exception must be one of the incident's ratings."))
    ratings = session.scalars(
        select(Rating).where(Rating.id.in_(rating_ids), unit_scope(principal, Rating.unit_id))
    ).all()
    if len(ratings) != len(set(rating_ids)):
        raise NotFound("rating outside the principal's units")
    other = "include" if decision == "exclude" else "exclude"
    numbers = sorted(
        set(
            session.scalars(
                select(IncidentRating.incident_id).where(IncidentRating.rating_id.in_(rating_ids))
            )
        )
    )
    chosen = {rating.id: other if rating.id in exceptions else decision for rating in ratings}
    with all_or_nothing(session):
        for rating in sorted(ratings, key=lambda r: r.id):
            record_decision(session, principal, now, rating, chosen[rating.id], text)
        session.flush()
        rollups.recompute_ratings(session, ratings)  # the day sums of the staff pages follow the flags
    excluded = sum(made == "exclude" for made in chosen.values())
    return Decided(numbers, confirmed=excluded, restored=len(chosen) - excluded)
