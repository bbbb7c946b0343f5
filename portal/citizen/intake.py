"""Storing citizens' ratings: the rules of one submission, applied to a batch in one transaction. The
writer thread that gathers concurrent submissions into such batches is portal.citizen.writer.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import psycopg
from sqlalchemy import Connection, Dialect, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from portal.citizen.duty import CounterOnDuty, counters_on_duty
from portal.citizen.flood import (
    SUBMIT_WINDOW_SECONDS,
    add_many_hits,
    counts_without_flush_wait,
    one_at_a_time,
    submit_flood_key,
)
from portal.citizen.followup import case_needed, open_case_if_needed
from portal.citizen.forms import RatingInput
from portal.citizen.rating_row import rating_row, seconds_on_form
from portal.citizen.service import (
    CaseOpened,
    Citizen,
    Flooded,
    FormExpired,
    SubmitOutcome,
    UnknownCounter,
)
from portal.kernel.models import Rating
from portal.kernel.security import FormSigner, FormStamp, FormStampError, device_hash, network_hash
from portal.kernel.settings import Settings


@dataclass(frozen=True)
class Submission:
    """A rating form posted to a counter's page, as the handler parsed it. The sender is known by
    keyed hashes only: the raw cookie and address go no further than the handler."""

    token: str
    rating: RatingInput
    now: datetime
    device: str | None
    network: str | None
    language: str

    @classmethod
    def hashed(
        cls, secret_key: str, token: str, rating: RatingInput, citizen: Citizen, now: datetime
    ) -> Submission:
        device = device_hash(secret_key, citizen.device_token)
        network = network_hash(secret_key, citizen.address)
        return cls(token, rating, now, device, network, citizen.language)


# What a submission comes to: an outcome, or the refusal (UnknownCounter, FormExpired, Flooded) the
# handler turns into a page; in a batch, also an unexpected error that failed this submission alone.
Result = SubmitOutcome | CaseOpened | Exception


@dataclass(frozen=True)
class StoredRating:
    """What a follow-up case needs of a rating stored by a Core insert."""

    id: int
    unit_id: int
    overall: int
    comment: str | None


_RATINGS = Rating.__table__
_INSERT_RATING = _RATINGS.insert()
_RATING_BY_KEY = select(_RATINGS.c.id).where(_RATINGS.c.submission_key == bindparam("key"))
_STORED_KEYS = select(_RATINGS.c.submission_key).where(
    _RATINGS.c.submission_key.in_(bindparam("keys", expanding=True))
)
_RECENT_FROM_DEVICE = (
    select(_RATINGS.c.id)
    .where(
        _RATINGS.c.counter_id == bindparam("counter_id"),
        _RATINGS.c.device_hash == bindparam("device"),
        _RATINGS.c.submitted_at >= bindparam("since"),
    )
    .limit(1)
)


def submit_rating(
    session: Session,
    settings: Settings,
    signer: FormSigner,
    now: datetime,
    token: str,
    rating: RatingInput,
    citizen: Citizen,
) -> SubmitOutcome:
    """One submission on its own; raises what `submit_ratings` would return as a refusal."""
    submission = Submission.hashed(settings.secret_key, token, rating, citizen, now)
    (result,) = submit_ratings(session, settings, signer, [submission])
    if isinstance(result, Exception):
        raise result
    return result


def submit_ratings(
    session: Session,
    settings: Settings,
    signer: FormSigner,
    submissions: Sequence[Submission],
    counting: Connection | None = None,
) -> list[Result]:
    """Each submission's result, in order, as if each had been submitted alone: every POST counts
    against its network's flood limit, committed at once (on `counting`, a connection in autocommit
    mode, or else in a short transaction of the session's), then the ratings are checked and stored
    in one transaction. If that transaction fails (the same form raced in through another process, or
    anything unexpected), each rating is tried again alone, so one bad apple fails alone."""
    flooded = _count_posts(session if counting is None else counting, settings, submissions)
    if len(submissions) > 1:
        try:
            return _store(session, settings, signer, submissions, flooded)
        except Exception:
            session.rollback()
    results: list[Result] = []
    for submission, over_limit in zip(submissions, flooded, strict=True):
        try:
            results.extend(_store(session, settings, signer, [submission], [over_limit]))
        except Exception as error:
            session.rollback()
            if isinstance(error, IntegrityError) and _stored_already(session, signer, submission):
                results.append(SubmitOutcome.DUPLICATE)  # the same form raced in on another connection
            elif len(submissions) == 1:
                raise
            else:
                results.append(error)  # anything else is a bug: it fails this rating alone
    return results


def _stored_already(session: Session, signer: FormSigner, submission: Submission) -> bool:
    stamp = _stamp(signer, submission)
    return stamp is not None and session.scalar(_RATING_BY_KEY, {"key": stamp.nonce}) is not None


def _add_counts(
    where: Session | Connection, counts: Sequence[tuple[tuple[str, int], int]]
) -> dict[tuple[str, int], int]:
    """Adds each (key, window)'s hits and commits; the number of each one's first hit."""
    if isinstance(where, Session):  # a transaction of its own (autocommit has none to set)
        counts_without_flush_wait(where)
    totals = add_many_hits(where, counts)
    where.commit()
    return {key: totals[key] - hits + 1 for key, hits in counts}


def _count_posts(
    where: Session | Connection, settings: Settings, submissions: Sequence[Submission]
) -> list[bool]:
    """Counts every POST against its network's one-minute window, shared by every app process, and
    commits; True where the POST is over its network's limit."""
    keys = [
        (submit_flood_key(s.network), int(s.now.timestamp()) // SUBMIT_WINDOW_SECONDS) for s in submissions
    ]
    counts = sorted(collections.Counter(keys).items())
    try:
        # One statement for the batch (a citizen per network would be a commit per rating
        # otherwise). Every process takes the rows in the same order and a new window deletes only
        # windows older than the one before it (add_many_hits), so batches wait for each other...
        next_number = _add_counts(where, counts)
    except OperationalError:
        # ...unless one still counts a window two or more behind (a rating queued that long): the
        # database broke a deadlock. Then one window at a time, each in a short transaction of its own.
        where.rollback()
        next_number = {}
        for count in counts:
            next_number |= _add_counts(where, [count])
    flooded = []
    for key in keys:
        flooded.append(next_number[key] > settings.submit_flood_limit_per_minute)
        next_number[key] += 1
    return flooded


@dataclass
class _Checked:
    """A submission that passed the door: its signed form, its counter as it was when the form was
    shown (the officer the citizen saw)."""

    index: int
    submission: Submission
    stamp: FormStamp
    counter: CounterOnDuty


def _store(
    session: Session,
    settings: Settings,
    signer: FormSigner,
    submissions: Sequence[Submission],
    flooded: Sequence[bool],
) -> list[Result]:
    results: list[Result | None] = [None] * len(submissions)
    stamps = [_stamp(signer, submission) for submission in submissions]
    # Attributed to whoever was on duty when the form was shown: the officer the citizen saw.
    shown = [
        (s.token, datetime.fromtimestamp(stamp.rendered_at, UTC) if stamp else s.now)
        for s, stamp in zip(submissions, stamps, strict=True)
    ]
    counters = counters_on_duty(session, shown)
    checked: list[_Checked] = []
    for index, facts in enumerate(zip(submissions, stamps, counters, flooded, strict=True)):
        outcome = _check(*facts)
        if isinstance(outcome, _Checked):
            outcome.index = index
            checked.append(outcome)
        else:
            results[index] = outcome

    throttle = timedelta(seconds=settings.device_throttle_seconds)
    if throttle:  # a device's other posts at this counter wait, so the checks below see them
        for lock in sorted({f"{c.counter.id}:{c.submission.device}" for c in checked if c.submission.device}):
            one_at_a_time(session, "device", lock)
    nonces = [c.stamp.nonce for c in checked]
    seen = set(session.scalars(_STORED_KEYS, {"keys": nonces}).all()) if nonces else set()
    rated_here: set[tuple[int, str]] = set()  # (counter, device) stored in this batch
    to_store: list[_Checked] = []
    for c in checked:
        if c.stamp.nonce in seen:
            results[c.index] = SubmitOutcome.DUPLICATE
            continue
        seen.add(c.stamp.nonce)
        device = c.submission.device
        if throttle and device:
            since = c.submission.now - throttle
            recent = {"counter_id": c.counter.id, "device": device, "since": since}
            if (c.counter.id, device) in rated_here or session.scalar(_RECENT_FROM_DEVICE, recent):
                results[c.index] = SubmitOutcome.THROTTLED
                continue
            rated_here.add((c.counter.id, device))
        to_store.append(c)

    plain: list[_Checked] = []
    with_case: list[_Checked] = []
    for c in to_store:
        (with_case if case_needed(c.submission.rating) else plain).append(c)
    if plain:
        _insert_many(session, [_values(c) for c in plain])
    for c in plain:
        results[c.index] = SubmitOutcome.STORED
    for c in with_case:  # a case refers to its rating: inserted alone for the id
        rating_id = session.execute(_INSERT_RATING, _values(c)).inserted_primary_key[0]
        given = c.submission.rating
        stored = StoredRating(rating_id, c.counter.unit_id, given.overall, given.comment)
        case = open_case_if_needed(session, settings, stored, given, c.submission.now)
        assert case is not None  # case_needed said so
        session.flush()  # the case's number, for the thank-you page
        results[c.index] = CaseOpened(case.id)
    session.commit()
    assert all(result is not None for result in results)
    return results  # type: ignore[return-value]


def _insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Ratings in one statement: PostgreSQL's bulk load (COPY), which takes the writer less CPU than an
    executemany of INSERTs (bench/writer_batches.py, docs/performance.md); an executemany elsewhere.
    Errors are SQLAlchemy's either way (a repeated form is an IntegrityError)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(_INSERT_RATING, rows)
        return
    statement, columns = _copy_plan(connection.dialect)
    cursor = connection.connection.driver_connection.cursor()  # the session's, in its transaction
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([bind(row.get(name, default)) for name, default, bind in columns])
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error, hide_parameters=True) from error


@cache
def _copy_plan(dialect: Dialect) -> tuple[str, list[tuple[str, Any, Callable[[Any], Any]]]]:
    """COPY's statement and, per column, its name, its default and the conversion SQLAlchemy would
    apply: what an INSERT of the same row through SQLAlchemy stores."""
    columns = []
    for column in _RATINGS.columns:
        if column.primary_key:
            continue
        if column.server_default is not None or (column.default is not None and not column.default.is_scalar):
            raise TypeError(f"ratings.{column.name}: a default COPY cannot apply")  # revisit _insert_many
        processor = column.type.bind_processor(dialect) or _as_is
        columns.append((column.name, column.default.arg if column.default is not None else None, processor))
    names = ", ".join(name for name, _, _ in columns)
    return f"COPY {_RATINGS.name} ({names}) FROM STDIN", columns


def _as_is(value: Any) -> Any:
    return value


def _stamp(signer: FormSigner, submission: Submission) -> FormStamp | None:
    try:
        return signer.verify(submission.rating.form_token, submission.now.timestamp())
    except FormStampError:
        return None


def _check(
    submission: Submission, stamp: FormStamp | None, counter: CounterOnDuty | None, over_limit: bool
) -> _Checked | Result:
    if over_limit:
        return Flooded()
    if counter is None:  # an unknown counter is a 404 before a bad form is anything
        return UnknownCounter(submission.token)
    if stamp is None:
        return FormExpired()
    if stamp.counter_id != counter.id or (stamp.proof is not None and not stamp.proof.startswith("k:")):
        return FormExpired()  # another counter's form, or a ticket's form posted to the counter page
    if submission.rating.honeypot_filled:
        return SubmitOutcome.IGNORED
    return _Checked(index=-1, submission=submission, stamp=stamp, counter=counter)


def _values(c: _Checked) -> dict[str, Any]:
    submission, counter, rating = c.submission, c.counter, c.submission.rating
    return rating_row(
        key=c.stamp.nonce,
        counter=counter,
        unit_id=counter.unit_id,
        employee_id=counter.officer_id,
        attribution="roster",
        channel="kiosk" if c.stamp.proof else "poster",
        at=submission.now,
        overall=rating.overall,
        answers=rating.answers,
        comment=rating.comment,
        profile=rating.profile,
        form_seconds=seconds_on_form(c.stamp.rendered_at, submission.now),
        device=submission.device,
        network=submission.network,
        language=submission.language,
    )
