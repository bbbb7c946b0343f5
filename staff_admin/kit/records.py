"""One record in a staff service: found or "not found" (404), created or updated with its audit entry
in the same transaction, and writes that are all or nothing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from staff_admin import audit
from staff_admin.access import NotFound, Principal

Record = TypeVar("Record")


def get_or_404(session: Session, model: type[Record], record_id: int) -> Record:
    """The record with this id; NotFound (answered 404) when there is none."""
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(f"{model.__name__} {record_id}")
    return record


@contextmanager
def all_or_nothing(session: Session) -> Iterator[None]:
    """Commits what the block wrote, or rolls all of it back when anything in it fails (even an
    interrupt), so a refused or broken request leaves the database as it was."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def create_or_update(
    session: Session,
    principal: Principal,
    model: type[Record],
    record: Record | None,
    fields: Mapping[str, Any],
    object_type: str,
    now: datetime,
    *,
    note: str | None = None,
    skip_unchanged: bool = False,
) -> Record:
    """A new `model(**fields)` when `record` is None, else `fields` set on `record`; flushed (so a new
    one has its id) and audited as "<object_type>.create" or ".update" with the fields before and
    after. `skip_unchanged`: a record whose fields already hold these values is left alone, unaudited.
    The caller commits."""
    before = None
    if record is None:
        record = model(**fields)
        session.add(record)
    else:
        before = {key: getattr(record, key) for key in fields}
        if skip_unchanged and before == fields:
            return record
        for key, value in fields.items():
            setattr(record, key, value)
    session.flush()
    action = f"{object_type}.update" if before else f"{object_type}.create"
    audit.record(session, principal, action, object_type, record.id, before, fields, note, at=now)
    return record
