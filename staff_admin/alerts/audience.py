"""Who is told of an alert: whoever may act on it. A unit head acts on everything in their units (a
counter's low ratings, an incident in the review queue, a late case, a fallen grade); HR oversees
deadlines and results across all units, so gets late cases and fallen grades everywhere. The home
page shows a principal exactly the alerts this module would mail them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from portal.kernel.models import Unit
from staff_admin.access import HR, UNIT_HEAD, Principal, unit_scope
from staff_admin.alerts.models import Alert
from staff_admin.models import User

AUDIENCE = {
    "low_share": (UNIT_HEAD,),
    "incident": (UNIT_HEAD,),
    "complaint_overdue": (UNIT_HEAD, HR),
    "grade_drop": (UNIT_HEAD, HR),
}


def kinds_for(role: str) -> tuple[str, ...]:
    return tuple(kind for kind, roles in AUDIENCE.items() if role in roles)


def visible(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on Alert: what this principal is told of (nothing for admin and officers)."""
    kinds = kinds_for(principal.role)
    if not kinds:
        return false()
    return and_(Alert.kind.in_(kinds), unit_scope(principal, Alert.unit_id))


def _unit_and_above(session: Session, unit_id: int) -> list[int]:
    parents = dict(session.execute(select(Unit.id, Unit.parent_id)).tuples().all())
    chain, current = [], unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def recipients(session: Session, alert: Alert, mode: str | None = None) -> list[int]:
    """Active users told of `alert` (unit heads of its unit or a unit above it; HR for the kinds HR
    gets), with an address and, when given, this mail mode."""
    roles = AUDIENCE[alert.kind]
    heads = and_(User.role == UNIT_HEAD, User.unit_id.in_(_unit_and_above(session, alert.unit_id)))
    query = select(User.id).where(
        User.active.is_(True),
        or_(heads, User.role == HR) if HR in roles else heads,
        User.email.is_not(None),
    )
    if mode is not None:
        query = query.where(User.mail_mode == mode)
    return list(session.scalars(query.order_by(User.id)))


def immediate_recipients(session: Session, alert: Alert) -> list[int]:
    return recipients(session, alert, "immediate")
