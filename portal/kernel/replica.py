"""Reads on a PostgreSQL hot standby (`READ_DATABASE_URL`, docs/deploy.md#a-read-replica).

Which requests read there: the handlers marked `opt=REPLICA_READS` (read-only staff pages, exports,
/publik), through the `reads` dependency. Everything else stays on the primary (`db`): every write,
and the sign-in and session checks of every request, marked or not, so a revoked session ends at once
even on a lagging standby. A marked request still reads from the primary when

- the standby is unreachable, is no standby (promoted), or is further behind than
  READ_MAX_LAG_SECONDS: measured at most every READ_CHECK_SECONDS per process, shown on /health;
- its user wrote something the standby has not replayed yet: after a write the staff area keeps the
  primary's WAL position in a signed cookie (staff_admin.kit.replica) and reads go back to the standby
  once its replay position has passed that one (exact, no timer).

The engine is chosen when the session runs its first statement, in the handler's thread rather than
on the event loop, and kept for the session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any

from litestar import Request
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from portal.kernel.db import make_engine
from portal.kernel.deps import Db, PortalDep
from portal.kernel.settings import Settings
from portal.kernel.web import Portal

# A handler's `opt`: it only reads, the standby may answer it.
REPLICA_READS: Mapping[str, str] = MappingProxyType({"reads": "replica"})
OK, BEHIND, UNREACHABLE, NOT_STANDBY, UNKNOWN = "ok", "behind", "unreachable", "not a standby", "unknown"
# A standby that cannot be reached costs a request this long at most, once per check.
STANDBY_CONNECT_TIMEOUT = 2

log = logging.getLogger("portal.replica")

_STANDBY_SQL = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
    " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float"
)
_REPLAYED_SQL = text("SELECT pg_last_wal_replay_lsn()::text")
_PRIMARY_SQL = text("SELECT pg_current_wal_lsn()::text")
# After the commit: the insert position is past the commit record even when it is not yet written out.
_WROTE_SQL = text("SELECT pg_current_wal_insert_lsn()::text")


def lsn_number(lsn: str) -> int:
    """PostgreSQL's `16/B374D848` as the byte position it names."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class StandbyState:
    state: str  # OK (reads go there), BEHIND, UNREACHABLE, NOT_STANDBY, UNKNOWN
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    replay_lsn: int | None = None

    @property
    def readable(self) -> bool:
        return self.state == OK


class ReadReplica:
    """The standby's engine, its state (kept per process for `check_seconds`), and the sessions of the
    marked requests."""

    def __init__(
        self,
        primary: Engine,
        standby: Engine,
        max_lag_seconds: float,
        check_seconds: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary, self.standby = primary, standby
        self.max_lag_seconds, self.check_seconds = max_lag_seconds, check_seconds
        self._timer = timer
        self._lock = threading.Lock()
        self._state: StandbyState | None = None
        self._measured_at = 0.0
        self._sessions = sessionmaker(class_=RoutedSession, bind=primary, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings, primary: Engine) -> ReadReplica | None:
        if not settings.read_database_url:
            return None
        standby = make_engine(settings.read_database_url, connect_timeout=STANDBY_CONNECT_TIMEOUT)
        return cls(primary, standby, settings.read_max_lag_seconds, settings.read_check_seconds)

    def state(self) -> StandbyState:
        """The state measured within the last `check_seconds`, or measured now. While one thread
        measures, the others go on with the state before (a dead standby holds up one request)."""
        if self._state is not None and self._timer() - self._measured_at < self.check_seconds:
            return self._state
        if not self._lock.acquire(blocking=self._state is None):
            return self._state  # type: ignore[return-value]  # not None: the acquire would have waited
        try:
            return self._measure()
        finally:
            self._lock.release()

    def check(self) -> StandbyState:
        """Measured now (/health)."""
        with self._lock:
            return self._measure()

    def _measure(self) -> StandbyState:
        self._state, self._measured_at = self._standby_state(), self._timer()
        return self._state

    def _standby_state(self) -> StandbyState:
        try:
            with self.standby.connect() as conn:
                in_recovery, replayed, since_replay = conn.execute(_STANDBY_SQL).one()
        except SQLAlchemyError as error:
            log.warning("read replica unreachable (%s): reading from the primary", type(error).__name__)
            return StandbyState(UNREACHABLE)
        if not in_recovery or replayed is None:
            log.warning("READ_DATABASE_URL is not a standby: reading from the primary")
            return StandbyState(NOT_STANDBY)
        replay_lsn = lsn_number(replayed)
        try:
            with self.primary.connect() as conn:
                current = lsn_number(conn.execute(_PRIMARY_SQL).scalar_one())
        except SQLAlchemyError:
            return StandbyState(UNKNOWN, replay_lsn=replay_lsn)
        lag_bytes = max(0, current - replay_lsn)
        # Caught up: no lag, however long ago the last transaction was. Behind: the age of the newest
        # transaction it has replayed (unknown before its first one since it started).
        lag_seconds = 0.0 if lag_bytes == 0 else since_replay
        if lag_seconds is None:
            return StandbyState(UNKNOWN, lag_bytes, None, replay_lsn)
        lag_seconds = max(0.0, lag_seconds)
        state = OK if lag_seconds <= self.max_lag_seconds else BEHIND
        return StandbyState(state, lag_bytes, round(lag_seconds, 3), replay_lsn)

    def engine_for(self, wrote: int | None) -> Engine:
        """The standby when it is readable and has replayed the user's last write, else the primary."""
        state = self.state()
        if not state.readable:
            return self.primary
        if wrote is None or (state.replay_lsn or 0) >= wrote:
            return self.standby
        try:  # measured before the write: ask again
            with self.standby.connect() as conn:
                replayed = conn.execute(_REPLAYED_SQL).scalar_one()
        except SQLAlchemyError:
            return self.primary
        return self.standby if replayed is not None and lsn_number(replayed) >= wrote else self.primary

    def primary_lsn(self) -> int:
        """The primary's WAL position now: past every transaction committed before this call."""
        with self.primary.connect() as conn:
            return lsn_number(conn.execute(_WROTE_SQL).scalar_one())

    def sessions(self, wrote: int | None) -> Callable[[], Session]:
        return partial(self._sessions, choose=partial(self.engine_for, wrote))

    def health(self) -> dict[str, Any]:
        measured = self.check()
        return {
            "state": measured.state,
            "reads": "replica" if measured.readable else "primary",
            "lag_bytes": measured.lag_bytes,
            "lag_seconds": measured.lag_seconds,
            "max_lag_seconds": self.max_lag_seconds,
        }

    def dispose(self) -> None:
        self.standby.dispose()


class RoutedSession(Session):
    """A session whose engine is chosen when it first needs one, then kept."""

    def __init__(self, choose: Callable[[], Engine], **options: Any) -> None:
        super().__init__(**options)
        self._choose = choose
        self._chosen: Engine | None = None

    def get_bind(self, mapper: Any = None, **kw: Any) -> Engine:  # type: ignore[override]
        if self._chosen is None:
            self._chosen = self._choose()
        return self._chosen


def reads_replica(request: Request) -> bool:
    return request.route_handler.opt.get("reads") == REPLICA_READS["reads"]


def read_sessions(
    request: Request, portal: Portal, wrote: Callable[[Request], int | None]
) -> Callable[[], Session]:
    """Sessions of their own for a request (a streamed export): routed when the handler is marked."""
    replica = portal.replica
    if replica is None or not reads_replica(request):
        return portal.sessions
    return replica.sessions(wrote(request))


def no_writes(_request: Request) -> int | None:
    return None


def reads_provider(wrote: Callable[[Request], int | None] = no_writes) -> Callable[..., Any]:
    """The `reads` dependency: the request's `db` unless the handler is marked and a standby is set,
    then a routed session; `wrote` reads the position of the user's last write from the request."""

    async def provide_reads(request: Request, db: Db, portal: PortalDep) -> AsyncGenerator[Session, None]:
        replica = portal.replica
        if replica is None or not reads_replica(request):
            yield db
            return
        session = replica.sessions(wrote(request))()
        try:
            yield session
        finally:
            session.close()

    return provide_reads
