"""Appeals: an officer contests a rating or the flag on it with a reason (naming it by its opaque
reference, staff_admin.review.own); the unit head upholds (a manual decision on the rating) or
rejects, once: the ruling is final."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel import rollups
from portal.kernel.models import Employee, Rating
from staff_admin import audit
from staff_admin.access import ADMIN, HR, OFFICER, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.kit.listing import local_time
from staff_admin.kit.notes import DecisionRefused, required_note
from staff_admin.kit.reasons import Reason, explain, reason_codes
from staff_admin.kit.records import all_or_nothing
from staff_admin.review.models import Appeal
from staff_admin.review.own import own_employee, own_rating_id
from staff_admin.review.service import record_decision

APPEALS_SHOWN = 200


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


def contest(
    session: Session, principal: Principal, now: datetime, reference: str, reason: str | None, secret_key: str
) -> Appeal:
    """The officer names the rating by its reference; the appeal keeps the rating's id for the unit
    head, who sees the full view."""
    employee_id = own_employee(principal)
    rating_id = own_rating_id(session, employee_id, reference, secret_key)
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
        .limit(APPEALS_SHOWN)
    ).all()
    return [_appeal_view(appeal, rating, name, language, tz) for appeal, rating, name in rows]


def open_count(session: Session, principal: Principal) -> int:
    """Appeals waiting for a decision: in the principal's units for a unit head, HR or admin; an
    officer's own (the home page's to-do)."""
    if principal.role == OFFICER:
        mine = Appeal.employee_id == own_employee(principal)
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
            session.flush()
            rollups.recompute_ratings(session, [rating])  # the staff pages' day sums follow the flag
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
