"""The audit log page: admin and HR read every entry (unit heads and officers may not: entries
name objects of every unit, and filtering them by unit would need each object's owner)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from staff_admin.access import ADMIN, HR, Principal, require_role
from staff_admin.kit.listing import local_time, paging
from staff_admin.models import AuditEntry, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # username, or "system"
    object_type: str = ""
    object_id: str = ""
    page: int = 1


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str | None  # None: the system
    action: str
    object_type: str
    object_id: str | None
    before: str | None  # pretty JSON, escaped by the template
    after: str | None
    note: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    filters: AuditFilters
    total: int
    pages: int
    object_types: list[str]


def _pretty(value: object) -> str | None:
    return None if value is None else json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def audit_page(session: Session, principal: Principal, filters: AuditFilters, tz: str) -> AuditPage:
    require_role(principal, ADMIN, HR)
    query = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.actor_user_id)
    actor = filters.actor.strip()
    if actor == "system":
        query = query.where(AuditEntry.actor_user_id.is_(None))
    elif actor:
        query = query.where(User.username == actor)
    if filters.object_type.strip():
        query = query.where(AuditEntry.object_type == filters.object_type.strip())
    if filters.object_id.strip():
        query = query.where(AuditEntry.object_id == filters.object_id.strip())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shown = paging(total, filters.page, PAGE_SIZE)
    rows = session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(shown.offset).limit(PAGE_SIZE)
    ).all()
    types = list(session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))
    return AuditPage(
        rows=[
            AuditRow(
                id=entry.id,
                at=local_time(entry.at, tz),
                actor=username,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                before=_pretty(entry.before),
                after=_pretty(entry.after),
                note=entry.note,
            )
            for entry, username in rows
        ],
        filters=AuditFilters(actor, filters.object_type.strip(), filters.object_id.strip(), shown.page),
        total=total,
        pages=shown.pages,
        object_types=types,
    )
