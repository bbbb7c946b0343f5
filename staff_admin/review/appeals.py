"""The officer's own view (scores, comments, reasons) and appeals: an officer contests a rating or
the flag on it with a reason; the unit head upholds (a manual decision on the rating) or rejects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.models import Counter, Employee, Rating
from scoring.db.models import OfficerResult, ScoringRun
from staff_admin import audit
from staff_admin.access import ADMIN, HR, OFFICER, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.kit.listing import local_time
from staff_admin.kit.notes import DecisionRefused, required_note
from staff_admin.kit.records import all_or_nothing
from staff_admin.review.models import Appeal
from staff_admin.review.service import Reason, explain, reason_codes, record_decision

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
    decided: datetime | None
    decision_note: str | None
    rating_overall: int
    rating_comment: str | None
    rating_reasons: list[Reason]


@dataclass(frozen=True)
class OwnRating:
    id: int
    submitted: datetime
    counter: str
    overall: int
    comment: str | None
    excluded: bool
    reasons: list[Reason]
    appeal: AppealView | None


@dataclass(frozen=True)
class OfficerPage:
    name: str
    scores: list[PeriodScore]
    ratings: list[OwnRating]


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
        decided=local_time(appeal.decided_at, tz) if appeal.decided_at else None,
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


def _own_rating(session: Session, principal: Principal, rating_id: int, language: str, tz: str) -> OwnRating:
    employee_id = _own_employee(principal)
    row = session.execute(
        select(Rating, Counter.name)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(Rating.id == rating_id, Rating.employee_id == employee_id)
    ).first()
    if row is None:
        raise NotFound(f"rating {rating_id}")
    return _to_own(row[0], row[1], _latest_appeals(session, [rating_id]), principal, language, tz)


def _to_own(
    rating: Rating, counter: str, appeals: dict[int, Appeal], principal: Principal, language: str, tz: str
) -> OwnRating:
    appeal = appeals.get(rating.id)
    return OwnRating(
        id=rating.id,
        submitted=local_time(rating.submitted_at, tz),
        counter=counter,
        overall=rating.overall,
        comment=rating.comment,
        excluded=rating.excluded,
        reasons=explain(reason_codes(rating.reasons), language),
        appeal=_appeal_view(appeal, rating, principal.display_name, language, tz) if appeal else None,
    )


def officer_page(session: Session, principal: Principal, language: str, tz: str) -> OfficerPage:
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
    rows = session.execute(
        select(Rating, Counter.name)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(Rating.employee_id == employee_id)
        .order_by(Rating.submitted_at.desc(), Rating.id.desc())
        .limit(RATINGS_SHOWN)
    ).all()
    appeals = _latest_appeals(session, [row[0].id for row in rows])
    name = session.scalar(select(Employee.name).where(Employee.id == employee_id)) or principal.display_name
    return OfficerPage(
        name=name,
        scores=scores,
        ratings=[_to_own(rating, counter, appeals, principal, language, tz) for rating, counter in rows],
    )


def own_rating(session: Session, principal: Principal, rating_id: int, language: str, tz: str) -> OwnRating:
    """One of the officer's own ratings; another officer's rating is "not found"."""
    return _own_rating(session, principal, rating_id, language, tz)


def contest(
    session: Session, principal: Principal, now: datetime, rating_id: int, reason: str | None
) -> Appeal:
    employee_id = _own_employee(principal)
    rating = session.scalar(select(Rating).where(Rating.id == rating_id, Rating.employee_id == employee_id))
    if rating is None:
        raise NotFound(f"rating {rating_id}")
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
