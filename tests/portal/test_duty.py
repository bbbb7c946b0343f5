"""Who is on duty: the batch lookup (the rule in Python, used by the rating intake) agrees with the
single lookup (the rule in SQL, used by the citizen page) at every moment, overlaps and edges included."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.citizen.duty import counters_on_duty
from portal.citizen.service import UnknownCounter, counter_on_duty, counter_page_until
from tests import factories
from tests.conftest import FakeClock


def test_it_finds_the_same_officer_in_a_batch_as_alone(db: Session, clock: FakeClock) -> None:
    rng = random.Random(7)
    unit = factories.unit(db)
    counters = [factories.counter(db, unit, f"Loket {i}") for i in range(3)]
    officers = [factories.employee(db, unit, f"Petugas {i}", factories.valid_nip(i + 1)) for i in range(4)]
    start = clock()
    edges = []
    for _ in range(25):  # overlapping shifts, some starting together, some back to back
        begins = start + timedelta(minutes=15 * rng.randrange(0, 32))
        ends = begins + timedelta(minutes=15 * rng.randrange(1, 12))
        factories.shift(db, rng.choice(officers), rng.choice(counters[:2]), begins, ends)
        edges += [begins, ends]
    moments = sorted({*edges, *(e - timedelta(microseconds=1) for e in edges), start - timedelta(hours=1)})
    wanted = [(c.public_token, m) for c in counters for m in moments] + [("no-such-token", start)]

    batch = counters_on_duty(db, wanted)

    for (token, moment), found in zip(wanted, batch, strict=True):
        try:
            alone = counter_on_duty(db, token, moment)
        except UnknownCounter:
            assert found is None
            continue
        assert found is not None
        assert (found.id, found.unit_name, found.officer_id, found.officer_name) == (
            alone.id,
            alone.unit_name,
            alone.officer_id,
            alone.officer_name,
        ), (token, moment)
    assert any(found and found.officer_id for found in batch)  # the roster is not empty
    assert any(found and not found.officer_id for found in batch)  # nor full


def test_it_names_a_moment_before_which_the_officer_on_duty_cannot_change(
    db: Session, clock: FakeClock
) -> None:
    rng = random.Random(11)
    unit = factories.unit(db)
    counter = factories.counter(db, unit)
    officers = [factories.employee(db, unit, f"Petugas {i}", factories.valid_nip(i + 1)) for i in range(3)]
    start, edges = clock(), []
    for _ in range(20):
        begins = start + timedelta(minutes=15 * rng.randrange(0, 32))
        ends = begins + timedelta(minutes=15 * rng.randrange(1, 12))
        factories.shift(db, rng.choice(officers), counter, begins, ends)
        edges += [begins, ends]
    moments = sorted({*edges, *(e - timedelta(microseconds=1) for e in edges), start - timedelta(hours=1)})
    on_duty = {m: counter_on_duty(db, counter.public_token, m).officer_id for m in moments}

    for moment in moments:
        _, changes_at = counter_page_until(db, counter.public_token, moment)
        assert changes_at is None or changes_at > moment
        later = [m for m in moments if m >= moment and (changes_at is None or m < changes_at)]
        assert {on_duty[m] for m in later} == {on_duty[moment]}, moment
    assert counter_page_until(db, counter.public_token, max(moments))[1] is None  # no shift ahead
