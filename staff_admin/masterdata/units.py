"""Units (admin and HR): list, create, edit with a parent; the tree never gets a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Unit
from staff_admin.access import ADMIN, HR, Principal, descendant_unit_ids, require_role
from staff_admin.kit.inputs import control_character_problems
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.kit.records import create_or_update, get_or_404
from staff_admin.service import UnitRow, visible_units


@dataclass(frozen=True)
class UnitForm:
    id: int | None
    values: dict[str, str]
    parents: list[UnitRow]  # the units that may be chosen as parent


def list_units(session: Session, principal: Principal) -> list[UnitRow]:
    require_role(principal, ADMIN, HR)
    return visible_units(session, principal)


def unit_form(session: Session, principal: Principal, unit_id: int | None) -> UnitForm:
    require_role(principal, ADMIN, HR)
    values = {"code": "", "name": "", "parent_id": ""}
    excluded: frozenset[int] = frozenset()
    if unit_id is not None:
        unit = get_or_404(session, Unit, unit_id)
        values = {"code": unit.code, "name": unit.name, "parent_id": str(unit.parent_id or "")}
        excluded = descendant_unit_ids(session, unit_id)
    parents = [row for row in visible_units(session, principal) if row.id not in excluded]
    return UnitForm(unit_id, values, parents)


def save_unit(session: Session, principal: Principal, unit_id: int | None, form: dict, now: datetime) -> int:
    require_role(principal, ADMIN, HR)
    values = {key: str(form.get(key, "")).strip() for key in ("code", "name", "parent_id")}
    unit = get_or_404(session, Unit, unit_id) if unit_id is not None else None
    code, name = values["code"], values["name"]
    problems = control_character_problems({"code": code, "name": name})
    if not code or len(code) > 40:
        problems.append(Problem("code", N_("A unit code is required (at most 40 characters).")))
    else:
        other = session.scalar(select(Unit.id).where(Unit.code == code))
        if other is not None and other != unit_id:
            problems.append(Problem("code", N_("Another unit has this code.")))
    if not name or len(name) > 200:
        problems.append(Problem("name", N_("A name is required (at most 200 characters).")))
    parent_id = None
    if values["parent_id"]:
        parent_id = parse_id(values["parent_id"]) or -1
        if session.get(Unit, parent_id) is None:
            problems.append(Problem("parent_id", N_("Choose an existing parent unit.")))
        elif unit_id is not None and parent_id in descendant_unit_ids(session, unit_id):
            problems.append(
                Problem("parent_id", N_("A unit cannot be placed below itself or its sub-units."))
            )
    if problems:
        raise Invalid(*problems, values=values)
    fields = {"code": code, "name": name, "parent_id": parent_id}
    unit = create_or_update(session, principal, Unit, unit, fields, "unit", now)
    session.commit()
    return unit.id
