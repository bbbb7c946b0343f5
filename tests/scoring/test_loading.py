"""Reading a period from the database in chunks: the same table the CSV command builds from the
export, whatever the chunk size, with the local offset of each counter's zone."""

from __future__ import annotations

import io
from dataclasses import fields
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.csvio import read_ratings_csv
from scoring.db.loading import device_hashes, first_seen_codes, load_period_table
from scoring.db.store import export_ratings
from scoring.periods import parse_period
from scoring.sim.simulate import SimConfig, simulate
from scoring.table import RatingTable
from tests import factories
from tests.simulated_ratings import fill, period_of

SIMULATION = SimConfig(seed=5, n_honest=3_000, n_units=3, weeks=3)


@pytest.fixture
def simulated(engine: Engine) -> str:
    """A period holding every simulated rating (honest ones and attacks)."""
    fill(engine, simulate(SIMULATION))
    return period_of(SIMULATION)


def assert_same_table(left: RatingTable, right: RatingTable) -> None:
    for field in fields(RatingTable):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if field.name == "rating_id":
            a, b = a.astype(str), b.astype(str)
        np.testing.assert_array_equal(a, b, err_msg=field.name)


def test_it_builds_the_table_the_csv_command_builds_from_the_export(db: Session, simulated: str) -> None:
    period = parse_period(simulated)
    table, _ = load_period_table(db, period, "UTC")
    export = io.StringIO()
    assert export_ratings(db, period, "UTC", export) == len(table) == len(simulate(SIMULATION))
    export.seek(0)

    assert_same_table(table, read_ratings_csv(export))
    assert table.rating_id.dtype == np.int64  # database ids stay integers
    assert len(table.unit_labels) == 3 and (table.utc_offset_min % 60 == 0).all()


def test_it_reads_the_same_table_and_hash_whatever_the_chunk_size(db: Session, simulated: str) -> None:
    period = parse_period(simulated)
    whole, whole_hash = load_period_table(db, period, "UTC")
    chunked, chunked_hash = load_period_table(db, period, "UTC", chunk_rows=997)
    assert_same_table(whole, chunked)
    assert whole_hash == chunked_hash


def test_it_gives_each_rating_the_offset_of_its_counters_zone_on_that_day(db: Session) -> None:
    """Offsets are looked up per quarter-hour; a zone with summer time changes offset mid-period."""
    # summer time began in Berlin on 2026-03-29 at 01:00 UTC
    counter = factories.counter(db, factories.unit(db, "Perwakilan Berlin"), timezone="Europe/Berlin")
    moments = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]
    for index, moment in enumerate(moments):
        db.add(
            Rating(
                submission_key=f"berlin-{index}",
                counter_id=counter.id,
                unit_id=counter.unit_id,
                attribution="none",
                channel="poster",
                submitted_at=moment,
                overall=4,
                language="id",
            )
        )
    db.commit()

    table, _ = load_period_table(db, parse_period("2026-03"), "UTC")
    assert table.utc_offset_min.tolist() == [60, 120]
    assert table.ts.tolist() == [int(m.timestamp()) for m in moments]


def test_it_hashes_device_strings_the_same_whatever_their_neighbours() -> None:
    alone = device_hashes(["abc"])
    beside_longer = device_hashes(["abc", "a much longer device hash" * 2, None, ""])
    assert alone[0] == beside_longer[0] != 0
    assert beside_longer[2] == beside_longer[3] == 0  # missing and empty: no device
    assert len(set(device_hashes([f"device-{i}" for i in range(10_000)]).tolist())) == 10_000


def test_it_codes_values_in_order_of_first_appearance() -> None:
    codes, distinct = first_seen_codes(np.array([30, 10, 30, 20, 10]))
    assert codes.tolist() == [0, 1, 0, 2, 1] and distinct.tolist() == [30, 10, 20]
    values = np.array([5, -1, 7, 5])
    codes, distinct = first_seen_codes(values, values >= 0)
    assert codes.tolist() == [0, -1, 1, 0] and distinct.tolist() == [5, 7]


def test_it_counts_a_period_with_no_ratings_as_empty(db: Session) -> None:
    table, _ = load_period_table(db, parse_period("2020-01"), "UTC")
    assert len(table) == 0 and table.answers.shape == (0, 9)
