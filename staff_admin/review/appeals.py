"""The officer's own view (scores, comments, reasons) and appeals: an officer contests a rating or
the flag on it with a reason; the unit head upholds (a manual decision on the rating) or rejects.

The officer sees their ratings by day or week, never their time, id or order (review.unlinkable);
a rating's page and a contest name it by an opaque reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.models import Counter, Employee, Rating
from scoring.db.models import OfficerResult, ScoringRun
from staff_admin import audit
from staff_admin.access import ADMIN, HR, OFFICER, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.kit.listing import local_time
from staff_admin.kit.notes import DecisionRefused, required_note
from staff_admin.kit.reasons import Reason, explain, reason_codes
from staff_admin.kit.records import all_or_nothing
from staff_admin.recognition.service import OwnSignals, own_signals
from staff_admin.review.models import Appeal
from staff_admin.review.service import record_decision
from staff_admin.review.unlinkable import (
    MIN_RATINGS_PER_DAY,
    When,
    looks_like_reference,
    newest_first,
    rating_reference,
    when_for_day,
    when_for_days,
)

RATINGS_SHOWN = 200
CATEGORY_WORDS = {
    "di_atas_ekspektasi": N_("Above expectations"),
    "sesuai_ekspektasi": N_("Meets expectations"),
    "di_bawah_ekspektasi": N_("Below expectations"),
    "insufficient": N_("Not enough ratings for a score"),
}


@dataclass(frozen=True)
class PeriodScore:
    period: str
    score: float | None
    low: float | None
    high: float | None
    n_used: int
    n_excluded: int
    sufficient: bool
    category: str  # msgid


@dataclass(frozen=True)
class AppealView:
    id: int
    rating_id: int
    kind: str
    reason: str
    status: str
    created: datetime
    officer: str
    decision_note: str | None
    rating_overall: int
    rating_comment: str | None
    rating_reasons: list[Reason]


@dataclass(frozen=True)
class OwnAppeal:
    """An officer's own appeal, without the rating's id or time."""

    kind: str
    reason: str
    status: str
    decision_note: str | None
    decided_on: date | None = None  # the day of the unit head's ruling


@dataclass(frozen=True)
class OwnRating:
    reference: str  # opaque: neither the rating's id nor its time
    when: When  # its day, or its week when the day holds few ratings
    counter: str
    overall: int
    comment: str | None
    excluded: bool
    reasons: list[Reason]
    appeal: OwnAppeal | None


@dataclass(frozen=True)
class RatingGroup:
    when: When
    ratings: list[OwnRating]  # in the order of their references, which says nothing of time


@dataclass(frozen=True)
class OfficerPage:
    name: str
    scores: list[PeriodScore]
    groups: list[RatingGroup]
    min_per_day: int = MIN_RATINGS_PER_DAY
    # closed periods with recognition, development and the IKI in plain words (staff_admin.recognition)
    closed: list[OwnSignals] = field(default_factory=list)


def _own_employee(principal: Principal) -> int:
    require_role(principal, OFFICER)
    if principal.employee_id is None:
        raise NotFound("no employee record")
    return principal.employee_id


def _appeal_view(appeal: Appeal, rating: Rating, officer: str, language: str, tz: str) -> AppealView:
    return AppealView(
        id=appeal.id,
        rating_id=appeal.rating_id,
        kind=appeal.kind,
        reason=appeal.reason,
        status=appeal.status,
        created=local_time(appeal.created_at, tz),
        officer=officer,
        decision_note=appeal.decision_note,
        rating_overall=rating.overall,
        rating_comment=rating.comment,
        rating_reasons=explain(reason_codes(rating.reasons), language),
    )


def _latest_appeals(session: Session, rating_ids: list[int]) -> dict[int, Appeal]:
    latest: dict[int, Appeal] = {}
    if rating_ids:
        for appeal in session.scalars(
            select(Appeal).where(Appeal.rating_id.in_(rating_ids)).order_by(Appeal.id)
        ):
            latest[appeal.rating_id] = appeal
    return latest


def _rating_id(session: Session, employee_id: int, reference: str, secret_key: str) -> int:
    """The officer's own rating behind a reference; any other reference is "not found"."""
    if looks_like_reference(reference):
        for rating_id in session.scalars(select(Rating.id).where(Rating.employee_id == employee_id)):
            if rating_reference(secret_key, rating_id) == reference:
                return rating_id
    raise NotFound(f"rating reference {reference[:20]!r}")


def _own_rating(
    session: Session,
    principal: Principal,
    reference: str,
    language: str,
    tz: str,
    secret_key: str,
    today: date,
) -> OwnRating:
    employee_id = _own_employee(principal)
    rating_id = _rating_id(session, employee_id, reference, secret_key)
    rating, counter = session.execute(
        select(Rating, Counter.name)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(Rating.id == rating_id)
    ).one()
    zone = ZoneInfo(tz)
    day = rating.submitted_at.astimezone(zone).date()
    that_day = session.scalar(
        select(func.count())
        .select_from(Rating)
        .where(
            Rating.employee_id == employee_id,
            Rating.submitted_at >= datetime.combine(day, time(0), zone),
            Rating.submitted_at < datetime.combine(day + timedelta(days=1), time(0), zone),
        )
    )
    when = when_for_day(day, that_day or 0)
    if not when.is_over(today):  # not on the officer's page yet either
        raise NotFound(f"rating reference {reference!r}")
    return _to_own(rating, counter, when, _latest_appeals(session, [rating_id]), language, secret_key, tz)


def _to_own(
    rating: Rating,
    counter: str,
    when: When,
    appeals: dict[int, Appeal],
    language: str,
    secret_key: str,
    tz: str,
) -> OwnRating:
    appeal = appeals.get(rating.id)
    return OwnRating(
        reference=rating_reference(secret_key, rating.id),
        when=when,
        counter=counter,
        overall=rating.overall,
        comment=rating.comment,
        excluded=rating.excluded,
        reasons=explain(reason_codes(rating.reasons), language),
        appeal=_own_appeal(appeal, tz) if appeal else None,
    )


def _own_appeal(appeal: Appeal, tz: str) -> OwnAppeal:
    decided_on = local_time(appeal.decided_at, tz).date() if appeal.decided_at else None
    return OwnAppeal(appeal.kind, appeal.reason, appeal.status, appeal.decision_note, decided_on)


def _groups(
    session: Session, employee_id: int, language: str, tz: str, secret_key: str, today: date
) -> list[RatingGroup]:
    """The latest groups that are over (whole ones) until they hold RATINGS_SHOWN ratings, the newest
    first."""
    zone = ZoneInfo(tz)
    days = {
        rating_id: submitted_at.astimezone(zone).date()
        for rating_id, submitted_at in session.execute(
            select(Rating.id, Rating.submitted_at).where(Rating.employee_id == employee_id)
        )
    }
    members: dict[When, list[int]] = {}
    for rating_id, when in when_for_days(days).items():
        members.setdefault(when, []).append(rating_id)
    shown: list[When] = []
    count = 0
    for when in newest_first(members):
        if not when.is_over(today):
            continue
        if count >= RATINGS_SHOWN:
            break
        shown.append(when)
        count += len(members[when])
    whens = {rating_id: when for when in shown for rating_id in members[when]}
    rows = session.execute(
        select(Rating, Counter.name)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(Rating.id.in_(list(whens)))
    ).all()
    appeals = _latest_appeals(session, list(whens))
    by_group: dict[When, list[OwnRating]] = {when: [] for when in shown}
    for rating, counter in rows:
        when = whens[rating.id]
        by_group[when].append(_to_own(rating, counter, when, appeals, language, secret_key, tz))
    return [RatingGroup(when, sorted(group, key=lambda r: r.reference)) for when, group in by_group.items()]


def officer_page(
    session: Session, principal: Principal, language: str, tz: str, secret_key: str, now: datetime
) -> OfficerPage:
    """`now` decides which groups are over (their day or week ended in `tz`)."""
    employee_id = _own_employee(principal)
    results = session.execute(
        select(OfficerResult, ScoringRun.period_label)
        .join(ScoringRun, ScoringRun.id == OfficerResult.run_id)
        .where(OfficerResult.employee_id == employee_id)
        .order_by(ScoringRun.period_start.desc(), ScoringRun.period_end)
    ).all()
    scores = [
        PeriodScore(
            period=label,
            score=result.score,
            low=result.score_low,
            high=result.score_high,
            n_used=result.n_used,
            n_excluded=result.n_excluded,
            sufficient=result.sufficient,
            category=CATEGORY_WORDS.get(result.category, result.category),
        )
        for result, label in results
    ]
    name = session.scalar(select(Employee.name).where(Employee.id == employee_id)) or principal.display_name
    return OfficerPage(
        name=name,
        scores=scores,
        groups=_groups(session, employee_id, language, tz, secret_key, local_time(now, tz).date()),
        closed=own_signals(session, principal),
    )


def own_rating(
    session: Session,
    principal: Principal,
    reference: str,
    language: str,
    tz: str,
    secret_key: str,
    now: datetime,
) -> OwnRating:
    """One of the officer's own ratings by its reference, once its group is over; any other
    reference is "not found"."""
    today = local_time(now, tz).date()
    return _own_rating(session, principal, reference, language, tz, secret_key, today)


def contest(
    session: Session, principal: Principal, now: datetime, reference: str, reason: str | None, secret_key: str
) -> Appeal:
    """The officer names the rating by its reference; the appeal keeps the rating's id for the unit
    head, who sees the full view."""
    employee_id = _own_employee(principal)
    rating_id = _rating_id(session, employee_id, reference, secret_key)
    rating = session.get_one(Rating, rating_id)
    text = required_note(reason, N_("Please explain why you contest this rating."))
    # One appeal per rating: while it is open the unit head has not decided yet; once decided, the
    # ruling is final (the officer sees it where the form was).
    earlier = set(session.scalars(select(Appeal.status).where(Appeal.rating_id == rating_id)))
    if "open" in earlier:
        raise DecisionRefused(N_("This rating is already contested; the unit head has not decided yet."))
    if earlier:
        raise DecisionRefused(N_("The unit head has ruled on this rating; it cannot be contested again."))
    appeal = Appeal(
        rating_id=rating.id,
        employee_id=employee_id,
        unit_id=rating.unit_id,
        kind="flag" if rating.excluded else "rating",
        reason=text,
        status="open",
        created_at=now,
        created_by_user_id=principal.user_id,
    )
    session.add(appeal)
    session.flush()
    after = {"rating_id": rating.id, "kind": appeal.kind, "status": "open"}
    audit.record(session, principal, "appeal.open", "appeal", appeal.id, None, after, text, at=now)
    session.commit()
    return appeal


def appeals_page(session: Session, principal: Principal, language: str, tz: str) -> list[AppealView]:
    """Open appeals first, then the latest decided ones, in the principal's units."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    rows = session.execute(
        select(Appeal, Rating, Employee.name)
        .join(Rating, Rating.id == Appeal.rating_id)
        .join(Employee, Employee.id == Appeal.employee_id)
        .where(unit_scope(principal, Appeal.unit_id))
        .order_by(case((Appeal.status == "open", 0), else_=1), Appeal.id.desc())
        .limit(RATINGS_SHOWN)
    ).all()
    return [_appeal_view(appeal, rating, name, language, tz) for appeal, rating, name in rows]


def open_count(session: Session, principal: Principal) -> int:
    """Appeals waiting for a decision: in the principal's units for a unit head, HR or admin; an
    officer's own (the home page's to-do)."""
    if principal.role == OFFICER:
        mine = Appeal.employee_id == _own_employee(principal)
    else:
        require_role(principal, ADMIN, HR, UNIT_HEAD)
        mine = unit_scope(principal, Appeal.unit_id)
    waiting = select(func.count()).select_from(Appeal).where(Appeal.status == "open", mine)
    return session.scalar(waiting) or 0


def decide_appeal(
    session: Session, principal: Principal, now: datetime, appeal_id: int, outcome: str, note: str | None
) -> Appeal:
    """uphold: the rating gets the manual decision the officer asked for (a contested flag is
    restored, a contested rating excluded); reject: nothing changes on the rating. Both audited."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    appeal = session.scalar(
        select(Appeal).where(Appeal.id == appeal_id, unit_scope(principal, Appeal.unit_id))
    )
    if appeal is None:
        raise NotFound(f"appeal {appeal_id}")
    if outcome not in ("uphold", "reject"):
        raise DecisionRefused(N_("Please choose what to do with the ratings."))
    text = required_note(note)
    if appeal.status != "open":
        raise DecisionRefused(N_("This appeal has already been decided."))
    with all_or_nothing(session):
        if outcome == "uphold":
            rating = session.get_one(Rating, appeal.rating_id)
            record_decision(
                session, principal, now, rating, "include" if appeal.kind == "flag" else "exclude", text
            )
        before = {"status": appeal.status}
        appeal.status = "upheld" if outcome == "uphold" else "rejected"
        appeal.decided_at = now
        appeal.decided_by_user_id = principal.user_id
        appeal.decision_note = text
        after = {"status": appeal.status, "rating_id": appeal.rating_id}
        audit.record(
            session, principal, f"appeal.{outcome}", "appeal", appeal.id, before, after, text, at=now
        )
    return appeal
