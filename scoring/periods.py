"""Scoring periods (pure): a month, quarter, semester, year, day, or a range of any two of them.

2026-03          March 2026            2026-Q1   January to March
2026-S2          July to December      2026      the whole year
2026-01..2026-06 January to June       2026-01-15..2026-02-14   a date range
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class PeriodError(ValueError):
    pass


class PeriodOutOfRange(PeriodError):
    """A real date, but outside FIRST_DAY..LAST_DAY."""


# The days a period may cover. A year far from now is a typing error, and the year 1 or 9999 made the
# datetime arithmetic of bounds() and of the database overflow (a period created, then unscorable).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive
    label: str  # as the user wrote it, normalised

    @property
    def key(self) -> str:
        """Canonical identity: two spellings of the same days are the same period."""
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day to that after the last."""
        zone = ZoneInfo(timezone)
        return (
            datetime.combine(self.start, time(0), zone),
            datetime.combine(self.end + timedelta(days=1), time(0), zone),
        )


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-[SsHh]([12])$"), "semester"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def _single(text: str) -> tuple[date, date]:
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise PeriodOutOfRange(f"{text!r} is not between {FIRST_DAY.year} and {LAST_DAY.year}")
        try:
            if kind == "day":
                day = date(year, int(match.group(2)), int(match.group(3)))
                return day, day
            if kind == "month":
                first_month = last_month = int(match.group(2))
            elif kind == "quarter":
                first_month = 3 * int(match.group(2)) - 2
                last_month = first_month + 2
            elif kind == "semester":
                first_month = 6 * int(match.group(2)) - 5
                last_month = first_month + 5
            else:
                first_month, last_month = 1, 12
            return date(year, first_month, 1), date(
                year, last_month, calendar.monthrange(year, last_month)[1]
            )
        except ValueError:
            raise PeriodError(f"{text!r} is not a real date") from None
    raise PeriodError(
        f"{text!r} is not a period; use 2026-03, 2026-Q1, 2026-S1, 2026, 2026-03-15 "
        "or a range like 2026-01..2026-06"
    )


def parse_period(text: str) -> Period:
    text = text.strip()
    first, sep, last = text.partition("..")
    start, end = _single(first.strip())
    if sep:
        _, end = _single(last.strip())
    if end < start:
        raise PeriodError(f"{text!r} ends before it starts")
    label = f"{first.strip().upper()}..{last.strip().upper()}" if sep else text.upper()
    return Period(start, end, label)
