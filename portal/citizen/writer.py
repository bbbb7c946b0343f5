"""The writer of citizens' ratings: one thread per app process that gathers concurrent submissions
into batches for `intake.submit_ratings` (group commit), on database connections it keeps while it runs.

A POST waits for the commit of the batch that holds its rating, so a 303 still means "stored". Under
load many ratings share one transaction and one commit, and no request holds a worker thread or a
connection while it waits; with one citizen at a time a batch is one rating.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from portal.citizen.intake import Result, Submission, submit_ratings
from portal.citizen.service import CaseOpened, SubmitOutcome
from portal.kernel.security import FormSigner
from portal.kernel.settings import Settings


class BatchStore(Protocol):
    def __call__(self, batch: Sequence[Submission]) -> list[Result]:
        """Each submission's result, in order."""

    def release(self) -> None:
        """The writer thread ends: let go of what is kept between batches."""


class DatabaseStore:
    """`submit_ratings` on two connections kept from one batch to the next, instead of one taken
    from the pool, pinged, and given back for every batch (docs/performance.md):

    - the ratings' connection, with a session bound to it;
    - the flood counts' connection, in autocommit mode: a batch's count is one statement, committed
      alone, where a transaction of its own took four round trips. Its commit waits for the WAL
      flush like any other: `SET LOCAL synchronous_commit` needs a transaction, and a session-wide
      setting would stay with the server connection for its next user (the pool's, or PgBouncer's
      in transaction mode).

    Connections unused for `idle_seconds` go back to the pool before the next batch, so the pool's
    pre-ping checks them out afresh, as it did for every batch; after a database error they are
    closed. A lock keeps the writer thread that is ending (releasing) apart from the one that starts
    after it.
    """

    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker,
        settings: Settings,
        signer: FormSigner,
        idle_seconds: float = 1.0,
    ) -> None:
        self._engine, self._sessions = engine, sessions
        self._settings, self._signer = settings, signer
        self._idle_seconds = idle_seconds
        self._kept: tuple[Session, Connection, Connection] | None = None
        self._used_at = 0.0
        self._lock = threading.Lock()

    def __call__(self, batch: Sequence[Submission]) -> list[Result]:
        with self._lock:
            session, _, counting = self._connections()
            try:
                results = submit_ratings(session, self._settings, self._signer, batch, counting)
            except Exception:
                self._release()
                raise
            if any(isinstance(result, DBAPIError) for result in results):
                self._release()  # the connection itself may be what failed (a refusal is no error)
            self._used_at = time.monotonic()
            return results

    def release(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            session, ratings, counting = kept
            for close in (session.close, ratings.close, counting.close):
                with contextlib.suppress(Exception):  # a connection that is gone is closed already
                    close()

    def _connections(self) -> tuple[Session, Connection, Connection]:
        if time.monotonic() - self._used_at > self._idle_seconds:
            self._release()
        if self._kept is None:
            ratings = self._engine.connect()
            counting = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._kept = (self._sessions(bind=ratings), ratings, counting)
        return self._kept


class RatingIntake:
    """The app process's one writer of citizens' ratings: a thread that takes every submission waiting
    and stores them as one batch, then wakes each waiting request with its result.

    Started with the first submission; it ends after `idle_seconds` without one, or at `close()`
    after storing what is queued, and starts again with the next submission. The store is released
    whenever the thread ends.
    """

    def __init__(self, store: BatchStore, max_batch: int = 64, idle_seconds: float = 30.0) -> None:
        self._store = store
        self._max_batch = max_batch
        self._idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_database(
        cls, engine: Engine, sessions: sessionmaker, settings: Settings, signer: FormSigner
    ) -> RatingIntake:
        return cls(DatabaseStore(engine, sessions, settings, signer))

    async def submit(self, submission: Submission) -> SubmitOutcome | CaseOpened:
        """Waits until the submission's batch is committed; raises its refusal, if any."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(submission, loop, loop.create_future())
        with self._lock:
            self._queue.put(waiting)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rating-intake", daemon=True)
                self._thread.start()
        result = await waiting.future
        if isinstance(result, Exception):
            raise result
        return result

    def close(self) -> None:
        """Stores what is queued, then stops the thread (the app's shutdown)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self._store.release()

    def _serve(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:  # nothing can be queued while we decide to stop
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch, stop = [first], first is None
            while len(batch) < self._max_batch and not stop:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                stop = waiting is None
                batch.append(waiting)
            self._store_batch([w for w in batch if w is not None])
            if stop:
                return

    def _store_batch(self, batch: list[_Waiting]) -> None:
        if not batch:
            return
        try:
            results: list[Any] = self._store([w.submission for w in batch])
        except Exception as error:  # the requests answer 500 and the error is logged there
            results = [error] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any]]] = {}
        for waiting, result in zip(batch, results, strict=True):
            by_loop.setdefault(waiting.loop, []).append((waiting.future, result))
        for loop, answers in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_answer, answers)


@dataclass(frozen=True)
class _Waiting:
    submission: Submission
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future


def _answer(answers: list[tuple[asyncio.Future, Any]]) -> None:
    for future, result in answers:
        if not future.done():  # the request may have been cancelled (the citizen left)
            future.set_result(result)
