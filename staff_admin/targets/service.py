"""Annual targets: the unit head (for their units) or HR and admins set a unit's IKM target for a year,
the officers' IKI target (the score their SKP expects; empty: scoring.iki.DEFAULT_TARGET) and, where
wanted, a counter's own IKM target. Every change is audited with the old and new values
(`target.set`, `target.remove`), so a target changed mid-year keeps its history.

`unit_target` and `officer_target` are what other features read (the dashboard, the HR export, the
evidence sheets and the SKM report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Counter, Unit
from scoring.iki import DEFAULT_TARGET
from staff_admin import audit
from staff_admin.access import (
    ADMIN,
    HR,
    UNIT_HEAD,
    NotFound,
    Principal,
    require_role,
    require_unit,
    unit_scope,
)
from staff_admin.kit.listing import local_time
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.models import AuditEntry, User
from staff_admin.targets.models import UnitTarget

TARGET_ROLES = (ADMIN, HR, UNIT_HEAD)
LOWEST, HIGHEST = Decimal(25), Decimal(100)  # the IKM and the officer score live on 25-100
FIRST_YEAR, LAST_YEAR = 2000, 2099
HISTORY_SHOWN = 30
TARGET_RANGE = N_("Write a number from 25 to 100, e.g. 85 or 82,5.")


@dataclass(frozen=True)
class CounterTarget:
    counter_id: int
    name: str
    ikm_target: Decimal | None


@dataclass(frozen=True)
class UnitTargets:
    unit_id: int
    code: str
    name: str
    ikm_target: Decimal | None
    officer_target: Decimal | None  # None: the default applies
    counters: list[CounterTarget]


@dataclass(frozen=True)
class TargetChange:
    at: datetime  # local
    who: str
    unit: str
    counter: str | None
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class TargetsPage:
    year: int
    units: list[UnitTargets]
    history: list[TargetChange]
    default_officer_target: Decimal = DEFAULT_TARGET


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def unit_target(session: Session, unit_id: int, year: int) -> Decimal | None:
    """The unit's IKM target for `year` (25-100, 2 decimals), or None when none was set."""
    value = session.scalar(
        select(UnitTarget.ikm_target).where(
            UnitTarget.unit_id == unit_id, UnitTarget.year == year, UnitTarget.counter_id.is_(None)
        )
    )
    return _decimal(value)


def counter_target(session: Session, counter_id: int, year: int) -> Decimal | None:
    value = session.scalar(
        select(UnitTarget.ikm_target).where(UnitTarget.counter_id == counter_id, UnitTarget.year == year)
    )
    return _decimal(value)


def officer_targets(session: Session, year: int) -> dict[int, Decimal]:
    """{unit id: the IKI target its officers' SKP states in `year`} for units that set their own."""
    rows = session.execute(
        select(UnitTarget.unit_id, UnitTarget.officer_target).where(
            UnitTarget.year == year, UnitTarget.counter_id.is_(None), UnitTarget.officer_target.is_not(None)
        )
    )
    return {unit_id: _decimal(value) for unit_id, value in rows if value is not None}


def officer_target(session: Session, unit_id: int, year: int) -> Decimal:
    return officer_targets(session, year).get(unit_id, DEFAULT_TARGET)


def check_year(text: str | None, default: int) -> int:
    year = parse_id(text) if text else default
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(Problem("year", N_("Choose a year from 2000 to 2099.")))
    return year


def _parse_target(text: str, column: str) -> Decimal | None:
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(Problem(column, TARGET_RANGE)) from None
    if not value.is_finite() or not LOWEST <= value <= HIGHEST:
        raise Invalid(Problem(column, TARGET_RANGE))
    return value.quantize(Decimal("0.01"))


def targets_page(session: Session, principal: Principal, year: int, tz: str) -> TargetsPage:
    require_role(principal, *TARGET_ROLES)
    units = session.execute(
        select(Unit.id, Unit.code, Unit.name).where(unit_scope(principal, Unit.id)).order_by(Unit.code)
    )
    rows = session.scalars(
        select(UnitTarget).where(UnitTarget.year == year, unit_scope(principal, UnitTarget.unit_id))
    )
    own = {(t.unit_id, t.counter_id): t for t in rows}
    counters: dict[int, list[CounterTarget]] = {}
    for counter_id, unit_id, name in session.execute(
        select(Counter.id, Counter.unit_id, Counter.name)
        .where(Counter.active.is_(True), unit_scope(principal, Counter.unit_id))
        .order_by(Counter.name, Counter.id)
    ):
        target = own.get((unit_id, counter_id))
        counters.setdefault(unit_id, []).append(
            CounterTarget(counter_id, name, _decimal(target.ikm_target) if target else None)
        )
    listed = []
    for unit_id, code, name in units:
        target = own.get((unit_id, None))
        listed.append(
            UnitTargets(
                unit_id,
                code,
                name,
                _decimal(target.ikm_target) if target else None,
                _decimal(target.officer_target) if target else None,
                counters.get(unit_id, []),
            )
        )
    return TargetsPage(year, listed, _history(session, principal, tz))


def _history(session: Session, principal: Principal, tz: str) -> list[TargetChange]:
    """The latest target changes in the principal's units, from the audit log."""
    targets = {
        str(target_id): (unit, counter)
        for target_id, unit, counter in session.execute(
            select(UnitTarget.id, Unit.name, Counter.name)
            .join(Unit, Unit.id == UnitTarget.unit_id)
            .outerjoin(Counter, Counter.id == UnitTarget.counter_id)
            .where(unit_scope(principal, UnitTarget.unit_id))
        )
    }
    if not targets:
        return []
    entries = session.execute(
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_user_id)
        .where(AuditEntry.object_type == "unit_target", AuditEntry.object_id.in_(list(targets)))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(HISTORY_SHOWN)
    )
    return [
        TargetChange(
            local_time(entry.at, tz), who or "-", *targets[entry.object_id], entry.before, entry.after
        )
        for entry, who in entries
    ]


def set_target(
    session: Session,
    principal: Principal,
    form: dict[str, str],
    now: datetime,
) -> int:
    """Sets (or, left empty, removes) one target from the targets form: `unit_id`, optional
    `counter_id`, `year`, `ikm_target` and, for a unit, `officer_target`. Returns the year."""
    require_role(principal, *TARGET_ROLES)
    unit_id = parse_id(form.get("unit_id", ""))
    if unit_id is None or session.get(Unit, unit_id) is None:
        raise NotFound("unit")
    require_unit(principal, unit_id)
    counter_id = parse_id(form.get("counter_id", "")) if form.get("counter_id") else None
    if form.get("counter_id") and (
        counter_id is None
        or session.scalar(select(Counter.unit_id).where(Counter.id == counter_id)) != unit_id
    ):
        raise NotFound("counter")
    year = check_year(form.get("year", ""), now.year)
    ikm = _parse_target(form.get("ikm_target", ""), "ikm_target")
    officer = None if counter_id else _parse_target(form.get("officer_target", ""), "officer_target")
    if ikm is None and officer is not None:
        raise Invalid(
            Problem("ikm_target", N_("Set the unit's IKM target together with the officers' target."))
        )
    target = session.scalar(
        select(UnitTarget).where(
            UnitTarget.unit_id == unit_id,
            UnitTarget.year == year,
            UnitTarget.counter_id == counter_id if counter_id else UnitTarget.counter_id.is_(None),
        )
    )
    scope = {"unit_id": unit_id, "counter_id": counter_id, "year": year}
    before = (
        None
        if target is None
        else {**scope, "ikm_target": target.ikm_target, "officer_target": target.officer_target}
    )
    if ikm is None:
        if target is not None:
            audit.record(session, principal, "target.remove", "unit_target", target.id, before, None, at=now)
            session.delete(target)
            session.commit()
        return year
    if target is None:
        target = UnitTarget(unit_id=unit_id, counter_id=counter_id, year=year)
        session.add(target)
    target.ikm_target, target.officer_target = float(ikm), None if officer is None else float(officer)
    target.set_by_user_id, target.set_at = principal.user_id, now
    session.flush()
    after = {**scope, "ikm_target": target.ikm_target, "officer_target": target.officer_target}
    if before != after:
        audit.record(session, principal, "target.set", "unit_target", target.id, before, after, at=now)
    session.commit()
    return year
