"""Who is asking, and what they may see. Every staff service takes a `Principal` and checks it
here, so a rule holds whichever route (or command, or later API) reaches the service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from portal.kernel.models import Unit
from staff_admin.models import User

ADMIN, HR, UNIT_HEAD, OFFICER = "admin", "hr", "unit_head", "officer"
ALL_UNITS_ROLES = frozenset({ADMIN, HR})


class Forbidden(PermissionError):
    """The role may never do this (answered 403): e.g. an officer opening a unit page."""


class NotFound(LookupError):
    """No such object, or one outside the principal's scope (answered 404, so guessing an id
    tells nothing about whether it exists)."""


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    employee_id: int | None
    # Own unit and all its descendants for a unit head; empty for officers; unused when
    # sees_all_units (admin, HR) so a new unit is visible to them without a new sign-in.
    visible_unit_ids: frozenset[int]

    @property
    def sees_all_units(self) -> bool:
        return self.role in ALL_UNITS_ROLES


def descendant_unit_ids(session: Session, unit_id: int) -> frozenset[int]:
    """The unit and every unit below it. The tree is small (hundreds of rows), so it is walked
    in Python: the same code on SQLite and PostgreSQL, and safe against an accidental cycle."""
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(child_id)
    seen: set[int] = set()
    pending = [unit_id]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(children.get(current, ()))
    return frozenset(seen)


def principal_for(session: Session, user: User) -> Principal:
    visible: frozenset[int] = frozenset()
    if user.role == UNIT_HEAD and user.unit_id is not None:
        visible = descendant_unit_ids(session, user.unit_id)
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        unit_id=user.unit_id,
        employee_id=user.employee_id,
        visible_unit_ids=visible,
    )


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"{principal.role} may not do this")


def can_see_unit(principal: Principal, unit_id: int) -> bool:
    return principal.sees_all_units or unit_id in principal.visible_unit_ids


def require_unit(principal: Principal, unit_id: int) -> None:
    if not can_see_unit(principal, unit_id):
        raise NotFound(f"unit {unit_id}")


def can_see_employee(principal: Principal, employee_id: int, employee_unit_id: int) -> bool:
    """Admin and HR see everyone, a unit head their units' staff, an officer only themself."""
    return principal.employee_id == employee_id or can_see_unit(principal, employee_unit_id)


def require_employee(principal: Principal, employee_id: int, employee_unit_id: int) -> None:
    if not can_see_employee(principal, employee_id, employee_unit_id):
        raise NotFound(f"employee {employee_id}")


def visible_unit_ids(session: Session, principal: Principal) -> frozenset[int]:
    """The concrete ids, for listings; prefer `unit_scope` inside queries."""
    if principal.sees_all_units:
        return frozenset(session.scalars(select(Unit.id)))
    return principal.visible_unit_ids


def unit_scope(principal: Principal, unit_column: ColumnElement[int]) -> ColumnElement[bool]:
    """A WHERE clause limiting any query with a unit column to what the principal may see:
    `select(Rating).where(unit_scope(principal, Rating.unit_id))`."""
    if principal.sees_all_units:
        return true()
    return unit_column.in_(sorted(principal.visible_unit_ids))
