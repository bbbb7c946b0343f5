"""What the staff pages show. Each function takes the principal and enforces its scope itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee, Rating, Unit
from staff_admin.access import (
    ADMIN,
    HR,
    UNIT_HEAD,
    Principal,
    can_see_unit,
    require_role,
    require_unit,
    unit_scope,
)
from staff_admin.alerts.service import AlertRow, home_alerts
from staff_admin.kit.records import get_or_404
from staff_admin.todo import TodoItem, todo_list


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    depth: int  # 0 for the top of what this principal sees


@dataclass(frozen=True)
class HomePage:
    display_name: str
    username: str
    role: str
    todo: list[TodoItem]
    units: list[UnitRow]
    alerts: list[AlertRow]  # the newest of the last two weeks (staff_admin.alerts)

    @property
    def nothing_waits(self) -> bool:
        return not any(item.count for item in self.todo)


@dataclass(frozen=True)
class UnitPage:
    id: int
    code: str
    name: str
    parent: UnitRow | None  # only when the principal may open it
    sub_units: list[UnitRow]
    counters: int
    employees: int
    ratings: int


def _tree(rows: list[tuple[int, int | None, str, str]]) -> list[UnitRow]:
    """Depth-first order with indentation; a unit whose parent is not visible starts a tree."""
    ids = {row[0] for row in rows}
    children: dict[int | None, list[tuple[int, int | None, str, str]]] = {}
    for row in sorted(rows, key=lambda r: r[3]):
        children.setdefault(row[1] if row[1] in ids else None, []).append(row)
    ordered: list[UnitRow] = []
    pending = [(row, 0) for row in reversed(children.get(None, []))]
    while pending:
        (unit_id, _parent, code, name), depth = pending.pop()
        ordered.append(UnitRow(unit_id, code, name, depth))
        pending.extend((child, depth + 1) for child in reversed(children.get(unit_id, [])))
    return ordered


def visible_units(session: Session, principal: Principal) -> list[UnitRow]:
    rows = session.execute(
        select(Unit.id, Unit.parent_id, Unit.code, Unit.name).where(unit_scope(principal, Unit.id))
    ).all()
    return _tree([row.tuple() for row in rows])


def home(session: Session, principal: Principal, now: datetime, tz: str, language: str) -> HomePage:
    """The principal's newest alerts, the to-do list of their role (staff_admin.todo), then the units
    they may open."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return HomePage(
        alerts=home_alerts(session, principal, now, tz, language),
        display_name=principal.display_name,
        username=principal.username,
        role=principal.role,
        todo=todo_list(session, principal, today),
        units=[] if principal.role not in (ADMIN, HR, UNIT_HEAD) else visible_units(session, principal),
    )


def unit_page(session: Session, principal: Principal, unit_id: int) -> UnitPage:
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    require_unit(principal, unit_id)  # before the lookup: out of scope and missing look the same
    unit = get_or_404(session, Unit, unit_id)
    parent = None
    if unit.parent_id is not None and can_see_unit(principal, unit.parent_id):
        above = session.get(Unit, unit.parent_id)
        parent = UnitRow(above.id, above.code, above.name, 0) if above else None
    children = session.execute(
        select(Unit.id, Unit.parent_id, Unit.code, Unit.name)
        .where(Unit.parent_id == unit_id, unit_scope(principal, Unit.id))
        .order_by(Unit.name)
    ).all()

    def count(column, model) -> int:
        return session.scalar(select(func.count()).select_from(model).where(column == unit_id)) or 0

    return UnitPage(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        parent=parent,
        sub_units=[UnitRow(row.id, row.code, row.name, 0) for row in children],
        counters=count(Counter.unit_id, Counter),
        employees=count(Employee.unit_id, Employee),
        ratings=count(Rating.unit_id, Rating),
    )
