"""The scoring shell on the real databases: flags onto ratings, results replaced atomically,
reviewers' decisions win, and the raw export feeds the CSV command."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import main
from portal.kernel.models import Counter, Employee, Rating
from scoring.db import store
from scoring.db.models import BiasAuditResult, OfficerResult, RatingDecision, ScoringRun, UnitResult
from scoring.db.store import score_period
from scoring.params import ScoringParams
from scoring.periods import parse_period
from tests import factories
from tests.conftest import FakeClock

PERIOD = parse_period("2026-03")
MONDAY_9_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def add_rating(
    db: Session, counter: Counter, officer: Employee | None, at: datetime, overall: int, device: str, **kw
):
    rating = Rating(
        submission_key=f"k{device}{at.timestamp()}",
        counter_id=counter.id,
        unit_id=counter.unit_id,
        employee_id=officer.id if officer else None,
        attribution="roster" if officer else "none",
        channel="poster",
        submitted_at=at,
        overall=overall,
        u6=overall,
        u7=overall,
        form_seconds=kw.pop("form_seconds", 25.0),
        device_hash=device,
        network_hash=kw.pop("network", "carrier"),
        language="id",
        **kw,
    )
    db.add(rating)
    return rating


@pytest.fixture
def office(db: Session) -> tuple[Counter, Employee]:
    """Three weeks of honest ratings for Ani, then one phone rating her eight times in ten minutes."""
    counter = factories.counter(db, factories.unit(db, "Dinas Kependudukan"), "Loket 1")
    ani = factories.employee(db, counter.unit, "Ani Wijaya")
    for day in range(15):
        for k in range(3):
            at = MONDAY_9_WIB + timedelta(days=day, hours=k)
            add_rating(db, counter, ani, at, overall=3 if (day + k) % 4 else 2, device=f"citizen-{day}-{k}")
    for k in range(8):
        add_rating(
            db, counter, ani, MONDAY_9_WIB + timedelta(days=16, minutes=k), overall=4, device="stuffer"
        )
    db.commit()
    return counter, ani


def burst_ids(db: Session) -> list[int]:
    return list(db.scalars(select(Rating.id).where(Rating.device_hash == "stuffer").order_by(Rating.id)))


def run(db: Session, clock: FakeClock, **kwargs):
    return score_period(db, PERIOD, ScoringParams(), "Asia/Jakarta", clock, **kwargs)


def test_it_writes_flags_reasons_and_results(db: Session, office, clock: FakeClock) -> None:
    _, ani = office
    summary = run(db, clock)

    assert summary.n_ratings == 53
    assert summary.excluded_by_reason == {"burst": 8}
    db.expire_all()
    burst = db.scalars(select(Rating).where(Rating.device_hash == "stuffer")).all()
    assert all(r.excluded and "burst" in r.reasons.split(";") for r in burst)
    assert all(r.detector_version == summary.detector_version and r.scored_at == clock.now for r in burst)
    assert db.scalar(select(func.count()).where(Rating.excluded.is_(True))) == 8

    (officer,) = db.scalars(select(OfficerResult)).all()
    assert (officer.employee_id, officer.n_ratings, officer.n_excluded, officer.n_used) == (ani.id, 53, 8, 45)
    assert officer.excluded_by_reason == {"burst": 8}
    assert officer.sufficient is True
    (unit,) = db.scalars(select(UnitResult)).all()
    assert unit.n_used == 45
    assert unit.nrr_u6 == pytest.approx((34 * 3 + 11 * 2) / 45)
    (stored_run,) = db.scalars(select(ScoringRun)).all()
    assert (stored_run.period_key, stored_run.input_hash) == (PERIOD.key, summary.input_hash)


def test_it_replaces_the_previous_run_of_the_same_period(db: Session, office, clock: FakeClock) -> None:
    first = run(db, clock)
    clock.advance(hours=1)
    second = run(db, clock)
    assert first.input_hash == second.input_hash  # same ratings in, same hash
    assert db.scalar(select(func.count(ScoringRun.id))) == 1
    assert db.scalar(select(func.count(OfficerResult.id))) == 1
    assert db.scalar(select(func.count(UnitResult.id))) == 1


def test_it_rewrites_only_the_ratings_whose_flags_change_on_a_rerun(
    db: Session, office, clock: FakeClock
) -> None:
    first_run = clock.now
    run(db, clock)
    honest = db.scalar(select(Rating.id).where(Rating.device_hash == "citizen-0-0"))
    db.add(RatingDecision(rating_id=honest, decision="exclude", note="a test visit", decided_at=clock()))
    db.commit()
    clock.advance(hours=1)

    run(db, clock)

    db.expire_all()
    changed = db.get(Rating, honest)
    assert changed.excluded is True and changed.scored_at == clock.now
    unchanged = {r.scored_at for r in db.scalars(select(Rating).where(Rating.id != honest))}
    assert unchanged == {first_run}


def test_it_leaves_the_previous_results_intact_when_a_run_fails(
    db: Session, office, clock: FakeClock
) -> None:
    counter, ani = office
    run(db, clock)
    before = db.scalar(select(OfficerResult.n_used))
    # a new honest rating arrives, then the next run dies just before it commits
    add_rating(db, counter, ani, MONDAY_9_WIB + timedelta(days=20), overall=1, device="late")
    db.commit()

    def crash() -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        run(db, clock, before_commit=crash)

    db.expire_all()
    assert db.scalar(select(func.count(ScoringRun.id))) == 1
    assert db.scalar(select(OfficerResult.n_used)) == before
    late = db.scalar(select(Rating).where(Rating.device_hash == "late"))
    assert late.scored_at is None and late.detector_version is None

    run(db, clock)
    assert db.scalar(select(OfficerResult.n_used)) == before + 1


def test_it_lets_a_reviewers_decision_win_over_the_detector(db: Session, office, clock: FakeClock) -> None:
    restored, *_ = burst_ids(db)
    honest = db.scalar(select(Rating.id).where(Rating.device_hash == "citizen-0-0"))
    for rating_id, decision in ((restored, "exclude"), (restored, "include"), (honest, "exclude")):
        db.add(
            RatingDecision(
                rating_id=rating_id, decision=decision, note="checked the CCTV", decided_at=clock()
            )
        )
    db.commit()

    summary = run(db, clock)

    db.expire_all()
    assert db.get(Rating, restored).excluded is False
    assert db.get(Rating, restored).reasons == "burst"  # the detector's view stays visible
    assert db.get(Rating, honest).excluded is True
    assert summary.excluded_by_reason == {"burst": 7, "manual": 1}
    assert db.scalar(select(OfficerResult.n_used)) == 45


def test_it_scores_and_exports_from_the_command_line(
    db: Session, office, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)

    assert main(["score", "--period", "2026-03"]) == 0
    printed = capsys.readouterr().out
    assert "53 ratings, 8 excluded (burst 8)" in printed
    assert re.search(r"read [0-9.]+ s, detect [0-9.]+ s, write [0-9.]+ s; [0-9.]+ s$", printed.strip())

    export = tmp_path / "ratings.csv"
    assert main(["export-ratings", "--period", "2026-Q1", "--out", str(export)]) == 0
    with export.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 53
    assert rows[0]["submitted_at"].endswith("+07:00")  # local office time, with its offset

    # The export feeds the stand-alone scoring command and gives the same officer result.
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "scoring", "--ratings", str(export), "--out", str(out)], check=True)
    with (out / "scores.csv").open() as handle:
        (score,) = list(csv.DictReader(handle))
    stored = db.scalars(select(OfficerResult)).one()
    assert (int(score["n_used"]), float(score["score"])) == (stored.n_used, stored.score)


def test_it_refuses_a_period_it_cannot_read(settings, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    with pytest.raises(SystemExit) as exit_info:
        main(["score", "--period", "last month"])
    assert exit_info.value.code == 2
    assert "is not a period" in capsys.readouterr().err


def decide(db: Session, rating_id: int, decision: str, clock: FakeClock) -> None:
    db.add(RatingDecision(rating_id=rating_id, decision=decision, note="checked", decided_at=clock()))
    db.commit()


def test_it_changes_the_input_hash_with_every_review_decision(db: Session, office, clock: FakeClock) -> None:
    first_burst, second_burst, *_ = burst_ids(db)
    hashes = [run(db, clock).input_hash]
    decide(db, first_burst, "exclude", clock)  # a reviewer confirms the incident
    hashes.append(run(db, clock).input_hash)
    decide(db, second_burst, "include", clock)  # and restores one of its ratings
    hashes.append(run(db, clock).input_hash)
    hashes.append(run(db, clock).input_hash)  # nothing new: the same hash

    assert len(set(hashes)) == 3 and hashes[2] == hashes[3]
    stored = db.scalars(select(ScoringRun)).one()
    assert stored.input_hash == hashes[-1]
    assert stored.decisions_hash == store.decisions_hash({first_burst: "exclude", second_burst: "include"})
    assert stored.decisions_hash == store.decisions_hash(store.period_decisions(db, PERIOD, "Asia/Jakarta"))


def test_it_changes_the_input_hash_with_the_parameters_and_the_detector_version(
    db: Session, office, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = run(db, clock).input_hash
    stricter = score_period(db, PERIOD, ScoringParams(min_ratings=40), "Asia/Jakarta", clock).input_hash
    monkeypatch.setattr(store, "DETECTOR_VERSION", "test.9")
    newer = run(db, clock).input_hash

    assert len({default, stricter, newer}) == 3
    assert db.scalars(select(ScoringRun)).one().ratings_hash is not None


def test_it_counts_each_excluded_rating_once_under_its_first_reason(
    db: Session, office, clock: FakeClock
) -> None:
    # the stuffer's ratings are a burst and a repeat of visits at once; flags keep both reasons
    counter, ani = office
    for day in (18, 19):
        for hour in (0, 3):
            add_rating(db, counter, ani, MONDAY_9_WIB + timedelta(days=day, hours=hour), 4, device="stuffer")
    db.commit()

    summary = run(db, clock)

    officer = db.scalars(select(OfficerResult)).one()
    assert sum(officer.excluded_by_reason.values()) == officer.n_excluded == summary.n_excluded == 12
    assert summary.excluded_by_reason == {"burst": 8, "repeat_visits": 4}
    reasons = set(db.scalars(select(Rating.reasons).where(Rating.device_hash == "stuffer")))
    assert any(";" in text for text in reasons)


def test_it_stores_the_adjusted_score_and_the_bias_audit(db: Session, office, clock: FakeClock) -> None:
    run(db, clock)
    run(db, clock)  # a second run replaces the audit, it does not add to it

    officer = db.scalars(select(OfficerResult)).one()
    assert officer.score_adjusted == pytest.approx(officer.score, abs=0.01)  # one counter, one channel
    rows = db.scalars(select(BiasAuditResult).order_by(BiasAuditResult.id)).all()
    assert [(r.dimension, r.group_name) for r in rows] == [
        ("gender", "female"), ("gender", "male"),
        ("age_band", "<30"), ("age_band", "30-39"), ("age_band", "40-49"), ("age_band", "50+"),
        ("channel", "poster"), ("channel", "kiosk"), ("channel", "ticket"),
    ]  # fmt: skip
    assert [r.officers for r in rows if r.dimension == "channel"] == [1, 0, 0]
    assert not any(r.flagged for r in rows)


def test_it_takes_the_skp_score_from_the_settings(
    db: Session, office, settings, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SKP_SCORE", "adjusted")

    assert main(["score", "--period", "2026-03"]) == 0

    assert "bias audit: nothing flagged" in capsys.readouterr().out
    db.expire_all()
    assert db.scalars(select(ScoringRun)).one().params["skp_score"] == "adjusted"
