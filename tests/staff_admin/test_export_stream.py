"""The ratings export streamed through Core, chunk by chunk: the same bytes as the scoring contract's
writer gives for the same rows (scoring.csvio.write_ratings_csv over scoring.db.store.contract_rows),
with the comment's spreadsheet formula neutralised, for HR (every column) and a unit head (no hashes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from scoring.csvio import EXPORT_COLUMNS, ratings_csv_text
from scoring.db.store import contract_rows
from staff_admin.dashboard import ratings
from staff_admin.kit.exports import neutralise
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.dashboard_world import MONDAY_9_WIB, Rated, add_rating, rate, score

EXPORT = "/admin/ratings/export.csv"
HOSTILE = ['a, "quoted" one', "two\nlines", "carriage\rreturn", "+62 812", "@me", "\tTab", "-1", "  ", ""]


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    for index, text in enumerate(HOSTILE * 3):
        at = MONDAY_9_WIB + timedelta(days=index % 7, minutes=3 * index, microseconds=index * 1001)
        add_rating(db, rated.counter_a, world.officer, at, 1 + index % 4, f"odd-{index}", comment=text)
    add_rating(db, rated.counter_a1, None, MONDAY_9_WIB, 2, "nobody")  # form_seconds 25.0: a float
    db.commit()
    clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))
    score(db, settings, clock)
    return rated


def _reference(db: Session, leave_out: tuple[str, ...], *conditions) -> str:
    kept = [i for i, name in enumerate(EXPORT_COLUMNS) if name not in leave_out]
    comment = EXPORT_COLUMNS.index("comment")
    rows = [
        tuple(neutralise(row[i]) if i == comment else row[i] for i in kept)
        for row in contract_rows(db, *conditions)
    ]
    return ratings_csv_text(rows, outside_hours=True, leave_out=leave_out)


@pytest.mark.parametrize("batch", [7, 2_000])
def test_it_streams_what_the_contract_writer_writes(
    client: TestClient, db: Session, world: World, rated: Rated, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(ratings, "EXPORT_BATCH", batch)

    everything = signed_in(client, "hr").get(EXPORT).text
    march = client.get(EXPORT, params={"period": "2026-03"}).text

    assert everything == _reference(db, ())
    start, end = datetime(2026, 2, 28, 17, tzinfo=UTC), datetime(2026, 3, 31, 17, tzinfo=UTC)
    assert march == _reference(db, (), Rating.submitted_at >= start, Rating.submitted_at < end)
    assert "'+62 812" in everything and "'@me" in everything and '"a, ""quoted"" one"' in everything


def test_it_leaves_the_hashes_out_for_a_unit_head(
    client: TestClient, db: Session, world: World, rated: Rated
) -> None:
    text = signed_in(client, "head_a").get(EXPORT, params={"unit": world.unit_a.id}).text

    assert text == _reference(db, ratings.HASH_COLUMNS, Rating.unit_id == world.unit_a.id)


def test_it_sends_the_header_alone_when_nothing_matches(
    client: TestClient, world: World, rated: Rated
) -> None:
    text = signed_in(client, "hr").get(EXPORT, params={"period": "2025-01"}).text

    assert text == ",".join(EXPORT_COLUMNS) + "\n"
