"""The follow-up plan ("rencana tindak lanjut") of a unit's SKM report: per weak element an action,
who is responsible and by when, written by the unit's head (or an admin); the next report of the
unit shows how far each action got. Every change is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, clean_comment, parse_id
from scoring.skm import ELEMENT_CODES
from staff_admin import audit
from staff_admin.access import ADMIN, UNIT_HEAD, NotFound, Principal, require_role, require_unit
from staff_admin.dashboard.elements import ELEMENT_TITLES
from staff_admin.kit.inputs import control_character_problems, day_problem
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.reports.models import ACTION_STATES, FollowUpAction

PLAN_ROLES = (ADMIN, UNIT_HEAD)
STATE_NAMES = {
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}
MAX_ACTION, MAX_RESPONSIBLE, MAX_NOTE = 1000, 200, 2000
ACTION_FIELDS = ("element", "action", "responsible", "due")


@dataclass(frozen=True)
class ActionView:
    id: int
    element: str
    title: str  # msgid of the element's name
    action: str
    responsible: str
    due: date
    state: str
    state_name: str  # msgid
    state_note: str | None
    late: bool  # past its date and neither done nor dropped

    @property
    def code(self) -> str:
        return self.element.upper()


@dataclass(frozen=True)
class Plan:
    period_label: str
    actions: list[ActionView]


def period_end(key: str) -> date:
    """The last day of a period from its key ("2026-03-01..2026-03-31")."""
    return date.fromisoformat(key.partition("..")[2])


def _view(row: FollowUpAction, today: date) -> ActionView:
    return ActionView(
        id=row.id,
        element=row.element,
        title=ELEMENT_TITLES[row.element],
        action=row.action,
        responsible=row.responsible,
        due=row.due,
        state=row.state,
        state_name=STATE_NAMES[row.state],
        state_note=row.state_note,
        late=row.due < today and row.state in ("planned", "in_progress"),
    )


def _ordered(rows: list[FollowUpAction], today: date) -> list[ActionView]:
    rows.sort(key=lambda row: (ELEMENT_CODES.index(row.element), row.due, row.id))
    return [_view(row, today) for row in rows]


def unit_plan(session: Session, unit_id: int, period_key: str, today: date) -> list[ActionView]:
    rows = session.scalars(
        select(FollowUpAction).where(
            FollowUpAction.unit_id == unit_id, FollowUpAction.period_key == period_key
        )
    ).all()
    return _ordered(list(rows), today)


def previous_plan(session: Session, unit_id: int, before: date, today: date) -> Plan | None:
    """The plan of the unit's latest period that ended before `before` (the report's first day)."""
    rows = session.scalars(select(FollowUpAction).where(FollowUpAction.unit_id == unit_id)).all()
    earlier = [row for row in rows if period_end(row.period_key) < before]
    if not earlier:
        return None
    latest = max(earlier, key=lambda row: (period_end(row.period_key), row.period_key))
    chosen = [row for row in earlier if row.period_key == latest.period_key]
    return Plan(latest.period_label, _ordered(chosen, today))


def _text(values: Mapping[str, str], name: str, limit: int, problems: list[Problem], required: bool) -> str:
    text = clean_comment(values.get(name, "")) or ""
    if required and not text:
        problems.append(Problem(name, N_("Please fill in this field.")))
    elif len(text) > limit:
        problems.append(Problem(name, N_("Please keep this to %(max)s characters or fewer."), {"max": limit}))
    return text


def add_action(
    session: Session,
    principal: Principal,
    unit_id: int,
    period_key: str,
    period_label: str,
    values: Mapping[str, str],
    now: datetime,
) -> int:
    """A new action of the unit's plan for the period; raises Invalid with what to correct."""
    require_role(principal, *PLAN_ROLES)
    require_unit(principal, unit_id)
    problems = control_character_problems({k: values.get(k, "") for k in ("responsible", "due")})
    element = values.get("element", "")
    if element not in ELEMENT_CODES:
        problems.append(Problem("element", N_("Choose one of the nine elements.")))
    action = _text(values, "action", MAX_ACTION, problems, required=True)
    responsible = _text(values, "responsible", MAX_RESPONSIBLE, problems, required=True)
    due, due_problem = day_problem(values.get("due", ""), "due")
    if due_problem:
        problems.append(due_problem)
    if problems:
        raise Invalid(*problems, values={k: values.get(k, "") for k in ACTION_FIELDS})
    assert due is not None
    row = FollowUpAction(
        unit_id=unit_id,
        period_key=period_key,
        period_label=period_label,
        element=element,
        action=action,
        responsible=responsible,
        due=due,
        state="planned",
        created_by_user_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    after = {"element": element, "action": action, "responsible": responsible, "due": due.isoformat()}
    audit.record(session, principal, "followup.add", "followup_action", row.id, after=after, at=now)
    session.commit()
    return row.id


def update_action(
    session: Session, principal: Principal, action_text: str, values: Mapping[str, str], now: datetime
) -> FollowUpAction:
    """Records how far an action got (its state and a note)."""
    require_role(principal, *PLAN_ROLES)
    action_id = parse_id(action_text)
    row = session.get(FollowUpAction, action_id) if action_id else None
    if row is None:
        raise NotFound(f"follow-up action {action_text[:20]!r}")
    require_unit(principal, row.unit_id)
    problems: list[Problem] = []
    state = values.get("state", "")
    if state not in ACTION_STATES:
        problems.append(Problem("state", N_("Choose one of the states.")))
    note = _text(values, "state_note", MAX_NOTE, problems, required=False) or None
    if problems:
        raise Invalid(*problems)
    before = {"state": row.state, "note": row.state_note}
    row.state, row.state_note, row.updated_at = state, note, now
    after = {"state": state, "note": note}
    audit.record(session, principal, "followup.update", "followup_action", row.id, before, after, at=now)
    session.commit()
    return row
