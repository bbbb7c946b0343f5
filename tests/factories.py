"""Small builders for test data; each commits so the app's own sessions see it."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from portal.kernel.hours import STANDARD_OFFICE_HOURS
from portal.kernel.models import Counter, DutyShift, Employee, Unit

_sequence = itertools.count(1)


def unit(db: Session, name: str = "Dinas Kependudukan", parent: Unit | None = None) -> Unit:
    created = Unit(code=f"U{next(_sequence)}", name=name, parent_id=parent.id if parent else None)
    db.add(created)
    db.commit()
    return created


def counter(db: Session, in_unit: Unit, name: str = "Loket 1", **fields: object) -> Counter:
    fields.setdefault("opening_hours", STANDARD_OFFICE_HOURS)
    fields.setdefault("timezone", "Asia/Jakarta")
    created = Counter(unit_id=in_unit.id, name=name, **fields)
    db.add(created)
    db.commit()
    return created


def valid_nip(sequence: int | None = None, gender: str = "2") -> str:
    """Explicit sequences (tests that need a known NIP) are appointed in 2010; automatic ones from
    2011 on, one year per 999 numbers, so the two never collide and never wrap."""
    if sequence is not None:
        return f"19850312201001{gender}{sequence % 999 + 1:03d}"
    n = next(_sequence)
    return f"19850312{2011 + n // 999}01{gender}{n % 999 + 1:03d}"


def employee(db: Session, in_unit: Unit, name: str = "Sari Lestari", nip: str | None = None) -> Employee:
    created = Employee(nip=nip or valid_nip(), name=name, unit_id=in_unit.id)
    db.add(created)
    db.commit()
    return created


def shift(db: Session, who: Employee, at: Counter, starts_at: datetime, ends_at: datetime) -> DutyShift:
    created = DutyShift(employee_id=who.id, counter_id=at.id, starts_at=starts_at, ends_at=ends_at)
    db.add(created)
    db.commit()
    return created
