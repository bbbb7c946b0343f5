"""Cell-level parsing helpers for the rating table: located errors, string codes, fast timestamps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True, slots=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class InputError(ValueError):
    """Bad input, with every problem located by row number and column (first few only)."""

    def __init__(self, errors: Sequence[CellError | str], total: int | None = None) -> None:
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        lines = [str(e) for e in self.errors]
        if self.total > len(lines):
            lines.append(f"... and {self.total - len(lines)} more problems")
        super().__init__("\n".join(lines))


class Codebook:
    """Assigns dense codes 0, 1, 2... to strings in first-seen order; the empty string is -1."""

    def __init__(self) -> None:
        self._codes: dict[Any, int] = {"": -1}

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        codes = self._codes
        for key in dict.fromkeys(values):  # unique values in first-seen order, at C speed
            if key not in codes:
                codes[key] = len(codes) - 1
        return np.fromiter(map(codes.__getitem__, values), dtype=np.int32, count=len(values))

    def labels(self) -> np.ndarray:
        out = np.empty(len(self._codes) - 1, dtype=object)
        for key, code in self._codes.items():
            if code >= 0:
                out[code] = key
        return out


_DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24]


def parse_canonical_timestamps(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised parse of the portal's own spelling, YYYY-MM-DDTHH:MM:SS+HH:MM (25 characters).
    Returns epoch seconds, offset minutes and which rows were parsed; the rest need the general
    parser (fractional seconds, "Z", errors...)."""
    n = len(values)
    ts, offsets = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int32)
    try:
        raw = np.array(values, dtype="S26")
    except (UnicodeEncodeError, ValueError, TypeError):
        return ts, offsets, np.zeros(n, dtype=bool)
    b = raw.view(np.uint8).reshape(n, 26)
    ok = (b[:, 25] == 0) & (b[:, 4] == ord("-")) & (b[:, 7] == ord("-")) & (b[:, 13] == ord(":"))
    ok &= ((b[:, 10] == ord("T")) | (b[:, 10] == ord(" "))) & (b[:, 16] == ord(":")) & (b[:, 22] == ord(":"))
    ok &= (b[:, 19] == ord("+")) | (b[:, 19] == ord("-"))
    digits = b[:, _DIGIT_POSITIONS] - np.uint8(ord("0"))  # non-digits wrap to > 9
    ok &= (digits <= 9).all(axis=1)
    d = digits.astype(np.int64)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day, hour = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7], d[:, 8] * 10 + d[:, 9]
    minute, second = d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    offset_hour, offset_minute = d[:, 14] * 10 + d[:, 15], d[:, 16] * 10 + d[:, 17]
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (second <= 59)
    ok &= (year >= 1) & (offset_hour <= 23) & (offset_minute <= 59)
    month_start = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]").astype(np.int64)
    ok &= first_day + day - 1 < (month_start + 1).astype("datetime64[D]").astype(np.int64)
    offset = np.where(b[:, 19] == ord("-"), -1, 1) * (offset_hour * 60 + offset_minute)
    local = (first_day + day - 1) * 86_400 + hour * 3600 + minute * 60 + second
    ts[ok], offsets[ok] = (local - offset * 60)[ok], offset[ok]
    return ts, offsets, ok
