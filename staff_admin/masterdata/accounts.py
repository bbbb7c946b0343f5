"""Users and roles (admin only): list, create, change role, unit and employee link, deactivate.
Changing a role or deactivating ends the user's sessions, so the change applies at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Employee, Unit
from staff_admin import audit
from staff_admin.access import ADMIN, OFFICER, UNIT_HEAD, Principal, require_role
from staff_admin.auth import end_user_sessions, normalise_username
from staff_admin.kit.inputs import control_character_problems
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.kit.records import get_or_404
from staff_admin.masterdata.roster import Option
from staff_admin.models import ROLES, User
from staff_admin.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN, UserError, create_user


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    employee: str | None
    active: bool


@dataclass(frozen=True)
class UserForm:
    id: int | None
    values: dict[str, str]
    units: list[Option]
    employees: list[Option]


def list_users(session: Session, principal: Principal) -> list[UserRow]:
    require_role(principal, ADMIN)
    rows = session.execute(
        select(User, Unit.name, Employee.name)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(Employee, Employee.id == User.employee_id)
        .order_by(User.username)
    ).all()
    return [UserRow(u.id, u.username, u.display_name, u.role, un, en, u.active) for u, un, en in rows]


def user_form(session: Session, principal: Principal, user_id: int | None) -> UserForm:
    require_role(principal, ADMIN)
    values = {"username": "", "display_name": "", "role": OFFICER, "unit_id": "", "employee_id": ""}
    if user_id is not None:
        user = _get(session, user_id)
        values = {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "unit_id": str(user.unit_id or ""),
            "employee_id": str(user.employee_id or ""),
        }
    units = [Option(i, f"{name} ({code})") for i, code, name in session.execute(
        select(Unit.id, Unit.code, Unit.name).order_by(Unit.name))]  # fmt: skip
    active = select(Employee.id, Employee.nip, Employee.name).where(Employee.active.is_(True))
    employees = [
        Option(i, f"{name} ({nip})") for i, nip, name in session.execute(active.order_by(Employee.name))
    ]
    return UserForm(user_id, values, units, employees)


def _get(session: Session, user_id: int) -> User:
    user = get_or_404(session, User, user_id)
    return user


def _scope(
    session: Session, values: dict[str, str], problems: list[Problem]
) -> tuple[Unit | None, Employee | None]:
    role = values["role"]
    if role not in ROLES:
        problems.append(Problem("role", N_("Choose a role.")))
    unit = employee = None
    if role == UNIT_HEAD:
        unit = session.get(Unit, unit_id) if (unit_id := parse_id(values["unit_id"])) else None
        if unit is None:
            problems.append(Problem("unit_id", N_("A unit head needs a unit.")))
    if role == OFFICER:
        employee = (
            session.get(Employee, employee_id) if (employee_id := parse_id(values["employee_id"])) else None
        )
        if employee is None:
            problems.append(Problem("employee_id", N_("An officer needs their employee record.")))
    return unit, employee


def create_account(session: Session, principal: Principal, form: dict, now: datetime) -> int:
    require_role(principal, ADMIN)
    keys = ("username", "display_name", "role", "unit_id", "employee_id", "password")
    values = {key: str(form.get(key, "")).strip() for key in keys}
    problems = control_character_problems({"display_name": values["display_name"]})
    username = normalise_username(values["username"])
    if not USERNAME_PATTERN.match(username):
        problems.append(
            Problem("username", N_("Use 2-64 characters: letters, digits, dot, dash, underscore."))
        )
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append(Problem("username", N_("This username is taken.")))
    if len(str(form.get("password", ""))) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                "password", N_("The password needs at least %(n)s characters."), {"n": MIN_PASSWORD_LENGTH}
            )
        )
    unit, employee = _scope(session, values, problems)
    values.pop("password")
    if problems:
        raise Invalid(*problems, values=values)
    try:
        user = create_user(
            session,
            now,
            username=username,
            role=values["role"],
            password=str(form["password"]),
            display_name=values["display_name"] or None,
            unit_code=unit.code if unit else None,
            nip=employee.nip if employee else None,
            actor=principal.user_id,
        )
    except UserError:
        session.rollback()
        raise Invalid(
            Problem("", N_("The account could not be created; check the fields.")), values=values
        ) from None
    session.commit()
    return user.id


def update_account(session: Session, principal: Principal, user_id: int, form: dict, now: datetime) -> None:
    require_role(principal, ADMIN)
    user = _get(session, user_id)
    keys = ("display_name", "role", "unit_id", "employee_id")
    values = {key: str(form.get(key, "")).strip() for key in keys} | {"username": user.username}
    problems = control_character_problems({"display_name": values["display_name"]})
    unit, employee = _scope(session, values, problems)
    if user.id == principal.user_id and values["role"] != ADMIN:
        problems.append(Problem("role", N_("You cannot take the administrator role from yourself.")))
    if problems:
        raise Invalid(*problems, values=values)
    before = {"role": user.role, "unit_id": user.unit_id, "employee_id": user.employee_id,
              "display_name": user.display_name}  # fmt: skip
    user.role = values["role"]
    user.unit_id = unit.id if unit else None
    user.employee_id = employee.id if employee else None
    user.display_name = values["display_name"] or user.display_name
    after = {"role": user.role, "unit_id": user.unit_id, "employee_id": user.employee_id,
             "display_name": user.display_name}  # fmt: skip
    if after != before:
        if (before["role"], before["unit_id"], before["employee_id"]) != (
            user.role,
            user.unit_id,
            user.employee_id,
        ):
            end_user_sessions(session, user.id)  # the new scope applies from the next sign-in
        audit.record(session, principal, "user.update", "user", user.id, before, after, at=now)
    session.commit()


def deactivate_account(session: Session, principal: Principal, user_id: int, now: datetime) -> None:
    require_role(principal, ADMIN)
    user = _get(session, user_id)
    if user.id == principal.user_id:
        raise Invalid(Problem("", N_("You cannot deactivate your own account.")))
    if user.active:
        user.active = False
        end_user_sessions(session, user.id)
        audit.record(
            session,
            principal,
            "user.deactivate",
            "user",
            user.id,
            {"active": True},
            {"active": False},
            at=now,
        )
    session.commit()
