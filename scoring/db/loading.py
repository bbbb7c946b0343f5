"""Stream a period's ratings from the database into the core's table, in chunks, with bounded memory.

Rows come from a server-side cursor (PostgreSQL) or a stepped cursor (SQLite) a chunk at a time and are
turned into compact numpy columns at once, so the Python objects of one chunk are all that live
together: about 60 bytes per rating remain (10 million ratings: about 0.6 GB of columns).

Codes are given in order of first appearance, exactly as the CSV builder's codebooks give them, so
the database path and `python -m scoring` on an exported file score identically. Device hashes are
never kept as strings: each becomes a 64-bit FNV-1a hash of its characters (a collision between two
of 10 million devices has a probability of about 3 in a million, and would only merge two devices).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import BigInteger, Integer, cast, func, select
from sqlalchemy.orm import Session

from portal.kernel.models import SKM_ELEMENTS, Counter, Rating
from scoring.cells import Codebook
from scoring.periods import Period
from scoring.table import CHANNELS, RatingTable

CHUNK_ROWS = 50_000
_CHANNEL = {name: code for code, name in enumerate(CHANNELS)}
_FNV_OFFSET, _FNV_PRIME = np.uint64(0xCBF29CE484222325), np.uint64(0x100000001B3)
_QUARTER_HOUR = 900  # every time zone offset in use is a multiple of 15 minutes
_MINUTE = timedelta(minutes=1)


def _epoch_seconds(dialect: str) -> Any:
    """submitted_at (naive UTC on every engine) as whole seconds since the epoch, computed by the
    database: no datetime object per row."""
    column = Rating.__table__.c.submitted_at
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def _statement(dialect: str, start: datetime, end: datetime) -> Any:
    ratings = Rating.__table__
    return (
        select(
            ratings.c.id,
            _epoch_seconds(dialect),
            ratings.c.unit_id,
            ratings.c.counter_id,
            ratings.c.employee_id,
            ratings.c.channel,
            ratings.c.device_hash,
            ratings.c.network_hash,
            ratings.c.overall,
            *(ratings.c[u] for u in SKM_ELEMENTS),
            ratings.c.form_seconds,
            ratings.c.outside_hours,
        )
        .where(ratings.c.submitted_at >= start, ratings.c.submitted_at < end)
        .order_by(ratings.c.id)
    )


def device_hashes(values: Sequence[str | None]) -> np.ndarray:
    """64-bit FNV-1a of each string (over its code points); 0 for an empty or missing one."""
    text = np.array([v or "" for v in values], dtype=str)
    if text.size == 0:
        return np.zeros(0, dtype=np.uint64)
    points = text.view(np.uint32).reshape(len(text), -1)
    hashed = np.full(len(text), _FNV_OFFSET, dtype=np.uint64)
    for column in points.T:  # a string's padding (code point 0) leaves its hash unchanged
        hashed = np.where(column != 0, (hashed ^ column) * _FNV_PRIME, hashed)
    hashed[text == ""] = 0
    return hashed


def first_seen_codes(values: np.ndarray, present: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes 0, 1, 2... in order of first appearance, and the distinct values in that order;
    rows where `present` is False get -1."""
    codes = np.full(len(values), -1, dtype=np.int32)
    chosen = values if present is None else values[present]
    distinct, first, inverse = np.unique(chosen, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    if present is None:
        codes[:] = rank[inverse.reshape(-1)]
    else:
        codes[present] = rank[inverse.reshape(-1)]
    return codes, distinct[order]


class _Chunks:
    """Compact columns of every chunk so far, and the hash of exactly that input."""

    def __init__(self, zones: dict[int, ZoneInfo]) -> None:
        self.zones = zones
        self.parts: dict[str, list[np.ndarray]] = {}
        self.networks = Codebook()
        self.digests: dict[str, Any] = {}  # one per column, so chunk boundaries do not show

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        (ids, ts, units, counters, employees, channels, devices, networks, overall, *rest) = zip(
            *rows, strict=True
        )
        answers, seconds, outside = rest[:9], rest[9], rest[10]
        columns = {
            "rating_id": np.fromiter(ids, dtype=np.int64, count=len(ids)),
            "ts": np.fromiter(ts, dtype=np.int64, count=len(ts)),
            "unit": np.fromiter(units, dtype=np.int64, count=len(units)),
            "counter": np.fromiter(counters, dtype=np.int64, count=len(counters)),
            "employee": np.array([-1 if e is None else e for e in employees], dtype=np.int64),
            "channel": np.fromiter(map(_CHANNEL.__getitem__, channels), dtype=np.int8, count=len(ids)),
            "device": device_hashes(devices),
            "network": self.networks.encode([n or "" for n in networks]),
            "overall": np.fromiter(overall, dtype=np.int8, count=len(ids)),
            # a blank answer (NULL) is 0, as in the CSV builder
            "answers": np.nan_to_num(np.array(answers, dtype=np.float64).T, nan=0.0).astype(np.int8),
            "form_seconds": np.array(seconds, dtype=np.float64),
            "outside": np.array([-1 if o is None else o for o in outside], dtype=np.int8),
        }
        columns["offset"] = self._offsets(columns["ts"], columns["counter"])
        strings = {"device_hash": devices, "network_hash": networks}  # codes alone hide which ones
        for name, values in columns.items():
            self._digest(name).update(np.ascontiguousarray(values).tobytes())
        for name, values in strings.items():
            self._digest(name).update("".join(f"{v or ''}\x1f" for v in values).encode())
        for name, values in columns.items():
            self.parts.setdefault(name, []).append(values)

    def _digest(self, name: str) -> Any:
        return self.digests.get(name) or self.digests.setdefault(name, hashlib.sha256())

    def input_hash(self) -> str:
        combined = hashlib.sha256()
        for name, digest in self.digests.items():
            combined.update(name.encode() + digest.digest())
        return combined.hexdigest()

    def _offsets(self, ts: np.ndarray, counters: np.ndarray) -> np.ndarray:
        """Each rating's UTC offset in its counter's zone, looked up once per quarter-hour and zone."""
        offsets = np.zeros(len(ts), dtype=np.int32)
        distinct, inverse = np.unique(counters, return_inverse=True)
        zone_of_row = np.array([self.zones[c] for c in distinct.tolist()], dtype=object)[inverse.reshape(-1)]
        for zone in set(zone_of_row.tolist()):
            rows = zone_of_row == zone
            quarters, at = np.unique(ts[rows] // _QUARTER_HOUR, return_inverse=True)
            minutes = [
                datetime.fromtimestamp(q * _QUARTER_HOUR, tz=zone).utcoffset() // _MINUTE
                for q in quarters.tolist()
            ]
            offsets[rows] = np.array(minutes, dtype=np.int32)[at.reshape(-1)]
        return offsets

    def table(self) -> RatingTable:
        def column(name: str, dtype: Any, width: int = 0) -> np.ndarray:
            parts = self.parts.get(name)
            if not parts:
                return np.zeros((0, width) if width else 0, dtype=dtype)
            return np.concatenate(parts).astype(dtype, copy=False)

        units, unit_ids = first_seen_codes(column("unit", np.int64))
        counter_names, _ = first_seen_codes(column("counter", np.int64))
        pairs, counter = np.unique(
            units.astype(np.int64) << 32 | counter_names.astype(np.int64), return_inverse=True
        )
        counter_ids = column("counter", np.int64)
        first_row = np.unique(counter.reshape(-1), return_index=True)[1]
        employee_ids = column("employee", np.int64)
        employees, employee_labels = first_seen_codes(employee_ids, employee_ids >= 0)
        device_hashes_ = column("device", np.uint64)
        devices, _ = first_seen_codes(device_hashes_, device_hashes_ != 0)
        return RatingTable(
            rating_id=column("rating_id", np.int64),
            ts=column("ts", np.int64),
            utc_offset_min=column("offset", np.int32),
            unit=units,
            counter=counter.reshape(-1).astype(np.int32),
            employee=employees,
            channel=column("channel", np.int8),
            device=devices,
            network=column("network", np.int32),
            overall=column("overall", np.int8),
            answers=column("answers", np.int8, len(SKM_ELEMENTS)),
            form_seconds=column("form_seconds", np.float64),
            outside_hours=column("outside", np.int8),
            unit_labels=_labels(unit_ids),
            counter_labels=_labels(counter_ids[first_row]),
            counter_unit=(pairs >> 32).astype(np.int32),
            employee_labels=_labels(employee_labels),
            network_labels=self.networks.labels(),
        )


def _labels(ids: np.ndarray) -> np.ndarray:
    return np.array([str(i) for i in ids.tolist()], dtype=object)


def load_period_table(
    session: Session,
    period: Period,
    timezone: str,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> tuple[RatingTable, str]:
    """The period's ratings (id order) as the core's table, read in chunks of chunk_rows, plus a hash
    of exactly that input (what a closed period keeps to prove which ratings its results came from).
    Rating ids stay integers. The database's constraints hold every value in range, so nothing is
    validated again here (the CSV builder does that for files). `progress` hears the number of
    ratings read so far after every chunk."""
    zones = {
        counter_id: ZoneInfo(zone)
        for counter_id, zone in session.execute(select(Counter.id, Counter.timezone))
    }
    dialect = session.get_bind().dialect.name
    start, end = period.bounds(timezone)
    chunks = _Chunks(zones)
    result = session.execute(_statement(dialect, start, end), execution_options={"yield_per": chunk_rows})
    read = 0
    for rows in result.partitions():
        chunks.add(rows)
        read += len(rows)
        if progress:
            progress(read)
    return chunks.table(), chunks.input_hash()
