"""Employees (admin and HR write, unit heads read their units'): NIP checked, unique."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Employee, Unit
from portal.kernel.nip import NipError, parse_nip
from staff_admin import audit
from staff_admin.access import (
    ADMIN,
    HR,
    UNIT_HEAD,
    Principal,
    require_role,
    require_unit,
    unit_scope,
)
from staff_admin.kit.inputs import control_character_problems
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.kit.records import create_or_update, get_or_404
from staff_admin.service import UnitRow, visible_units


@dataclass(frozen=True)
class EmployeeRow:
    id: int
    nip: str
    name: str
    unit_id: int
    unit_name: str
    active: bool


@dataclass(frozen=True)
class EmployeeForm:
    id: int | None
    values: dict[str, str]
    units: list[UnitRow]
    editable: bool


def can_edit(principal: Principal) -> bool:
    return principal.role in (ADMIN, HR)


def list_employees(session: Session, principal: Principal) -> list[EmployeeRow]:
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    rows = session.execute(
        select(Employee, Unit.name)
        .join(Unit, Unit.id == Employee.unit_id)
        .where(unit_scope(principal, Employee.unit_id))
        .order_by(Unit.name, Employee.name)
    ).all()
    return [EmployeeRow(e.id, e.nip, e.name, e.unit_id, u, e.active) for e, u in rows]


def _get(session: Session, principal: Principal, employee_id: int) -> Employee:
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    employee = get_or_404(session, Employee, employee_id)
    require_unit(principal, employee.unit_id)
    return employee


def employee_form(session: Session, principal: Principal, employee_id: int | None) -> EmployeeForm:
    if employee_id is None:
        require_role(principal, ADMIN, HR)
        values = {"nip": "", "name": "", "unit_id": "", "active": "yes"}
        return EmployeeForm(None, values, visible_units(session, principal), True)
    employee = _get(session, principal, employee_id)
    values = {
        "nip": employee.nip,
        "name": employee.name,
        "unit_id": str(employee.unit_id),
        "active": "yes" if employee.active else "",
    }
    return EmployeeForm(employee.id, values, visible_units(session, principal), can_edit(principal))


def save_employee(
    session: Session, principal: Principal, employee_id: int | None, form: dict, now: datetime
) -> int:
    require_role(principal, ADMIN, HR)
    values = {key: str(form.get(key, "")).strip() for key in ("nip", "name", "unit_id", "active")}
    employee = _get(session, principal, employee_id) if employee_id is not None else None
    problems = control_character_problems({"name": values["name"]})
    nip = ""
    try:
        nip = parse_nip(values["nip"]).value
    except NipError as error:
        problems.append(Problem("nip", str(error)))
    if nip:
        other = session.scalar(select(Employee.id).where(Employee.nip == nip))
        if other is not None and other != employee_id:
            problems.append(Problem("nip", N_("Another employee has this NIP.")))
    if not values["name"] or len(values["name"]) > 200:
        problems.append(Problem("name", N_("A name is required (at most 200 characters).")))
    unit_id = parse_id(values["unit_id"])
    if unit_id is None or session.get(Unit, unit_id) is None:
        problems.append(Problem("unit_id", N_("Choose an existing unit.")))
    if problems:
        raise Invalid(*problems, values=values)
    fields = {"nip": nip, "name": values["name"], "unit_id": unit_id, "active": values["active"] == "yes"}
    employee = create_or_update(session, principal, Employee, employee, fields, "employee", now)
    session.commit()
    return employee.id


def deactivate_employee(session: Session, principal: Principal, employee_id: int, now: datetime) -> None:
    require_role(principal, ADMIN, HR)
    employee = _get(session, principal, employee_id)
    if employee.active:
        employee.active = False
        audit.record(session, principal, "employee.deactivate", "employee", employee.id, {"active": True},
                     {"active": False}, at=now)  # fmt: skip
        session.commit()
