"""The staff pages read day rollups (portal.kernel.rollups) plus the ratings beyond them: every page
must show exactly what it shows when it reads the ratings alone, after a refresh, with ratings that
arrived since, after a reviewer's decision and after a new scoring run. Compared as whole pages through
the real app, with and without the rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel import rollups
from portal.kernel.db import make_sessionmaker
from portal.kernel.models import Rating
from portal.kernel.rollups import RatingRollup, RollupState
from portal.kernel.settings import Settings
from scoring.db.cli import scoring_params
from staff_admin.access import principal_for
from staff_admin.dashboard.filters import parse_filters
from staff_admin.dashboard.ratings import _conditions, browse, seek
from staff_admin.jobs.worker import ROLLUP_SECONDS, Worker
from staff_admin.models import User
from staff_admin.review.service import review_queue
from tests.conftest import FakeClock
from tests.staff_admin.conftest import CSRF_FIELD, World, signed_in
from tests.staff_admin.dashboard_world import MONDAY_9_WIB, Rated, add_rating, rate, score

ZONE = "Asia/Jakarta"


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    for index in range(130):  # enough for several pages of 50, over ten days
        at = MONDAY_9_WIB + timedelta(days=index % 10, minutes=index)
        add_rating(db, rated.counter_b, world.colleague, at, 1 + index % 4, f"more-{index}")
    db.commit()
    clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))  # March is over when it is scored
    score(db, settings, clock)
    return rated


OFFICER_PATHS = ["/admin/me/", "/admin/me/?month=2026-03", "/admin/me/?month=2026-02"]


def _paths(world: World, rated: Rated) -> list[str]:
    a, b = world.unit_a.id, world.unit_b.id
    return [
        "/admin/dashboard/?period=2026-03",
        f"/admin/dashboard/?period=2026-03&unit={a}",
        f"/admin/dashboard/?period=2026-03&unit={a}&counter={rated.counter_a.id}",
        f"/admin/dashboard/?period=2026-03&unit={b}",
        "/admin/ratings",
        "/admin/ratings?page=2",
        "/admin/ratings?page=4",
        "/admin/ratings?period=2026-03&page=3",
        f"/admin/ratings?unit={b}&page=2",
        f"/admin/ratings?counter={rated.counter_b.id}&overall=2",
        f"/admin/ratings?officer={world.officer.id}&excluded=yes",
        "/admin/ratings?excluded=no&page=2",
        "/admin/ratings?comment=yes",
        "/admin/ratings?comment=no&page=3",
        "/admin/ratings?channel=kiosk",
        "/admin/ratings?period=2026-02",
    ]


def _pages(client: TestClient, paths: list[str]) -> list[str]:
    pages = []
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, path
        pages.append(CSRF_FIELD.sub("", answer.text))
    return pages


def _live(db: Session, client: TestClient, paths: list[str]) -> list[str]:
    """The pages read from the ratings alone: the rollups set aside for the moment."""
    state = db.get(RollupState, rollups.STATE_ID)
    kept = (state.timezone, state.through_id)
    db.delete(state)
    db.commit()
    try:
        return _pages(client, paths)
    finally:
        db.add(RollupState(id=rollups.STATE_ID, timezone=kept[0], through_id=kept[1]))
        db.commit()


def _same(db: Session, client: TestClient, paths: list[str]) -> None:
    rolled = _pages(client, paths)
    for path, mine, live in zip(paths, rolled, _live(db, client, paths), strict=True):
        assert mine == live, path


def _rolled_total(db: Session) -> int:
    return db.scalar(select(func.coalesce(func.sum(RatingRollup.n), 0)))


def test_it_shows_what_the_ratings_alone_show(
    client: TestClient, db: Session, world: World, rated: Rated, clock: FakeClock
) -> None:
    rollups.refresh(db, ZONE, clock())
    db.commit()
    assert _rolled_total(db) == db.scalar(select(func.count()).select_from(Rating)) == 190

    signed_in(client, "hr")
    _same(db, client, _paths(world, rated))
    signed_in(client, "officer")
    _same(db, client, OFFICER_PATHS)


def test_it_counts_ratings_that_arrived_since_the_refresh(
    client: TestClient, db: Session, world: World, rated: Rated, clock: FakeClock
) -> None:
    rollups.refresh(db, ZONE, clock())
    db.commit()
    late = MONDAY_9_WIB + timedelta(days=3, hours=2)  # on a day the rollups hold already
    add_rating(db, rated.counter_a, world.officer, late, 1, "late-1", comment="antre lama")
    add_rating(db, rated.counter_b, world.colleague, late, 4, "late-2", channel="kiosk")
    db.commit()
    paths = _paths(world, rated)

    signed_in(client, "hr")
    _same(db, client, paths)
    assert "antre lama" in client.get("/admin/ratings?comment=yes").text

    assert rollups.refresh(db, ZONE, clock()) == 1  # the one day they fell on
    db.commit()
    assert _rolled_total(db) == 192
    _same(db, client, paths)
    signed_in(client, "officer")
    _same(db, client, OFFICER_PATHS)


def test_it_follows_a_reviewers_decision(
    client: TestClient, db: Session, world: World, rated: Rated, clock: FakeClock
) -> None:
    rollups.refresh(db, ZONE, clock())
    db.commit()
    flagged = db.scalars(select(Rating.id).where(Rating.excluded.is_(True)).order_by(Rating.id)).all()
    assert flagged
    signed_in(client, "hr")
    assert client.get("/admin/review/").status_code == 200  # numbers the incidents
    token = CSRF_FIELD.search(client.get("/admin/review/").text).group(1)
    answer = client.post(
        "/admin/review/decide",
        data={
            "rating_id": [str(i) for i in flagged],
            "action": "restore",
            "note": "Warga asli.",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert db.scalar(select(func.count()).where(Rating.excluded.is_(True))) == 0

    _same(db, client, _paths(world, rated))
    excluded = db.scalar(
        select(func.coalesce(func.sum(RatingRollup.n), 0)).where(RatingRollup.excluded.is_(True))
    )
    assert excluded == 0


def test_it_follows_a_new_scoring_run(
    client: TestClient, db: Session, world: World, rated: Rated, settings: Settings, clock: FakeClock
) -> None:
    rollups.refresh(db, ZONE, clock())
    db.commit()
    march_rows = RatingRollup.__table__.update().where(RatingRollup.day >= date(2026, 3, 1))
    db.execute(march_rows.values(n=0))  # wrong on purpose: the run recomputes March
    db.commit()
    add_rating(db, rated.counter_a, world.officer, MONDAY_9_WIB + timedelta(days=5), 2, "after")
    db.commit()
    clock.advance(minutes=5)

    score(db, settings, clock)

    march = db.scalar(
        select(func.sum(RatingRollup.n)).where(
            RatingRollup.day >= date(2026, 3, 1), RatingRollup.day < date(2026, 4, 1)
        )
    )
    assert march == db.scalar(
        select(func.count()).where(Rating.submitted_at >= datetime(2026, 2, 28, 17, tzinfo=UTC))
    )
    signed_in(client, "hr")
    _same(db, client, [p for p in _paths(world, rated) if "2026-02" not in p])


def test_it_rebuilds_for_another_time_zone(db: Session, world: World, rated: Rated, clock: FakeClock) -> None:
    rollups.refresh(db, ZONE, clock())
    db.commit()
    assert rollups.usable_through(db, "Asia/Makassar") == 0  # pages read the ratings meanwhile

    rollups.refresh(db, "Asia/Makassar", clock())
    db.commit()

    assert rollups.usable_through(db, "Asia/Makassar") == db.scalar(select(func.max(Rating.id)))
    assert _rolled_total(db) == 190


def test_it_leaves_the_newest_unsettled_ratings_to_the_next_refresh(
    db: Session, world: World, rated: Rated, clock: FakeClock
) -> None:
    add_rating(db, rated.counter_a, world.officer, clock() - timedelta(seconds=2), 4, "just-now")
    db.commit()

    rollups.refresh(db, ZONE, clock())
    db.commit()

    assert _rolled_total(db) == 190  # the one two seconds old may still have company committing


def test_it_seeks_the_day_that_holds_a_page() -> None:
    days = [(date(2026, 3, 10), 30), (date(2026, 3, 9), 0), (date(2026, 3, 8), 45), (date(2026, 3, 2), 5)]
    end_of = {day: rollups.day_bounds(day, ZONE)[1] for day, _ in days}

    assert seek(days, 0, ZONE) == (end_of[date(2026, 3, 10)], 0)
    assert seek(days, 29, ZONE) == (end_of[date(2026, 3, 10)], 29)
    assert seek(days, 30, ZONE) == (end_of[date(2026, 3, 8)], 0)
    assert seek(days, 76, ZONE) == (end_of[date(2026, 3, 2)], 1)
    assert seek(days, 80, ZONE) == (None, 0)


@pytest.mark.parametrize(
    "query", [{}, {"unit": "B"}, {"overall": "3"}, {"comment": "no"}, {"period": "2026-03"}]
)
def test_it_pages_as_offset_paging_does(
    db: Session, world: World, rated: Rated, clock: FakeClock, query: dict[str, str]
) -> None:
    rollups.refresh(db, ZONE, clock())
    db.commit()
    late = MONDAY_9_WIB + timedelta(days=4, minutes=7)  # beyond the rollups, inside a rolled day
    add_rating(db, rated.counter_b, world.colleague, late, 3, "late")
    db.commit()
    query = {k: str(world.unit_b.id) if v == "B" else v for k, v in query.items()}
    hr = principal_for(db, db.scalar(select(User).where(User.username == "hr")))
    filters, _ = parse_filters(query)
    conditions = _conditions(hr, filters, ZONE)
    expected = db.scalars(
        select(Rating.id).where(*conditions).order_by(Rating.submitted_at.desc(), Rating.id.desc())
    ).all()

    shown: list[int] = []
    for page in range(1, 6):
        found = browse(db, hr, {**query, "page": str(page)}, ZONE, "en")
        assert found.total == len(expected)
        if page <= found.pages:
            shown += [row.id for row in found.rows]

    assert shown == list(expected)


def test_it_is_refreshed_by_an_idle_worker_once_a_minute(
    db: Session, engine, settings: Settings, world: World, rated: Rated, clock: FakeClock
) -> None:
    worker = Worker(engine, make_sessionmaker(engine), settings, clock, name="w", log=lambda _line: None)

    worker.refresh_rollups()
    add_rating(db, rated.counter_a, world.officer, MONDAY_9_WIB, 3, "later")
    db.commit()
    worker.refresh_rollups()  # within the minute: nothing

    assert _rolled_total(db) == 190
    worker.rolled_at -= ROLLUP_SECONDS
    worker.refresh_rollups()
    assert _rolled_total(db) == 191


def test_the_review_queue_predicts_from_the_rollups_what_the_ratings_give(
    db: Session, world: World, rated: Rated, settings: Settings, clock: FakeClock
) -> None:
    """Every figure of a decision's effect (scores, intervals, categories, IKM) is the same from the
    rollups' sums and squares, with a rating that arrived since, as from the ratings alone."""
    rollups.refresh(db, ZONE, clock())
    db.commit()
    add_rating(db, rated.counter_a, world.officer, MONDAY_9_WIB + timedelta(days=2), 1, "late")
    db.commit()
    hr = principal_for(db, db.scalars(select(User).where(User.username == "hr")).one())

    def effects() -> list:
        page = review_queue(db, hr, "en", ZONE, clock(), scoring_params(settings))
        return [(incident.number, incident.effect) for incident in page.incidents]

    rolled = effects()
    assert any(effect.officer_now and effect.officer_now.low is not None for _, effect in rolled)
    state = db.get(RollupState, rollups.STATE_ID)
    kept = (state.timezone, state.through_id)
    db.delete(state)
    db.commit()
    assert effects() == rolled
    db.add(RollupState(id=rollups.STATE_ID, timezone=kept[0], through_id=kept[1]))
    db.commit()
