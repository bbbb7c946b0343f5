"""GET /api/v1/units/{unit_id}/results: a unit's published SKM results for other systems."""

from __future__ import annotations

from datetime import date

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Unit
from portal.kernel.settings import Settings
from scoring.db.models import OfficerResult, ScoringRun, UnitResult
from tests import factories
from tests.conftest import FakeClock
from tests.portal.machines import QueueMachine, queue_machine

PROBLEM = "application/problem+json"


@pytest.fixture
def unit(db: Session) -> Unit:
    return factories.unit(db, "Dinas Alpha")


@pytest.fixture
def machine(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock, unit: Unit
) -> QueueMachine:
    return queue_machine(client, db, settings, clock, unit)


def scored(db: Session, clock: FakeClock, label: str, start: date, end: date, *results: dict) -> ScoringRun:
    run = ScoringRun(
        period_key=f"{start.isoformat()}..{end.isoformat()}",
        period_label=label,
        period_start=start,
        period_end=end,
        timezone="Asia/Jakarta",
        detector_version="test-1",
        input_hash="0" * 64,
        n_ratings=sum(r["n_ratings"] for r in results),
        params={},
        started_at=clock(),
        finished_at=clock(),
    )
    db.add(run)
    db.flush()
    for result in results:
        db.add(UnitResult(run_id=run.id, **result))
    db.commit()
    return run


def unit_row(unit: Unit, ikm: float, **fields: object) -> dict:
    row = {"unit_id": unit.id, "n_ratings": 120, "n_used": 110, "ikm": ikm, "mutu": "B", "sample_target": 80}
    row |= {f"nrr_u{i}": 3.0 + i / 100 for i in range(1, 10)}
    return row | fields


def test_it_publishes_a_units_period_results(
    machine: QueueMachine, unit: Unit, db: Session, clock: FakeClock
) -> None:
    other = factories.unit(db, "Dinas Beta")
    officer = factories.employee(db, unit, "Sari Lestari")
    march = scored(
        db,
        clock,
        "2026-03",
        date(2026, 3, 1),
        date(2026, 3, 31),
        unit_row(unit, 81.25),
        unit_row(other, 70.0),
    )
    db.add(
        OfficerResult(
            run_id=march.id,
            employee_id=officer.id,
            unit_id=unit.id,
            n_ratings=40,
            n_excluded=2,
            n_used=38,
            excluded_by_reason={},
            mean_overall=3.4,
            ikm=85.0,
            mutu="B",
            score=84.2,
            score_low=80.0,
            score_high=88.0,
            sufficient=True,
            category="sesuai_ekspektasi",
        )
    )
    db.commit()
    scored(db, clock, "2026-02", date(2026, 2, 1), date(2026, 2, 28), unit_row(unit, 77.5, mutu="B"))

    answer = machine.get(f"/api/v1/units/{unit.id}/results", params={"period": "2026-03"})
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()
    assert result["unit_id"] == unit.id and result["unit_code"] == unit.code
    assert result["period"] == {"label": "2026-03", "start": "2026-03-01", "end": "2026-03-31"}
    assert (result["ikm"], result["mutu"], result["n_used"], result["sample_target"]) == (81.25, "B", 110, 80)
    assert result["nrr"]["u1"] == pytest.approx(3.01) and set(result["nrr"]) == {
        f"u{i}" for i in range(1, 10)
    }
    # unit results only: nothing about any officer
    assert set(result) == {
        "unit_id",
        "unit_code",
        "unit_name",
        "period",
        "scored_at",
        "detector_version",
        "n_ratings",
        "n_used",
        "nrr",
        "ikm",
        "mutu",
        "sample_target",
    }
    assert "84.2" not in answer.text and officer.nip not in answer.text

    every = machine.get(f"/api/v1/units/{unit.id}/results").json()
    assert [r["period"]["label"] for r in every] == ["2026-03", "2026-02"]
    # the same days spelled another way are the same period
    assert machine.get(f"/api/v1/units/{unit.id}/results", params={"period": "2026-03-01..2026-03-31"}).json()


def test_a_period_not_scored_is_a_404_problem(machine: QueueMachine, unit: Unit) -> None:
    answer = machine.get(f"/api/v1/units/{unit.id}/results", params={"period": "2025-12"})
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM
    assert machine.get(f"/api/v1/units/{unit.id}/results").json() == []


@pytest.mark.parametrize("period", ["March", "2026-13", "2026-03..2026-01", ""])
def test_a_bad_period_is_a_400_problem(machine: QueueMachine, unit: Unit, period: str) -> None:
    answer = machine.get(f"/api/v1/units/{unit.id}/results", params={"period": period})
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"]


def test_a_key_reads_only_its_own_units_results(
    machine: QueueMachine, unit: Unit, db: Session, clock: FakeClock
) -> None:
    other = factories.unit(db, "Dinas Beta")
    scored(db, clock, "2026-03", date(2026, 3, 1), date(2026, 3, 31), unit_row(other, 70.0))
    answer = machine.get(f"/api/v1/units/{other.id}/results", params={"period": "2026-03"})
    assert answer.status_code == 403 and answer.headers["content-type"] == PROBLEM
    assert "70.0" not in answer.text


def test_it_needs_a_key(client: TestClient, unit: Unit) -> None:
    answer = client.get(f"/api/v1/units/{unit.id}/results")
    assert answer.status_code == 401 and answer.headers["content-type"] == PROBLEM
