"""The ratings export through HTTP: the scoring CSV contract of the filtered, scoped set, which the
scoring command reads straight back; values are written as they are (a machine format)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from scoring.csvio import read_ratings_csv
from scoring.table import INPUT_COLUMNS
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.dashboard_world import FORMULA_COMMENT, SCRIPT_COMMENT, Rated, rate, score

EXPORT = "/admin/ratings/export.csv"


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    score(db, settings, clock)
    return rated


def _records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_the_filtered_set_in_the_scoring_contract(
    client: TestClient, world: World, rated: Rated
) -> None:
    response = signed_in(client, "hr").get(EXPORT, params={"period": "2026-03", "unit": world.unit_a.id})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="ratings-2026-03.csv"' in response.headers["content-disposition"]
    header = response.text.split("\n", 1)[0].split(",")
    assert header == [*INPUT_COLUMNS, "outside_hours"]
    records = _records(response.text)
    assert len(records) == 48
    assert {r["unit_id"] for r in records} == {str(world.unit_a.id)}
    assert [int(r["rating_id"]) for r in records] == sorted(int(r["rating_id"]) for r in records)
    assert all(r["submitted_at"].endswith("+07:00") for r in records)


def test_it_round_trips_into_the_scoring_core(
    client: TestClient, world: World, rated: Rated, db: Session
) -> None:
    text = signed_in(client, "hr").get(EXPORT).text

    table = read_ratings_csv(io.StringIO(text))

    assert len(table) == 60
    assert sorted(int(i) for i in table.rating_id) == list(db.scalars(select(Rating.id).order_by(Rating.id)))


def test_it_feeds_the_scoring_command(client: TestClient, world: World, rated: Rated, tmp_path: Path) -> None:
    source = tmp_path / "ratings.csv"
    source.write_text(
        signed_in(client, "hr").get(EXPORT, params={"period": "2026-03"}).text, encoding="utf-8"
    )

    done = subprocess.run(
        [sys.executable, "-m", "scoring", "--ratings", str(source), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    flags = _records((tmp_path / "out" / "flags.csv").read_text(encoding="utf-8"))
    assert len(flags) == 57
    assert sum(f["excluded"] == "1" for f in flags) == 8


def test_it_writes_each_time_in_the_counters_offset_and_cells_as_they_are(
    client: TestClient, world: World, rated: Rated
) -> None:
    browser = signed_in(client, "head_a")
    sub_unit = _records(browser.get(EXPORT, params={"unit": world.unit_a1.id}).text)
    commented = _records(browser.get(EXPORT, params={"comment": "yes"}).text)

    assert len(sub_unit) == 4 and all(r["submitted_at"].endswith("+08:00") for r in sub_unit)
    assert sub_unit[0]["submitted_at"].startswith("2026-03-02T11:00:00")
    # The comment is the one neutralised cell: a formula gets a leading ' (docs/architecture.md).
    assert sorted(r["comment"] for r in commented) == sorted([SCRIPT_COMMENT, "'" + FORMULA_COMMENT])


@pytest.mark.parametrize(("persona", "rows", "units"), [("head_a", 55, {"a", "a1"}), ("head_b", 5, {"b"})])
def test_it_exports_only_the_unit_heads_units(
    client: TestClient, world: World, rated: Rated, persona: str, rows: int, units: set[str]
) -> None:
    ids = {"a": world.unit_a.id, "a1": world.unit_a1.id, "b": world.unit_b.id}

    records = _records(signed_in(client, persona).get(EXPORT).text)

    assert len(records) == rows
    assert {r["unit_id"] for r in records} == {str(ids[u]) for u in units}


@pytest.mark.parametrize(
    ("persona", "hashes"), [("admin", True), ("hr", True), ("head_a", False), ("head_b", False)]
)
def test_it_gives_the_device_and_network_hashes_to_hr_and_admins_only(
    client: TestClient, db: Session, world: World, rated: Rated, persona: str, hashes: bool
) -> None:
    """The hashes link one citizen's ratings across time; only the scoring contract (HR, admin) needs them."""
    response = signed_in(client, persona).get(EXPORT)
    assert response.status_code == 200
    header = response.text.split("\n", 1)[0].split(",")
    hidden = ("device_hash", "network_hash")
    expected = [*INPUT_COLUMNS, "outside_hours"]
    assert header == (expected if hashes else [c for c in expected if c not in hidden])
    stored = {h for pair in db.execute(select(Rating.device_hash, Rating.network_hash)) for h in pair if h}
    assert stored and any(h in response.text for h in stored) == hashes
    records = _records(response.text)
    assert records and all(len(r) == len(header) for r in records)


def test_it_refuses_officers(client: TestClient, world: World, rated: Rated) -> None:
    response = signed_in(client, "officer").get(EXPORT)

    assert response.status_code == 403
    assert "rating_id" not in response.text


def test_it_exports_a_header_when_nothing_matches(client: TestClient, world: World, rated: Rated) -> None:
    text = signed_in(client, "hr").get(EXPORT, params={"period": "2025-01"}).text

    assert text == ",".join([*INPUT_COLUMNS, "outside_hours"]) + "\n"
