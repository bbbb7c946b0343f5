"""Counters and locks shared by every app process, in the database: fixed-window hit counts (citizen
flood control, kiosk forms per code, API and sign-in limits), the day counts of proofs turned away at
the door, and a lock that makes a check-then-write run one at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, TextClause, delete, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.kernel.models import RateLimitHit, RejectedProof


def _upsert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# Plain SQL that SQLite and PostgreSQL both speak: SQLAlchemy cannot cache the compiled form of a
# dialect upsert with RETURNING, and this statement runs for every batch of submissions. Rows are
# taken in the order of VALUES.
@lru_cache(maxsize=128)
def _add_hits_statement(rows: int) -> TextClause:
    values = ", ".join(f"(:key{i}, :window{i}, :n{i})" for i in range(rows))
    return text(
        f"INSERT INTO rate_limit_hits (key, window_start, hits) VALUES {values} "  # noqa: S608 (only placeholders)
        "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + excluded.hits "
        "RETURNING key, window_start, hits"
    )


_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit = off")


def counts_without_flush_wait(session: Session) -> None:
    """For a transaction that only counts hits: on PostgreSQL its commit does not wait for the WAL
    flush. A count lost in a crash is harmless; not waiting shortens how long a window's row stays
    locked for everyone behind the same network (a carrier's NAT)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NO_FLUSH_WAIT)


def add_hits(session: Session, key: str, window: int, hits: int = 1) -> int:
    """Adds `hits` to `key`'s count in fixed window number `window` (shared by every app process;
    the caller commits). Returns the count so far in that window."""
    return add_many_hits(session, [((key, window), hits)])[key, window]


def add_many_hits(
    session: Session | Connection, counts: Sequence[tuple[tuple[str, int], int]]
) -> dict[tuple[str, int], int]:
    """`add_hits` for many distinct (key, window)s in one statement, their rows taken in the given
    order. Returns each one's count so far in its window."""
    params: dict[str, object] = {}
    for i, ((key, window), hits) in enumerate(counts):
        params |= {f"key{i}": key, f"window{i}": window, f"n{i}": hits}
    totals = {
        (row.key, row.window_start): row.hits
        for row in session.execute(_add_hits_statement(len(counts)), params)
    }
    # The first hits of a new window forget the key's old windows, but the previous one, which
    # another process may still be counting in a transaction that began there: deleting its row
    # would wait for that one (and could deadlock with it).
    new_windows: dict[int, list[str]] = {}
    for (key, window), hits in counts:
        if totals[key, window] == hits:
            new_windows.setdefault(window, []).append(key)
    for window, keys in new_windows.items():
        session.execute(
            delete(RateLimitHit).where(RateLimitHit.key.in_(keys), RateLimitHit.window_start < window - 1)
        )
    return totals


def count_hit(session: Session, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
    """Counts one hit against `key`'s fixed window, shared by every app process; commits. Returns
    (hits so far in this window, seconds until the window ends)."""
    window = int(now.timestamp()) // window_seconds
    counts_without_flush_wait(session)
    hits = add_hits(session, key, window)
    session.commit()
    retry_after = (window + 1) * window_seconds - int(now.timestamp())
    return hits, max(1, retry_after)


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:key AS bigint))")
# A statement that changes nothing but starts SQLite's write transaction, which holds the one write lock.
_SQLITE_WRITE_LOCK = text("DELETE FROM rate_limit_hits WHERE 0")


def one_at_a_time(session: Session, purpose: str, key: str) -> None:
    """Until the session's transaction ends, other transactions calling this with the same purpose and
    key wait here, in any app process: a check-then-write after it cannot race (ten forms posted at
    once by one device, ten password guesses at once). PostgreSQL: a transaction-level advisory lock;
    SQLite: the database's write lock (writers queue for it anyway). End the transaction soon."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"{purpose}:{key}".encode()).digest()
        session.execute(_ADVISORY_LOCK, {"key": int.from_bytes(digest[:8], "big", signed=True)})
    else:
        session.execute(_SQLITE_WRITE_LOCK)


SUBMIT_WINDOW_SECONDS = 60


def submit_flood_key(network: str | None) -> str:
    return f"submit:{network or 'unknown'}"


def allow_submission(session: Session, network: str | None, limit_per_minute: int, now: datetime) -> bool:
    """Counts a POST against its network's fixed one-minute window, shared by every app process."""
    hits, _ = count_hit(session, submit_flood_key(network), SUBMIT_WINDOW_SECONDS, now)
    return hits <= limit_per_minute


def record_rejection(session: Session, kind: str, reason: str, counter_id: int | None, now: datetime) -> None:
    """Counts a proof turned away at the door (per day, kind, reason, counter); commits."""
    session.rollback()
    statement = (
        _upsert(session)(RejectedProof)
        .values(day=now.date(), kind=kind, reason=reason, counter_id=counter_id or 0, hits=1, last_at=now)
        .on_conflict_do_update(
            index_elements=["day", "kind", "reason", "counter_id"],
            set_={"hits": RejectedProof.hits + 1, "last_at": now},
        )
    )
    session.execute(statement)
    session.commit()
