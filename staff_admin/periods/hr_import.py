"""HR import of units (code, name, parent_code) and employees (nip, name, unit_code, active) from
CSV or XLSX: a dry run lists every row-level problem and what would change; applying re-checks the
same file and writes everything in one transaction, or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.models import Employee, Unit
from portal.kernel.nip import NipError, parse_nip
from staff_admin import audit
from staff_admin.access import ADMIN, HR, Principal, require_role
from staff_admin.kit.problems import Invalid, Problem, invalid
from staff_admin.kit.records import all_or_nothing, create_or_update
from staff_admin.kit.samples import Sample
from staff_admin.kit.tables import Row, read_table

KINDS = {"units": ("code", "name"), "employees": ("nip", "name", "unit_code")}
YES = {"", "1", "yes", "y", "ya", "true", "aktif", "active"}
NO = {"0", "no", "n", "tidak", "false", "nonaktif", "inactive"}


@dataclass(frozen=True)
class FieldChange:
    """One field an update changes, as the file names it: `active` holds booleans, the rest text."""

    column: str
    old: str | bool
    new: str | bool


@dataclass(frozen=True)
class Change:
    row: int
    action: str  # "create" | "update" | "unchanged"
    key: str
    name: str
    fields: tuple[FieldChange, ...] = ()  # an update's changed fields, old -> new


def _differences(old: dict[str, str | bool], new: dict[str, str | bool]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(column, old[column], value) for column, value in new.items() if old[column] != value
    )


@dataclass
class Preview:
    kind: str
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def creates(self) -> int:
        return sum(change.action == "create" for change in self.changes)

    @property
    def updates(self) -> int:
        return sum(change.action == "update" for change in self.changes)


def _problem(row: Row, column: str, message: str, **params: object) -> Problem:
    return Problem(column, message, dict(params), row.number)


def _check_units(session: Session, rows: list[Row], preview: Preview) -> list[tuple[Row, dict]]:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    id_to_code = {u.id: u.code for u in existing.values()}
    parents = {code: id_to_code.get(u.parent_id) for code, u in existing.items()}
    seen: dict[str, int] = {}
    planned = []
    for row in rows:
        code, name, parent = row.values["code"], row.values["name"], row.values.get("parent_code", "")
        problems = []
        if not code or len(code) > 40:
            problems.append(_problem(row, "code", N_("A unit code is required (at most 40 characters).")))
        elif code in seen:
            problems.append(
                _problem(row, "code", N_("Duplicate in this file (also row %(first)s)."), first=seen[code])
            )
        if not name or len(name) > 200:
            problems.append(_problem(row, "name", N_("A name is required (at most 200 characters).")))
        if parent and parent == code:
            problems.append(_problem(row, "parent_code", N_("A unit cannot be its own parent.")))
        preview.problems.extend(problems)
        if code and code not in seen:
            seen[code] = row.number
        if not problems:
            parents[code] = parent or None
            planned.append((row, {"code": code, "name": name, "parent_code": parent or None}))
    file_codes = {values["code"] for _, values in planned}
    for row, values in planned:
        parent = values["parent_code"]
        if parent and parent not in existing and parent not in file_codes:
            preview.problems.append(
                _problem(row, "parent_code", N_("No unit with code %(code)s."), code=parent)
            )
        elif _in_cycle(parents, values["code"]):
            preview.problems.append(
                _problem(row, "parent_code", N_("This parent would make a cycle of units."))
            )
    for row, values in planned:
        unit = existing.get(values["code"])
        fields: tuple[FieldChange, ...] = ()
        if unit is not None:
            old = {"name": unit.name, "parent_code": id_to_code.get(unit.parent_id) or ""}
            fields = _differences(old, {"name": values["name"], "parent_code": values["parent_code"] or ""})
        action = "create" if unit is None else "update" if fields else "unchanged"
        preview.changes.append(Change(row.number, action, values["code"], values["name"], fields))
    return planned


def _in_cycle(parents: dict[str, str | None], code: str) -> bool:
    seen, current = set(), code
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _check_employees(session: Session, rows: list[Row], preview: Preview) -> list[tuple[Row, dict]]:
    units = {code: unit_id for code, unit_id in session.execute(select(Unit.code, Unit.id))}
    codes = {unit_id: code for code, unit_id in units.items()}
    existing = {e.nip: e for e in session.scalars(select(Employee))}
    seen: dict[str, int] = {}
    planned = []
    for row in rows:
        values, problems = row.values, []
        nip = ""
        try:
            nip = parse_nip(values["nip"]).value
        except NipError as error:
            problems.append(_problem(row, "nip", str(error)))
        if nip and nip in seen:
            problems.append(
                _problem(row, "nip", N_("Duplicate in this file (also row %(first)s)."), first=seen[nip])
            )
        name = values["name"]
        if not name or len(name) > 200:
            problems.append(_problem(row, "name", N_("A name is required (at most 200 characters).")))
        unit_id = units.get(values["unit_code"])
        if unit_id is None:
            problems.append(
                _problem(row, "unit_code", N_("No unit with code %(code)s."), code=values["unit_code"])
            )
        active_text = values.get("active", "").lower()
        if active_text not in YES | NO:
            problems.append(_problem(row, "active", N_("Write yes or no.")))
        if nip and nip not in seen:
            seen[nip] = row.number
        preview.problems.extend(problems)
        if not problems:
            wanted = {"nip": nip, "name": name, "unit_id": unit_id, "active": active_text in YES}
            employee = existing.get(nip)
            fields: tuple[FieldChange, ...] = ()
            if employee is not None:
                old = {"name": employee.name, "unit_code": codes[employee.unit_id], "active": employee.active}
                fields = _differences(
                    old, {"name": name, "unit_code": values["unit_code"], "active": wanted["active"]}
                )
            action = "create" if employee is None else "update" if fields else "unchanged"
            preview.changes.append(Change(row.number, action, nip, name, fields))
            planned.append((row, wanted))
    return planned


def _check(session: Session, kind: str, filename: str, content: bytes) -> tuple[Preview, list]:
    if kind not in KINDS:
        raise invalid("kind", N_("Choose what the file contains."))
    rows = read_table(filename, content, KINDS[kind])
    preview = Preview(kind)
    check = _check_units if kind == "units" else _check_employees
    planned = check(session, rows, preview)
    preview.problems.sort(key=lambda p: (p.row or 0, p.column))
    return preview, planned


def check_access(principal: Principal) -> None:
    require_role(principal, ADMIN, HR)


def import_samples(principal: Principal) -> tuple[Sample, ...]:
    """The templates of the two kinds of file: their columns and an example row each."""
    require_role(principal, ADMIN, HR)
    return (
        Sample("units", ("code", "name", "parent_code"), ("DINKES", "Dinas Kesehatan", "PEMKOT")),
        Sample(
            "employees",
            ("nip", "name", "unit_code", "active"),
            ("198503122010012001", "Sari Lestari", "DINKES", "yes"),
        ),
    )


def preview_import(
    session: Session, principal: Principal, kind: str, filename: str, content: bytes
) -> Preview:
    require_role(principal, ADMIN, HR)
    return _check(session, kind, filename, content)[0]


def apply_import(
    session: Session, principal: Principal, kind: str, filename: str, content: bytes, now: datetime
) -> Preview:
    """All or nothing: any problem (or failure while writing) leaves the database as it was."""
    require_role(principal, ADMIN, HR)
    preview, planned = _check(session, kind, filename, content)
    if preview.problems:
        raise Invalid(*preview.problems)
    with all_or_nothing(session):
        (_apply_units if kind == "units" else _apply_employees)(session, principal, planned, now)
        audit.record(
            session, principal, f"import.{kind}", kind, None, None,
            {"file": filename, "created": preview.creates, "updated": preview.updates}, at=now,
        )  # fmt: skip
    return preview


def _apply_units(session: Session, principal: Principal, planned: list, now: datetime) -> None:
    units = {u.code: u for u in session.scalars(select(Unit))}
    befores = {}
    for _row, values in planned:
        unit = units.get(values["code"])
        if unit is None:
            unit = units[values["code"]] = Unit(code=values["code"], name=values["name"])
            session.add(unit)
        else:
            befores[unit.code] = {"name": unit.name, "parent_id": unit.parent_id}
            unit.name = values["name"]
    session.flush()
    for _row, values in planned:
        unit = units[values["code"]]
        unit.parent_id = units[values["parent_code"]].id if values["parent_code"] else None
        after = {"code": unit.code, "name": unit.name, "parent_id": unit.parent_id}
        before = befores.get(unit.code)
        if before != {"name": unit.name, "parent_id": unit.parent_id}:
            action = "unit.update" if before else "unit.create"
            audit.record(session, principal, action, "unit", unit.id, before, after, note="import", at=now)
    session.flush()


def _apply_employees(session: Session, principal: Principal, planned: list, now: datetime) -> None:
    existing = {e.nip: e for e in session.scalars(select(Employee))}
    for _row, values in planned:
        employee = existing.get(values["nip"])
        create_or_update(
            session,
            principal,
            Employee,
            employee,
            values,
            "employee",
            now,
            note="import",
            skip_unchanged=True,
        )
