"""The audit log: who did what to which object, when, and why. Every later feature that changes
something about a person or a result calls `record` in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from staff_admin.access import Principal
from staff_admin.models import AuditEntry


def _plain(value: Any) -> Any:
    """JSON-safe copies of before/after states (dates as ISO text, decimals as strings)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    return value


def record(
    session: Session,
    actor: Principal | int | None,
    action: str,
    obj_type: str,
    obj_id: object | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Adds one entry to the session; the caller commits it together with the change it describes.

    actor: the signed-in principal, a user id, or None for the system (CLI, scheduled jobs).
    action: a stable dotted code such as "user.create" or "rating.exclude".
    """
    actor_id = actor.user_id if isinstance(actor, Principal) else actor
    entry = AuditEntry(
        at=at or datetime.now(UTC),
        actor_user_id=actor_id,
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        before=None if before is None else _plain(before),
        after=None if after is None else _plain(after),
        note=note,
    )
    session.add(entry)
    return entry
