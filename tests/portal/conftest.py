"""A counter's working day, shared by the attribution and counter-page tests: Ani on duty in the
morning, Budi from noon (each module brings its own `counter`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee
from tests import factories

MORNING_START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta
NOON = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 11:30
CLOSING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 15:00


@pytest.fixture
def morning(db: Session, counter: Counter) -> Employee:
    ani = factories.employee(db, counter.unit, "Ani Wijaya")
    factories.shift(db, ani, counter, MORNING_START, NOON)
    return ani


@pytest.fixture
def afternoon(db: Session, counter: Counter) -> Employee:
    budi = factories.employee(db, counter.unit, "Budi Santoso")
    factories.shift(db, budi, counter, NOON, CLOSING)
    return budi
