"""February and March 2026 in the persona world, scored and closed by HR through the real pages, for
recognition, development, the IKI, targets and the evidence sheets. Answers overall/U6/U7 (the other
elements follow the overall answer), one phone per rating, in office hours on weekdays:

    Sari (officer, Dinas Alpha)   4/4/4, 60 ratings in February and March  -> recognition, sustained (2)
    Eka   (Dinas Alpha)           4/4/4, 60 ratings in March only           -> recognition (1)
    Dodi  (Dinas Alpha)           3/2/4, 40 ratings both months             -> U6 weak twice: training
    Fajar (Dinas Alpha)           3/4/2 in February, 3/4/4 in March         -> U7 weak once: nothing
    Budi  (colleague, Dinas Beta) 4/4/4, 3 ratings in March                 -> too few: neither list
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee
from staff_admin.periods.models import ScoringPeriod
from tests import factories
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.hr_data import add_rating
from tests.staff_admin.report_world import weekdays
from tests.staff_admin.scoring_jobs import run_jobs
from tests.staff_admin.test_periods_lifecycle import open_period, post

_keys = itertools.count(1)


@dataclass
class RecognitionWorld:
    february: ScoringPeriod
    march: ScoringPeriod
    sari: Employee
    eka: Employee
    dodi: Employee
    fajar: Employee
    budi: Employee


def ratings(
    db: Session, counter: Counter, officer: Employee, month: int, n: int, answers: tuple[int, int, int]
) -> None:
    overall, u6, u7 = answers
    days = weekdays(2026, month)
    for k in range(n):
        key = next(_keys)
        at = datetime.combine(days[k % len(days)], datetime.min.time(), UTC) + timedelta(
            hours=2 + (k // len(days)) * 2, minutes=k % 7
        )
        add_rating(db, counter, officer, at, overall, f"phone-{key}", u6=u6, u7=u7, network=f"network-{key}")
    db.commit()


def close(client: TestClient, db: Session, engine, settings, clock: FakeClock, label: str) -> ScoringPeriod:
    period = open_period(client, db, label)
    assert post(client, f"/admin/periods/{period.id}/score").status_code == 303
    assert run_jobs(engine, settings, clock) == {"done": 1}
    closing = {"confirm": "yes", "override": "yes", "note": "reviews follow"}
    assert post(client, f"/admin/periods/{period.id}/close", closing).status_code == 303
    db.expire_all()
    return db.get(ScoringPeriod, period.id)


def recognition_world(
    client: TestClient, db: Session, world: World, engine, settings, clock: FakeClock
) -> RecognitionWorld:
    counter_a = factories.counter(db, world.unit_a, "Loket A")
    counter_b = factories.counter(db, world.unit_b, "Loket B")
    eka = factories.employee(db, world.unit_a, name="Eka Teladan")
    dodi = factories.employee(db, world.unit_a, name="Dodi Belajar")
    fajar = factories.employee(db, world.unit_a, name="Fajar Sekali")
    for month in (2, 3):
        ratings(db, counter_a, world.officer, month, 60, (4, 4, 4))
        ratings(db, counter_a, dodi, month, 40, (3, 2, 4))
        ratings(db, counter_a, fajar, month, 40, (3, 4, 2) if month == 2 else (3, 4, 4))
    ratings(db, counter_a, eka, 3, 60, (4, 4, 4))
    ratings(db, counter_b, world.colleague, 3, 3, (4, 4, 4))
    clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))  # both months are over
    signed_in(client, "hr")
    february = close(client, db, engine, settings, clock, "2026-02")
    march = close(client, db, engine, settings, clock, "2026-03")
    client.cookies.clear()
    return RecognitionWorld(february, march, world.officer, eka, dodi, fajar, world.colleague)
