"""The CSV contract (docs/scoring.md): read ratings.csv, write flags.csv, scores.csv, units.csv,
and write the contract's input columns for the portal's raw export.

Files are UTF-8 (a byte-order mark is accepted on input), comma-separated, RFC 4180 quoting, "\\n"
line ends. Row numbers in error messages count the header as row 1, like a spreadsheet; a quoted
comment spanning several lines is still one row.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO, Any

import numpy as np

from scoring.aggregate import SCORES_COLUMNS, UNITS_COLUMNS
from scoring.pipeline import ScoringResult
from scoring.table import (
    INPUT_COLUMNS,
    OPTIONAL_COLUMNS,
    SCORED_COLUMNS,
    InputError,
    RatingTable,
    TableBuilder,
)

FLAGS_COLUMNS: tuple[str, ...] = ("rating_id", "excluded", "anomaly_score", "reasons")
# The raw-ratings export (the database's exports, `write_ratings_csv(..., outside_hours=True)`): the
# contract's input columns, then outside_hours. scoring.db.store selects exactly these from the database.
EXPORT_COLUMNS: tuple[str, ...] = (*INPUT_COLUMNS, *OPTIONAL_COLUMNS)
CHUNK_ROWS = 50_000
_DECIMALS = {"anomaly_score": 4, "mean_overall": 2, "ikm": 2, "score": 2, "score_low": 2, "score_high": 2} | {
    f"nrr_u{i}": 4 for i in range(1, 10)
}

PathOrFile = str | Path | IO[str]


@contextmanager
def _opened(target: PathOrFile, mode: str, encoding: str = "utf-8") -> Iterator[IO[str]]:
    if isinstance(target, str | Path):
        with open(target, mode, encoding=encoding, newline="") as handle:
            yield handle
    else:
        yield target


def _header_positions(header: list[str]) -> dict[str, int]:
    names = [name.strip() for name in header]
    duplicated = sorted({name for name in names if names.count(name) > 1 and name in INPUT_COLUMNS})
    if duplicated:
        raise InputError([f"row 1 (header): column(s) appear twice: {', '.join(duplicated)}"])
    missing = [name for name in SCORED_COLUMNS if name not in names]
    if missing:
        raise InputError([f"row 1 (header): missing column(s): {', '.join(missing)}"])
    wanted = (*SCORED_COLUMNS, *OPTIONAL_COLUMNS)
    return {name: index for index, name in enumerate(names) if name in wanted}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The reader makes millions of short-lived, acyclic objects; cyclic GC passes over the growing
    heap made reading 1M rows about twice as slow and worse than linear."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_ratings_csv(source: PathOrFile) -> RatingTable:
    """Parse and validate ratings.csv; raises InputError naming rows and columns of bad values.
    Unknown columns are ignored; outside_hours (0/1/empty) is used when present."""
    with _opened(source, "r", encoding="utf-8-sig") as handle, _gc_paused():
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(["the file is empty: expected a header row"]) from None
        positions = _header_positions(header)
        width = len(header)
        builder = TableBuilder()
        next_row = 2  # spreadsheet numbering: the header is row 1
        try:
            while rows := list(islice(reader, CHUNK_ROWS)):
                numbers: Sequence[int] = range(next_row, next_row + len(rows))
                next_row += len(rows)
                if set(map(len, rows)) != {width}:
                    rows, numbers = _drop_bad_rows(builder, rows, numbers, width)
                if rows:
                    _add_rows(builder, rows, numbers, positions)
        except csv.Error as exc:
            raise InputError([f"row {reader.line_num}: unreadable CSV ({exc})"]) from None
        except UnicodeDecodeError as exc:
            raise InputError([f"the file is not UTF-8 text ({exc.reason})"]) from None
        return builder.build()


def _drop_bad_rows(
    builder: TableBuilder, rows: list[list[str]], numbers: Sequence[int], width: int
) -> tuple[list[list[str]], list[int]]:
    """Skip blank lines; report rows with a wrong number of fields instead of shifting their values."""
    kept_rows, kept_numbers = [], []
    for row, number in zip(rows, numbers, strict=True):
        if not row:
            continue
        if len(row) != width:
            builder.error(number, "*", f"has {len(row)} fields, the header has {width}")
            continue
        kept_rows.append(row)
        kept_numbers.append(number)
    return kept_rows, kept_numbers


def _add_rows(
    builder: TableBuilder, rows: list[list[str]], numbers: Sequence[int], positions: Mapping[str, int]
):
    transposed = list(zip(*rows, strict=True))
    columns = {name: transposed[index] for name, index in positions.items()}
    builder.add_chunk(columns, numbers[0], numbers, strings=True)


def _format(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if column in _DECIMALS:
        return f"{value:.{_DECIMALS[column]}f}"
    return str(value)


def _write_records(path: Path, columns: Sequence[str], records: Iterable[Mapping[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_format(c, record[c]) for c in columns] for record in records)


def write_flags_csv(result: ScoringResult, path: Path) -> None:
    flags = result.flags
    reasons = [";".join(codes) for codes in flags.reasons()]
    scores = [f"{s:.4f}" for s in flags.anomaly_score.tolist()]
    excluded = np.where(flags.excluded, "1", "0").tolist()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FLAGS_COLUMNS)
        writer.writerows(zip(flags.rating_id.tolist(), excluded, scores, reasons, strict=True))


def write_outputs(result: ScoringResult, out_dir: str | Path) -> dict[str, Path]:
    """Write flags.csv, scores.csv and units.csv into out_dir (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.csv" for name in ("flags", "scores", "units")}
    write_flags_csv(result, paths["flags"])
    _write_records(paths["scores"], SCORES_COLUMNS, result.officers)
    _write_records(paths["units"], UNITS_COLUMNS, result.units)
    return paths


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise ValueError("submitted_at must be timezone-aware")
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def write_ratings_csv(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    target: PathOrFile,
    *,
    outside_hours: bool = False,
    leave_out: tuple[str, ...] = (),
) -> None:
    """Write the contract's input columns (plus outside_hours if asked), for the raw-ratings export;
    `leave_out` columns are not written (rows then hold the others only: no longer the contract).

    rows: mappings keyed by column name, or sequences in column order. Values are written as they are:
    this is a machine contract, so spreadsheet-formula neutralisation is deliberately NOT applied;
    commas, quotes and newlines in comments round-trip through standard CSV quoting."""
    columns = EXPORT_COLUMNS if outside_hours else INPUT_COLUMNS
    columns = tuple(c for c in columns if c not in leave_out)
    with _opened(target, "w") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
            if len(values) != len(columns):
                raise ValueError(f"expected {len(columns)} values per row, got {len(values)}")
            writer.writerow([_cell(v) for v in values])


def ratings_csv_text(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    outside_hours: bool = False,
    leave_out: tuple[str, ...] = (),
) -> str:
    """write_ratings_csv into a string (handy for tests and small exports)."""
    buffer = io.StringIO()
    write_ratings_csv(rows, buffer, outside_hours=outside_hours, leave_out=leave_out)
    return buffer.getvalue()
