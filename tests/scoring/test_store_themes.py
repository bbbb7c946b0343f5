"""Comment themes stored with each scoring run, on the real databases: per unit, from the comments of
ratings the run did not exclude, replaced with the run, kept when a run fails."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import main
from portal.kernel.models import SKM_ELEMENTS, Counter, Rating, Unit
from scoring.db.models import CommentTheme, RatingDecision, ScoringRun
from scoring.db.store import score_period
from scoring.params import ScoringParams
from scoring.periods import parse_period
from tests import factories
from tests.conftest import FakeClock

PERIOD = parse_period("2026-03")
MONDAY_9_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
AC = "Ruang tunggu panas, AC tidak menyala."
OTHERS = [
    "Pelayanan cepat dan ramah, terima kasih.",
    "Antrean terlalu panjang, mohon ditambah petugas.",
    "Mohon disediakan tempat parkir yang lebih luas.",
    "Prosesnya jelas, saya puas.",
]
STUFFED = "Petugas terbaik sedunia, luar biasa sekali"
_keys = itertools.count(1)


def add_rating(db: Session, counter: Counter, at: datetime, overall: int, device: str, comment: str | None):
    rating = Rating(
        submission_key=f"themes-{next(_keys)}",
        counter_id=counter.id,
        unit_id=counter.unit_id,
        attribution="none",
        channel="poster",
        submitted_at=at,
        overall=overall,
        **dict.fromkeys(SKM_ELEMENTS, overall),
        form_seconds=25.0,
        device_hash=device,
        network_hash="carrier",
        language="id",
        comment=comment,
    )
    db.add(rating)
    return rating


@pytest.fixture
def offices(db: Session) -> tuple[Unit, Unit]:
    """Unit A: the AC complaint five times, four other comments twice each, ratings without a comment,
    and one phone posting the same praise eight times in eight minutes (a burst the detector excludes).
    Unit B: two comments only."""
    unit_a, unit_b = factories.unit(db, "Dinas Alpha"), factories.unit(db, "Dinas Beta")
    counter_a, counter_b = factories.counter(db, unit_a, "Loket A"), factories.counter(db, unit_b, "Loket B")
    texts = [(AC, 1)] * 5 + [(text, 3) for text in OTHERS for _ in range(2)] + [(None, 3)] * 6
    for index, (text, overall) in enumerate(texts):
        day, hour = divmod(index, 4)
        add_rating(db, counter_a, MONDAY_9_WIB + timedelta(days=day, hours=hour), overall, f"a-{index}", text)
    for minute in range(8):
        add_rating(db, counter_a, MONDAY_9_WIB + timedelta(days=12, minutes=minute), 4, "stuffer", STUFFED)
    add_rating(db, counter_b, MONDAY_9_WIB, 2, "b-1", "Toilet kotor")
    add_rating(db, counter_b, MONDAY_9_WIB + timedelta(days=1), 3, "b-2", "Toilet kotor sekali")
    db.commit()
    return unit_a, unit_b


def run(db: Session, clock: FakeClock, **kwargs):
    return score_period(db, PERIOD, ScoringParams(), "Asia/Jakarta", clock, **kwargs)


def themes_of(db: Session, unit: Unit) -> list[CommentTheme]:
    db.expire_all()
    return list(
        db.scalars(select(CommentTheme).where(CommentTheme.unit_id == unit.id).order_by(CommentTheme.rank))
    )


def test_it_stores_the_themes_of_each_unit_when_a_period_is_scored(
    db: Session, offices, clock: FakeClock
) -> None:
    unit_a, unit_b = offices

    run(db, clock)

    themes = themes_of(db, unit_a)
    (run_id,) = db.scalars(select(ScoringRun.id)).all()
    assert {theme.run_id for theme in themes} == {run_id}
    assert [theme.rank for theme in themes] == list(range(1, len(themes) + 1))
    first = themes[0]
    assert first.label.startswith("ac tidak menyala") and "ac tidak menyala" in first.terms
    assert (first.n_comments, first.low_share, first.examples) == (5, 1.0, [AC])
    assert sum(theme.n_comments for theme in themes) == 5 + 2 * len(OTHERS)
    (other,) = themes_of(db, unit_b)  # two comments: too few for themes
    assert other.is_other and other.label == "" and other.n_comments == 2 and other.low_share == 0.5
    assert other.examples == ["Toilet kotor", "Toilet kotor sekali"]


def test_it_leaves_out_the_comments_of_excluded_ratings(db: Session, offices, clock: FakeClock) -> None:
    unit_a, _ = offices
    parking = db.scalars(select(Rating.id).where(Rating.comment == OTHERS[2])).all()
    db.add(RatingDecision(rating_id=parking[0], decision="exclude", note="a test visit", decided_at=clock()))
    db.commit()

    summary = run(db, clock)

    assert summary.excluded_by_reason == {"burst": 8, "manual": 1}
    themes = themes_of(db, unit_a)
    assert sum(theme.n_comments for theme in themes) == 5 + 2 * len(OTHERS) - 1
    shown = " ".join(example for theme in themes for example in theme.examples)
    assert "terbaik" not in shown and all("terbaik" not in theme.label for theme in themes)


def test_it_replaces_the_themes_with_the_run(db: Session, offices, clock: FakeClock) -> None:
    unit_a, _ = offices
    run(db, clock)
    before = [(theme.label, theme.n_comments) for theme in themes_of(db, unit_a)]
    ac_ids = db.scalars(select(Rating.id).where(Rating.comment == AC)).all()
    for rating_id in ac_ids:
        db.add(
            RatingDecision(rating_id=rating_id, decision="exclude", note="test visits", decided_at=clock())
        )
    db.commit()
    clock.advance(hours=1)

    run(db, clock)

    after = themes_of(db, unit_a)
    assert db.scalar(select(func.count(CommentTheme.id))) == len(after) + 1  # and unit B's one
    assert before[0][0].startswith("ac tidak menyala")
    assert all("ac" not in theme.terms for theme in after)
    assert sum(theme.n_comments for theme in after) == sum(count for _, count in before) - len(ac_ids)


def test_it_keeps_the_previous_themes_when_a_run_fails(db: Session, offices, clock: FakeClock) -> None:
    unit_a, _ = offices
    run(db, clock)
    before = [(theme.id, theme.label) for theme in themes_of(db, unit_a)]

    def crash() -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        run(db, clock, before_commit=crash)

    assert [(theme.id, theme.label) for theme in themes_of(db, unit_a)] == before


def test_it_stores_themes_when_scoring_from_the_command_line(
    db: Session, offices, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit_a, _ = offices
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)

    assert main(["score", "--period", "2026-03"]) == 0

    assert themes_of(db, unit_a)[0].examples == [AC]
