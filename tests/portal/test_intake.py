"""Group commit of citizens' ratings (portal.citizen.intake): a batch gives each submission what it would get
alone, and the writer gathers what waits into one batch while each request waits for its commit."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.citizen.flood import submit_flood_key
from portal.citizen.followup import ComplaintCase
from portal.citizen.forms import parse_rating_form
from portal.citizen.intake import Submission, submit_ratings
from portal.citizen.service import (
    CaseOpened,
    Citizen,
    Flooded,
    FormExpired,
    SubmitOutcome,
    UnknownCounter,
)
from portal.citizen.writer import DatabaseStore, RatingIntake
from portal.kernel.db import make_sessionmaker
from portal.kernel.models import RateLimitHit, Rating
from portal.kernel.security import FormSigner
from tests import factories
from tests.conftest import FakeClock


def _submission(settings, token, form_token, clock, phone="p1", network="198.51.100.7", **fields):
    form = {"form_token": form_token, "overall": "4", **fields}
    citizen = Citizen(device_token=phone, address=network, language="id")
    return Submission.hashed(settings.secret_key, token, parse_rating_form(form), citizen, clock())


def _rater(settings, signer, counter, clock):
    """Submissions of forms shown at the counter `seconds_ago` (30 by default)."""

    def rating(phone, seconds_ago=30.0, **fields):
        form = signer.sign(counter.id, clock().timestamp() - seconds_ago)
        return _submission(settings, counter.public_token, form, clock, phone=phone, **fields)

    return rating


def _committed_counter(engine) -> tuple[int, str]:
    """A counter made in a session of its own, for tests whose batches race on other connections."""
    with make_sessionmaker(engine)() as session:
        counter = factories.counter(session, factories.unit(session))
        return counter.id, counter.public_token


def test_it_gives_each_submission_of_a_batch_what_it_would_get_alone(
    db: Session, engine, settings, clock: FakeClock
) -> None:
    unit = factories.unit(db)
    counter = factories.counter(db, unit, "Loket 1")
    officer = factories.employee(db, unit)
    factories.shift(db, officer, counter, clock() - timedelta(hours=1), clock() + timedelta(hours=1))
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    token, sign = counter.public_token, lambda: signer.sign(counter.id, clock().timestamp() - 30)
    twice = sign()
    batch = [
        _submission(settings, token, twice, clock, phone="a"),
        _submission(settings, token, twice, clock, phone="a"),  # the same form again: stored once
        _submission(settings, token, sign(), clock, phone="b", comment="Lama sekali", overall="1"),
        _submission(settings, token, "forged", clock, phone="c"),
        _submission(settings, "no-such-counter", sign(), clock, phone="d"),
        _submission(settings, token, sign(), clock, phone="e", website="http://spam"),
    ]
    store = DatabaseStore(engine, make_sessionmaker(engine), settings, signer)  # the writer's own

    results = store(batch)
    store.release()

    # the low rating with a comment opened a complaint case: its number goes to the thank-you page
    assert results[:2] == [SubmitOutcome.STORED, SubmitOutcome.DUPLICATE]
    assert results[2] == CaseOpened(db.scalars(select(ComplaintCase.id)).one())
    assert isinstance(results[3], FormExpired) and isinstance(results[4], UnknownCounter)
    assert results[5] is SubmitOutcome.IGNORED
    stored = db.scalars(select(Rating).order_by(Rating.id)).all()
    assert [(r.employee_id, r.attribution, r.overall) for r in stored] == [
        (officer.id, "roster", 4),
        (officer.id, "roster", 1),
    ]
    # the low rating with a comment opened its case, on the right rating
    assert db.scalar(select(ComplaintCase.rating_id)) == stored[1].id
    # every POST counted against the network, refused or not
    assert db.scalar(select(RateLimitHit.hits)) == len(batch)


def test_it_stores_each_field_of_a_batch_as_given(db: Session, engine, settings, clock: FakeClock) -> None:
    counter = factories.counter(db, factories.unit(db))
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    awkward = 'Tab\there, "quoted", back\\slash \\N, new\nline, Ngantri lama 🙂'
    answers = {f"u{i}": str(1 + i % 4) for i in range(1, 10)}
    rating = _rater(settings, signer, counter, clock)
    batch = [rating("a", 42.5, comment=awkward, **answers), rating("b", 7, overall="2")]
    store = DatabaseStore(engine, make_sessionmaker(engine), settings, signer)

    assert store(batch) == [SubmitOutcome.STORED] * 2
    store.release()

    first, second = db.scalars(select(Rating).order_by(Rating.id)).all()
    assert first.comment == batch[0].rating.comment == awkward.replace("\t", "")  # the form drops tabs
    assert (first.overall, first.form_seconds) == (4, 42.5)
    assert [getattr(first, f"u{i}") for i in range(1, 10)] == [1 + i % 4 for i in range(1, 10)]
    assert first.submitted_at == clock() and first.submitted_at.tzinfo is UTC
    assert (first.channel, first.attribution, first.excluded, first.reasons) == ("poster", "none", False, "")
    assert (first.device_hash, first.network_hash) == (batch[0].device, batch[0].network)
    assert (second.comment, second.overall, second.u1, second.form_seconds) == (None, 2, None, 7.0)


def test_it_throttles_a_device_rating_the_same_counter_twice_in_one_batch(
    db: Session, engine, settings, clock: FakeClock
) -> None:
    counter = factories.counter(db, factories.unit(db))
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    forms = [signer.sign(counter.id, clock().timestamp() - 30) for _ in range(3)]
    batch = [
        _submission(settings, counter.public_token, forms[0], clock, phone="same"),
        _submission(settings, counter.public_token, forms[1], clock, phone="same"),
        _submission(settings, counter.public_token, forms[2], clock, phone="other"),
    ]

    with make_sessionmaker(engine)() as session:
        results = submit_ratings(session, settings.with_(device_throttle_seconds=600), signer, batch)

    assert results == [SubmitOutcome.STORED, SubmitOutcome.THROTTLED, SubmitOutcome.STORED]
    assert db.scalar(select(func.count(Rating.id))) == 2


def test_it_refuses_the_posts_of_a_batch_beyond_the_network_limit_in_arrival_order(
    db: Session, engine, settings, clock: FakeClock
) -> None:
    counter = factories.counter(db, factories.unit(db))
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    form = lambda: signer.sign(counter.id, clock().timestamp() - 30)  # noqa: E731
    batch = [_submission(settings, counter.public_token, form(), clock, phone=str(i)) for i in range(5)]

    with make_sessionmaker(engine)() as session:
        results = submit_ratings(session, settings.with_(submit_flood_limit_per_minute=3), signer, batch)

    assert results[:3] == [SubmitOutcome.STORED] * 3
    assert all(isinstance(r, Flooded) for r in results[3:])
    assert db.scalar(select(func.count(Rating.id))) == 3


@pytest.mark.parametrize("earlier", [1, 121], ids=["the window before", "three windows before"])
def test_it_counts_batches_from_two_processes_without_deadlock_across_a_minute_boundary(
    engine, settings, clock: FakeClock, earlier: int
) -> None:
    """Adding to a new window deletes old ones: two batches each holding two windows' rows once
    deadlocked on PostgreSQL. Every batch now takes its windows' rows in one order (the two threads
    list them in opposite orders), so they wait for each other instead."""
    counter_id, token = _committed_counter(engine)
    settings = settings.with_(submit_flood_limit_per_minute=10**6)  # one network sends them all
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    boundary = (int(clock().timestamp()) // 60 + 1) * 60
    before, after = (FakeClock(datetime.fromtimestamp(boundary + d, UTC)) for d in (-earlier, 1))
    errors: list[BaseException] = []

    def batch(order: list[FakeClock], rounds: int, start: threading.Barrier) -> None:
        with make_sessionmaker(engine)() as session:
            for _ in range(rounds):
                start.wait()
                forms = [(signer.sign(counter_id, c().timestamp() - 5), c) for c in order]
                subs = [_submission(settings, token, f, c, phone=f) for f, c in forms]
                try:
                    submit_ratings(session, settings, signer, subs)
                except Exception as error:
                    errors.append(error)
                    session.rollback()

    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=batch, args=([after, before], 15, start)),
        threading.Thread(target=batch, args=([before, after], 15, start)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count(Rating.id))) == 60


# SQLite has one writer at a time: there is no deadlock to break there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_it_counts_a_batch_window_by_window_when_the_database_breaks_a_deadlock(
    engine, settings, clock: FakeClock
) -> None:
    counter_id, token = _committed_counter(engine)
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    ours = _submission(settings, token, signer.sign(counter_id, clock().timestamp() - 5), clock)
    key, window = submit_flood_key(ours.network), int(clock().timestamp()) // 60
    add = text(
        "INSERT INTO rate_limit_hits (key, window_start, hits) VALUES (:key, :window, 1) "
        "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1"
    )
    with engine.begin() as connection:  # a window counted three minutes ago
        connection.execute(add, {"key": key, "window": window - 3})
    results: list = []
    other_counted = threading.Event()
    with engine.connect() as other:  # another process's batch, holding a rating queued for minutes
        other.execute(text("SET deadlock_timeout = '10s'"))  # the database breaks it in our batch
        other.execute(add, {"key": key, "window": window - 3})
        writer = threading.Thread(
            target=lambda: results.extend(
                submit_ratings(make_sessionmaker(engine)(), settings, signer, [ours])
            )
        )

        # Ours, broken, counts again once `other` has its row, as on a quiet server: both wake when
        # ours aborts, and if ours won that race on a busy machine it would deadlock a second time.
        @event.listens_for(engine, "rollback")
        def broken(_connection) -> None:
            if threading.current_thread() is writer:
                other_counted.wait(10)

        writer.start()  # adds the new window, then waits to delete the old one, which `other` holds
        # A wait for `other`: pg_locks spans the server, and other tests' sessions wait there too.
        waiting = text(
            "SELECT count(*) FROM pg_locks"
            " WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        deadline = time.monotonic() + 10
        while not other.execute(waiting).scalar_one():
            assert time.monotonic() < deadline, "our batch never waited for the old window"
            time.sleep(0.01)
        other.execute(add, {"key": key, "window": window})  # waits for ours: a deadlock, ours broken
        other_counted.set()
        other.commit()
        writer.join(10)

    assert results == [SubmitOutcome.STORED]
    with make_sessionmaker(engine)() as session:
        hits = dict(session.execute(select(RateLimitHit.window_start, RateLimitHit.hits)).all())
    assert hits == {window - 3: 2, window: 2}  # every post counted once, the deadlock's included


def test_it_stores_a_form_once_when_two_processes_batches_race_with_it(
    engine, settings, clock: FakeClock
) -> None:
    counter_id, token = _committed_counter(engine)
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    sign = lambda: signer.sign(counter_id, clock().timestamp() - 30)  # noqa: E731
    shared = sign()
    start, outcomes = threading.Barrier(2), []

    def process(phone: str) -> None:
        batch = [_submission(settings, token, shared, clock, phone="shared")]
        batch.append(_submission(settings, token, sign(), clock, phone=phone))
        with make_sessionmaker(engine)() as session:
            start.wait()
            outcomes.append(submit_ratings(session, settings, signer, batch))

    racers = [threading.Thread(target=process, args=(phone,)) for phone in ("a", "b")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert sorted(o[0].value for o in outcomes) == ["duplicate", "stored"]
    assert [o[1] for o in outcomes] == [SubmitOutcome.STORED] * 2
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count(Rating.id))) == 3


def test_it_fails_only_the_submission_whose_storing_fails(
    db: Session, engine, settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = factories.counter(db, factories.unit(db))
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    form = lambda: signer.sign(counter.id, clock().timestamp() - 30)  # noqa: E731
    batch = [
        _submission(settings, counter.public_token, form(), clock, phone="a"),
        _submission(settings, counter.public_token, form(), clock, phone="b", comment="boom", overall="1"),
        _submission(settings, counter.public_token, form(), clock, phone="c"),
    ]

    def broken_case(*_args, **_kwargs):
        raise RuntimeError("case table unavailable")

    monkeypatch.setattr("portal.citizen.intake.open_case_if_needed", broken_case)
    with make_sessionmaker(engine)() as session:
        results = submit_ratings(session, settings, signer, batch)

    assert results[0] is SubmitOutcome.STORED and results[2] is SubmitOutcome.STORED
    assert isinstance(results[1], RuntimeError)
    assert db.scalar(select(func.count(Rating.id))) == 2


# --- the writer's store: connections kept between batches ---------------------------------------


def test_it_keeps_the_writers_connections_between_batches_and_lets_go_when_released(
    db: Session, engine, settings, clock: FakeClock
) -> None:
    counter = factories.counter(db, factories.unit(db))
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    rating = _rater(settings, signer, counter, clock)
    store = DatabaseStore(engine, make_sessionmaker(engine), settings, signer)
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))

    assert store([rating("a")]) == [SubmitOutcome.STORED]
    assert engine.pool.checkedout() == 2  # the ratings' connection and the counts'
    connections = len(opened)
    forged = _submission(settings, counter.public_token, "forged", clock, phone="d")
    results = store([rating("b"), forged, rating("c")])
    assert results[0] is results[2] is SubmitOutcome.STORED and isinstance(results[1], FormExpired)
    assert len(opened) == connections  # the same connections: a refusal is no reason to drop them
    assert engine.pool.checkedout() == 2
    store.release()

    assert engine.pool.checkedout() == 0
    assert db.scalar(select(func.count(Rating.id))) == 3
    assert db.scalar(select(RateLimitHit.hits)) == 4  # each post counted, committed


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_it_opens_new_connections_when_the_database_dropped_the_writers(
    db: Session, engine, settings, clock: FakeClock
) -> None:
    counter = factories.counter(db, factories.unit(db))
    db.commit()
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    rating = _rater(settings, signer, counter, clock)
    sessions = make_sessionmaker(engine)
    idle_store = DatabaseStore(engine, sessions, settings, signer, idle_seconds=0)
    busy_store = DatabaseStore(engine, sessions, settings, signer, idle_seconds=3600)
    assert idle_store([rating("a")]) == busy_store([rating("b")]) == [SubmitOutcome.STORED]

    with engine.connect() as admin:  # as a database restart would
        admin.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    db.rollback()  # this session's connection went too

    # unused for a while: back to the pool, whose pre-ping finds them gone and connects afresh
    assert idle_store([rating("c")]) == [SubmitOutcome.STORED]
    # in use: the batch fails (its requests answer 500), the next one gets new connections
    with pytest.raises(OperationalError):
        busy_store([rating("d")])
    assert busy_store([rating("e")]) == [SubmitOutcome.STORED]
    idle_store.release()
    busy_store.release()
    assert db.scalar(select(func.count(Rating.id))) == 4


# --- the writer thread, with a store that records its batches (no database needed) ---------------


class RecordingStore:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.releases = 0  # times the writer thread ended and let go of the store
        self.go = threading.Event()
        self.go.set()
        self.storing = threading.Event()  # the writer has taken a batch and is storing it

    def release(self) -> None:
        self.releases += 1

    def __call__(self, batch):
        self.storing.set()
        self.go.wait(5)
        self.batches.append([s.token for s in batch])
        return [ValueError(s.token) if s.token == "bad" else SubmitOutcome.STORED for s in batch]


def _bare(token: str) -> Submission:
    return Submission(token, parse_rating_form({"form_token": "x", "overall": "3"}), None, None, None, "id")  # type: ignore[arg-type]


def test_it_stores_what_waits_as_one_batch_and_answers_each_request() -> None:
    store = RecordingStore()
    intake = RatingIntake(store)

    async def citizens() -> list[object]:
        store.go.clear()  # the writer holds the first rating while nine more arrive
        first = asyncio.ensure_future(intake.submit(_bare("t0")))
        assert await asyncio.to_thread(store.storing.wait, 5)  # the writer holds the first one
        rest = [
            asyncio.ensure_future(intake.submit(_bare(t))) for t in [f"t{i}" for i in range(1, 9)] + ["bad"]
        ]
        await asyncio.sleep(0)  # each submission runs up to its wait: all nine are queued
        assert intake._queue.qsize() == 9
        store.go.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    results = asyncio.run(citizens())
    intake.close()

    assert store.batches == [["t0"], [f"t{i}" for i in range(1, 9)] + ["bad"]]
    assert results[:9] == [SubmitOutcome.STORED] * 9
    assert isinstance(results[9], ValueError)  # a refusal is raised in the request that made it


def test_it_stores_what_is_queued_when_it_closes_and_starts_again_after() -> None:
    store = RecordingStore()
    intake = RatingIntake(store, idle_seconds=0.05)

    async def scenario() -> None:
        assert await intake.submit(_bare("a")) is SubmitOutcome.STORED
        writer = intake._thread  # idle: the thread ends, and starts again with the next rating
        await asyncio.to_thread(writer.join, 5)
        assert not writer.is_alive() and intake._thread is None
        assert store.releases == 1
        store.go.clear()
        queued = [asyncio.ensure_future(intake.submit(_bare(t))) for t in ("b", "c")]
        await asyncio.sleep(0)  # both submissions run up to their wait: both are queued
        closing = asyncio.get_running_loop().run_in_executor(None, intake.close)
        store.go.set()
        await closing  # the app's shutdown: what was queued is stored before it returns
        assert all(future.done() for future in queued)  # answered before close() returned
        assert store.releases == 2
        assert await asyncio.gather(*queued) == [SubmitOutcome.STORED] * 2
        assert await intake.submit(_bare("d")) is SubmitOutcome.STORED  # a restarted app goes on

    asyncio.run(scenario())
    intake.close()
    assert [t for batch in store.batches for t in batch] == ["a", "b", "c", "d"]
