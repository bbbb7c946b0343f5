"""Ratings in the persona world for the SKM element report, the counters, the city row and the officer
table, scored by the real scoring shell after the period (the clock is moved past it first, as HR
scores a month that has ended). The numbers are chosen to be worked out by hand.

Elements (March 2026). Dinas Alpha, Loket Satu, four ratings, answers U1..U9 and overall:
    r1  4 3 2 4 4 3 3 2 4   overall 3
    r2  4 3 1 4 3 3 4 2 4   overall 3
    r3  3 3 2 4 4 4 3 3 4   overall 4
    r4  4 4 1 4 4 3 3 2 3   overall 2
Loket Dua: r5 all 4 (overall 4); r6 all 2 but U9 unanswered (overall 1); plus a burst of three
ratings of all 4s from one phone in three minutes, which the detector excludes.
Dinas Beta, Loket Beta: two ratings of all 1s (overall 1) from two phones.

Unit A (r1-r6): NRR U1 21/6 = 3.50, U2 19/6 = 3.17, U3 12/6 = 2.00, U4 22/6 = 3.67, U5 3.50,
U6 3.17, U7 3.17, U8 15/6 = 2.50, U9 19/5 = 3.80; weakest first U3, U8, U2, U6, U7, U1, U5, U4, U9.
Weighted (x 1/9): U3 0.222, U8 0.278, U2 0.352, U1 0.389, U4 0.407, U9 0.422. Converted (x 25):
U3 50.00, U8 62.50, U2 79.17, U1 87.50, U4 91.67, U9 95.00. Sum of weighted NRR 427/135 = 3.1630,
IKM 79.07 (B). Ratings of 1-2: r4 and r6, 2 of 6 = 33.3%.
Loket Satu: NRR U1 3.75, U2 3.25, U3 1.50, U4 4.00, U5 3.75, U6 3.25, U7 3.25, U8 2.25, U9 3.75; sum
115/36 = 3.1944, IKM 79.86 (B); ratings of 1-2: 1 of 4 = 25.0%.
Loket Dua: NRR U1-U8 3.00, U9 4.00; sum 28/9 = 3.1111, IKM 77.78 (B); ratings of 1-2: 1 of 2 = 50.0%.
City (A and B, 8 ratings): NRR U1 23/8, U2 21/8, U3 14/8, U4 24/8, U5 23/8, U6 21/8, U7 21/8,
U8 17/8, U9 21/7; IKM 23.5 / 9 x 25 = 65.28 (C); ratings of 1-2: 4 of 8 = 50.0%.

Officers (Dinas Alpha, February and March 2026, 30 ratings each unless said), answers overall/U6/U7:
    Bayu   1/1/1 both months                 -> below expectations (first, whatever else)
    Sari   4/4/4 in February, 4/3/3 in March -> her score falls by far more than 2 points
    Citra  3/4/3 both months                 -> steady (the unit's mix is the same both months)
    Dodi   4/2/4 in March only               -> lowest officer item U6 2.00, no earlier score
    Eka    4/4/4, five ratings in March      -> too few for a score: 25 more needed
March's unit average officer value: (30 x 25 + 90 x 83.33 + 5 x 100) / 125 = 70.00.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Counter, Employee, Rating
from portal.kernel.settings import Settings
from scoring.db.cli import scoring_params
from scoring.db.store import score_period
from scoring.periods import parse_period
from tests import factories
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World

_keys = itertools.count(1)
ELEMENT_ANSWERS = {
    "r1": ((4, 3, 2, 4, 4, 3, 3, 2, 4), 3),
    "r2": ((4, 3, 1, 4, 3, 3, 4, 2, 4), 3),
    "r3": ((3, 3, 2, 4, 4, 4, 3, 3, 4), 4),
    "r4": ((4, 4, 1, 4, 4, 3, 3, 2, 3), 2),
}


def add(
    db: Session,
    counter: Counter,
    officer: Employee | None,
    at: datetime,
    overall: int,
    answers: dict[str, int | None],
    device: str | None = None,
) -> Rating:
    key = next(_keys)
    rating = Rating(
        submission_key=f"report-{key}",
        counter_id=counter.id,
        unit_id=counter.unit_id,
        employee_id=officer.id if officer else None,
        attribution="roster" if officer else "none",
        channel="poster",
        submitted_at=at,
        overall=overall,
        **{code: answers.get(code) for code in SKM_ELEMENTS},
        form_seconds=25.0,
        device_hash=device or f"phone-{key}",
        network_hash=f"network-{key}",
        language="id",
    )
    db.add(rating)
    return rating


def weekdays(year: int, month: int) -> list[date]:
    day, found = date(year, month, 1), []
    while day.month == month:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def at_office(day: date, minutes_after_nine: int) -> datetime:
    """A moment on `day` in Jakarta office hours (09:00 WIB is 02:00 UTC)."""
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC) + timedelta(minutes=minutes_after_nine)


def score(db: Session, settings: Settings, clock: FakeClock, period: str) -> None:
    """Scores the period the day after it ends, as HR would."""
    parsed = parse_period(period)
    clock.set(datetime.combine(parsed.end + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=3))
    score_period(db, parsed, scoring_params(settings), settings.period_timezone, clock)


@dataclass
class ElementsWorld:
    loket_satu: Counter
    loket_dua: Counter
    loket_beta: Counter


def elements_world(db: Session, world: World, settings: Settings, clock: FakeClock) -> ElementsWorld:
    satu = factories.counter(db, world.unit_a, "Loket Satu")
    dua = factories.counter(db, world.unit_a, "Loket Dua")
    beta = factories.counter(db, world.unit_b, "Loket Beta")
    days = weekdays(2026, 3)
    for index, (answers, overall) in enumerate(ELEMENT_ANSWERS.values()):
        add(
            db,
            satu,
            world.officer,
            at_office(days[index], 0),
            overall,
            dict(zip(SKM_ELEMENTS, answers, strict=True)),
        )
    add(db, dua, world.officer, at_office(days[4], 0), 4, dict.fromkeys(SKM_ELEMENTS, 4))
    add(db, dua, world.officer, at_office(days[5], 0), 1, {**dict.fromkeys(SKM_ELEMENTS, 2), "u9": None})
    for minute in range(3):
        add(db, dua, world.officer, at_office(days[6], 60 + minute), 4, dict.fromkeys(SKM_ELEMENTS, 4), "one")
    for index in range(2):
        add(db, beta, world.colleague, at_office(days[7 + index], 0), 1, dict.fromkeys(SKM_ELEMENTS, 1))
    db.commit()
    score(db, settings, clock, "2026-03")
    return ElementsWorld(satu, dua, beta)


@dataclass
class OfficersWorld:
    bayu: Employee
    sari: Employee
    citra: Employee
    dodi: Employee
    eka: Employee


PLANS = {  # officer -> {month: (ratings, overall, u6, u7)}
    "Bayu": {2: (30, 1, 1, 1), 3: (30, 1, 1, 1)},
    "Sari": {2: (30, 4, 4, 4), 3: (30, 4, 3, 3)},
    "Citra": {2: (30, 3, 4, 3), 3: (30, 3, 4, 3)},
    "Dodi": {3: (30, 4, 2, 4)},
    "Eka": {3: (5, 4, 4, 4)},
}


def officers_world(db: Session, world: World, settings: Settings, clock: FakeClock) -> OfficersWorld:
    counter = factories.counter(db, world.unit_a, "Loket Alpha")
    people = {
        "Bayu": factories.employee(db, world.unit_a, name="Bayu Lambat"),
        "Sari": world.officer,
        "Citra": factories.employee(db, world.unit_a, name="Citra Stabil"),
        "Dodi": factories.employee(db, world.unit_a, name="Dodi Baru"),
        "Eka": factories.employee(db, world.unit_a, name="Eka Sedikit"),
    }
    for month in (2, 3):
        days = weekdays(2026, month)
        for slot, (who, plan) in enumerate(PLANS.items()):
            if month not in plan:
                continue
            count, overall, u6, u7 = plan[month]
            for index in range(count):
                moment = at_office(days[index % len(days)], 60 * (index // len(days)) + 7 * slot)
                add(db, counter, people[who], moment, overall, {"u6": u6, "u7": u7})
        db.commit()
        score(db, settings, clock, f"2026-{month:02d}")
    return OfficersWorld(*(people[name] for name in ("Bayu", "Sari", "Citra", "Dodi", "Eka")))
