"""The columnar rating table every part of the scoring core works on, and its validating builders.

Identifiers (rating, unit, counter, employee, device, network) are opaque strings, stored as dense
integer codes so that rules can sort and group with numpy instead of per-row Python objects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.cells import MAX_REPORTED_ERRORS, CellError, Codebook, InputError, parse_canonical_timestamps
from scoring.skm import ELEMENT_CODES

__all__ = ["INPUT_COLUMNS", "CellError", "InputError", "RatingTable", "TableBuilder"]

INPUT_COLUMNS: tuple[str, ...] = (
    "rating_id",
    "submitted_at",
    "unit_id",
    "counter_id",
    "employee_id",
    "channel",
    "device_hash",
    "network_hash",
    "overall",
    *ELEMENT_CODES,
    "form_seconds",
    "comment",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("outside_hours",)
# Columns the core reads; comment is carried by the contract but never scored.
SCORED_COLUMNS: tuple[str, ...] = tuple(c for c in INPUT_COLUMNS if c != "comment")
CHANNELS: tuple[str, ...] = ("poster", "kiosk", "ticket")
POSTER, KIOSK, TICKET = 0, 1, 2

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_SECOND = dt.timedelta(seconds=1)
_ONE_MINUTE = dt.timedelta(minutes=1)
_BLANK: tuple[Any, ...] = ("", None)
_ANSWER = {str(v): v for v in range(1, 5)} | {v: v for v in range(1, 5)}
_OPTIONAL_ANSWER = _ANSWER | dict.fromkeys(_BLANK, 0)
_CHANNEL = {name: code for code, name in enumerate(CHANNELS)}
_FLAG = {"0": 0, "1": 1, 0: 0, 1: 1} | dict.fromkeys(_BLANK, -1)


def _as_id(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _ids(values: Iterable[Any]) -> list[str]:
    return [_as_id(v) for v in values]


def _identity(values: list[str]) -> list[str]:
    return values


@dataclass(slots=True)
class RatingTable:
    """Ratings as columns. Codes index the *_labels arrays; -1 means empty."""

    rating_id: np.ndarray  # opaque: str (CSV, records) or int64 (database ids, scoring.db.loading)
    ts: np.ndarray  # int64: seconds since the epoch, UTC
    utc_offset_min: np.ndarray  # int32: the submitter's offset, for local office hours
    unit: np.ndarray  # int32 code
    counter: np.ndarray  # int32 code of the (unit, counter_id) pair
    employee: np.ndarray  # int32 code, -1 when nobody was on duty
    channel: np.ndarray  # int8: POSTER, KIOSK, TICKET
    device: np.ndarray  # int32 code, -1 empty
    network: np.ndarray  # int32 code, -1 empty
    overall: np.ndarray  # int8 1..4
    answers: np.ndarray  # int8 (n, 9): u1..u9, 0 = blank
    form_seconds: np.ndarray  # float64, NaN = empty
    outside_hours: np.ndarray  # int8: 1 outside, 0 inside, -1 unknown (derive from local time)
    unit_labels: np.ndarray
    counter_labels: np.ndarray
    counter_unit: np.ndarray  # unit code of each counter code
    employee_labels: np.ndarray
    network_labels: np.ndarray

    def __len__(self) -> int:
        return len(self.rating_id)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any] | Sequence[Any]]) -> RatingTable:
        """Build from dicts keyed by the CSV column names, or tuples in INPUT_COLUMNS order (plus an
        optional trailing outside_hours). submitted_at: aware datetime or ISO 8601 string with offset.
        Raises InputError naming the record number (1-based) and column of each bad value."""
        builder = TableBuilder()
        chunk: list[Mapping[str, Any] | Sequence[Any]] = []
        first_row = 1
        for record in records:
            chunk.append(record)
            if len(chunk) == 50_000:
                builder.add_chunk(_records_to_columns(chunk), first_row)
                first_row += len(chunk)
                chunk = []
        if chunk:
            builder.add_chunk(_records_to_columns(chunk), first_row)
        return builder.build()

    @classmethod
    def from_columns(
        cls,
        *,
        rating_id: Sequence[Any] | np.ndarray,
        ts_utc: np.ndarray,
        utc_offset_minutes: np.ndarray,
        unit_id: Sequence[Any] | np.ndarray,
        counter_id: Sequence[Any] | np.ndarray,
        employee_id: Sequence[Any] | np.ndarray,
        channel: Sequence[str] | np.ndarray,
        device_hash: Sequence[Any] | np.ndarray,
        network_hash: Sequence[Any] | np.ndarray,
        overall: np.ndarray,
        answers: np.ndarray,
        form_seconds: np.ndarray,
        outside_hours: np.ndarray | None = None,
    ) -> RatingTable:
        """Build from column arrays (e.g. fetched in batches from a database cursor).

        ts_utc: datetime64 (UTC) or integer epoch seconds; answers: (n, 9) integers, 0 or NaN = blank;
        form_seconds: floats, NaN = empty; outside_hours: 0/1, -1 = unknown; ids: strings or ints,
        None or "" = empty."""
        ts = np.asarray(ts_utc)
        if np.issubdtype(ts.dtype, np.datetime64):
            ts = ts.astype("datetime64[s]").astype(np.int64)
        answers_arr = np.nan_to_num(np.asarray(answers, dtype=np.float64), nan=0.0)
        n = len(ts)
        columns: dict[str, Any] = {
            "rating_id": [_as_id(v) for v in rating_id],
            "_ts": ts.astype(np.int64),
            "_offset": np.asarray(utc_offset_minutes, dtype=np.int32),
            "unit_id": [_as_id(v) for v in unit_id],
            "counter_id": [_as_id(v) for v in counter_id],
            "employee_id": [_as_id(v) for v in employee_id],
            "channel": list(channel),
            "device_hash": [_as_id(v) for v in device_hash],
            "network_hash": [_as_id(v) for v in network_hash],
            "overall": [int(v) for v in np.asarray(overall)],
            "form_seconds": [None if math.isnan(v) else v for v in np.asarray(form_seconds, dtype=float)],
        }
        for index, code in enumerate(ELEMENT_CODES):
            columns[code] = [int(v) or None for v in answers_arr[:, index]]
        if outside_hours is not None:
            columns["outside_hours"] = [None if v < 0 else int(v) for v in np.asarray(outside_hours)]
        if any(len(v) != n for v in columns.values()):
            raise InputError(["all columns must have the same length"])
        builder = TableBuilder()
        builder.add_chunk(columns, 1)
        return builder.build()


def _records_to_columns(chunk: list[Mapping[str, Any] | Sequence[Any]]) -> dict[str, list[Any]]:
    if isinstance(chunk[0], Mapping):
        names = [c for c in (*SCORED_COLUMNS, *OPTIONAL_COLUMNS) if c in chunk[0]]
        return {name: [r.get(name) for r in chunk] for name in names}  # type: ignore[union-attr]
    width = len(chunk[0])
    names = list(INPUT_COLUMNS) + list(OPTIONAL_COLUMNS[: max(0, width - len(INPUT_COLUMNS))])
    if width not in (len(INPUT_COLUMNS), len(INPUT_COLUMNS) + 1):
        raise InputError([f"records must have {len(INPUT_COLUMNS)} fields (or one more: outside_hours)"])
    for offset, record in enumerate(chunk):
        if len(record) != width:
            raise InputError([f"record {offset + 1}: has {len(record)} fields, expected {width}"])
    return {name: list(values) for name, values in zip(names, zip(*chunk, strict=True), strict=False)}


@dataclass
class TableBuilder:
    """Validates and encodes column chunks; keeps every error located by row and column."""

    errors: list[CellError] = field(default_factory=list)
    error_count: int = 0
    _first_row: int = 1
    _row_numbers: Sequence[int] = ()
    _parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    _rating_ids: list[str] = field(default_factory=list)
    _seen_ids: set[str] = field(default_factory=set)
    _units: Codebook = field(default_factory=Codebook)
    _counter_names: Codebook = field(default_factory=Codebook)
    _employees: Codebook = field(default_factory=Codebook)
    _devices: Codebook = field(default_factory=Codebook)
    _networks: Codebook = field(default_factory=Codebook)

    def error(self, row: int, column: str, message: str) -> None:
        """Record a problem; the table will not build. Only the first few are kept for the message."""
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(CellError(row, column, message))

    def _cell_error(self, index: int, column: str, message: str) -> None:
        self.error(
            self._row_numbers[index] if self._row_numbers else self._first_row + index, column, message
        )

    def _lookup(self, values: list[Any], table: dict[Any, int], column: str, what: str) -> np.ndarray:
        try:
            found = np.array(list(map(table.get, values)), dtype=np.float64)  # unknown -> None -> NaN
        except TypeError:  # an unhashable value: take the slow road to name it
            found = np.array(
                [table.get(v) if isinstance(v, Hashable) else None for v in values], dtype=np.float64
            )
        bad = np.isnan(found)
        for index in np.flatnonzero(bad):
            self._cell_error(int(index), column, f"{what}, got {values[index]!r}")
        found[bad] = 0
        return found.astype(np.int16)

    def add_chunk(
        self,
        columns: Mapping[str, Any],
        first_row: int,
        row_numbers: Sequence[int] = (),
        *,
        strings: bool = False,
    ) -> None:
        """Add rows numbered first_row, first_row+1, ... (or row_numbers when given, for errors);
        columns maps names to equally long value lists. strings: every value is already a str (CSV)."""
        self._first_row, self._row_numbers = first_row, row_numbers
        missing = [
            c for c in SCORED_COLUMNS if c not in columns and not (c == "submitted_at" and "_ts" in columns)
        ]
        if missing:
            raise InputError([f"missing column(s): {', '.join(missing)}"])
        part: dict[str, np.ndarray] = {}
        self._add_ids(columns["rating_id"] if strings else _ids(columns["rating_id"]))
        if "_ts" in columns:
            part["ts"], part["offset"] = np.asarray(columns["_ts"]), np.asarray(columns["_offset"])
        else:
            part["ts"], part["offset"] = self._timestamps(columns["submitted_at"])
        part["overall"] = self._lookup(columns["overall"], _ANSWER, "overall", "expected 1, 2, 3 or 4")
        part["answers"] = np.stack(
            [
                self._lookup(columns[c], _OPTIONAL_ANSWER, c, "expected 1, 2, 3, 4 or empty")
                for c in ELEMENT_CODES
            ],
            axis=1,
        )
        part["channel"] = self._lookup(
            columns["channel"], _CHANNEL, "channel", "expected poster, kiosk or ticket"
        )
        part["form_seconds"] = self._seconds(columns["form_seconds"])
        if "outside_hours" in columns:
            part["outside"] = self._lookup(
                columns["outside_hours"], _FLAG, "outside_hours", "expected 0, 1 or empty"
            )
        else:
            part["outside"] = np.full(len(part["ts"]), -1, dtype=np.int16)
        as_ids = _identity if strings else _ids
        units = as_ids(columns["unit_id"])
        counters = as_ids(columns["counter_id"])
        for name, values in (("unit_id", units), ("counter_id", counters)):
            if "" in values:
                for index in (i for i, v in enumerate(values) if not v):
                    self._cell_error(index, name, "must not be empty")
        part["unit"] = self._units.encode(units)
        # a counter is identified within its unit: keep (unit code, counter name code) pairs
        part["counter"] = part["unit"].astype(np.int64) << 32 | self._counter_names.encode(counters)
        part["employee"] = self._employees.encode(as_ids(columns["employee_id"]))
        part["device"] = self._devices.encode(as_ids(columns["device_hash"]))
        part["network"] = self._networks.encode(as_ids(columns["network_hash"]))
        self._parts.append(part)

    def _add_ids(self, ids: list[str]) -> None:
        seen = self._seen_ids
        before = len(seen)
        seen.update(ids)
        if len(seen) - before != len(ids) or "" in seen:
            self._report_bad_ids(ids)
        self._rating_ids.extend(ids)

    def _report_bad_ids(self, ids: list[str]) -> None:
        """Slow path, only when something is wrong: name each empty or repeated rating_id."""
        first_seen: dict[str, int] = {}
        for index, rating_id in enumerate(self._rating_ids):
            first_seen.setdefault(rating_id, index)
        for index, rating_id in enumerate(ids):
            if not rating_id:
                self._cell_error(index, "rating_id", "must not be empty")
            elif (
                first_seen.setdefault(rating_id, len(self._rating_ids) + index)
                != len(self._rating_ids) + index
            ):
                self._cell_error(index, "rating_id", f"duplicate rating_id {rating_id!r}")

    def _timestamps(self, values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        ts, offsets, parsed = parse_canonical_timestamps(values)
        parse = dt.datetime.fromisoformat
        for index in np.flatnonzero(~parsed).tolist():  # other ISO 8601 spellings, and errors
            value = values[index]
            try:
                stamp = value if isinstance(value, dt.datetime) else parse(value)
                offset = stamp.utcoffset()
                if offset is None:
                    raise ValueError("no UTC offset")
                ts[index] = (stamp - _EPOCH) // _ONE_SECOND
                offsets[index] = offset // _ONE_MINUTE
            except (TypeError, ValueError) as exc:
                detail = "no UTC offset" if "offset" in str(exc) else "not an ISO 8601 date-time"
                self._cell_error(
                    index,
                    "submitted_at",
                    f"{detail}, expected e.g. 2025-03-04T09:15:00+07:00, got {value!r}",
                )
        return ts, offsets

    def _seconds(self, values: Sequence[Any]) -> np.ndarray:
        try:  # fast path: every value a number or blank
            text = np.array(values, dtype=str)
            blank = (text == "") | (text == "None")
            out = np.where(blank, "nan", text).astype(np.float64)
            if np.all(blank | (np.isfinite(out) & (out >= 0))):
                return out
        except ValueError:
            pass
        out = np.full(len(values), np.nan)
        for index, value in enumerate(values):
            if value in _BLANK:
                continue
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                seconds = math.nan
            if not (math.isfinite(seconds) and seconds >= 0):
                self._cell_error(index, "form_seconds", f"expected seconds >= 0 or empty, got {value!r}")
            else:
                out[index] = seconds
        return out

    def build(self) -> RatingTable:
        if self.error_count:
            raise InputError(self.errors, self.error_count)

        def cat(name: str, dtype: Any) -> np.ndarray:
            if not self._parts:
                shape = (0, len(ELEMENT_CODES)) if name == "answers" else (0,)
                return np.zeros(shape, dtype=dtype)
            return np.concatenate([p[name] for p in self._parts]).astype(dtype, copy=False)

        counter_pairs, counter = np.unique(cat("counter", np.int64), return_inverse=True)
        return RatingTable(
            rating_id=np.array(self._rating_ids, dtype=object),
            ts=cat("ts", np.int64),
            utc_offset_min=cat("offset", np.int32),
            unit=cat("unit", np.int32),
            counter=counter.astype(np.int32),
            employee=cat("employee", np.int32),
            channel=cat("channel", np.int8),
            device=cat("device", np.int32),
            network=cat("network", np.int32),
            overall=cat("overall", np.int8),
            answers=cat("answers", np.int8),
            form_seconds=cat("form_seconds", np.float64),
            outside_hours=cat("outside", np.int8),
            unit_labels=self._units.labels(),
            counter_labels=self._counter_names.labels()[counter_pairs & 0xFFFFFFFF],
            counter_unit=(counter_pairs >> 32).astype(np.int32),
            employee_labels=self._employees.labels(),
            network_labels=self._networks.labels(),
        )
