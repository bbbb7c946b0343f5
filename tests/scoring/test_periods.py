from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scoring.periods import PeriodError, PeriodOutOfRange, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-s2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-01..2026-06", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-01-15..2026-02-14", date(2026, 1, 15), date(2026, 2, 14)),
        ("2025-Q4..2026-Q1", date(2025, 10, 1), date(2026, 3, 31)),
    ],
)
def test_it_reads_every_kind_of_period(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


def test_it_gives_two_spellings_of_the_same_days_one_key() -> None:
    assert parse_period("2026-S1").key == parse_period("2026-01..2026-06").key == "2026-01-01..2026-06-30"


def test_it_bounds_a_period_by_local_midnights() -> None:
    start, end = parse_period("2026-03").bounds("Asia/Jakarta")
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "march", "2026-06..2026-01", "2026-02-30", ""])
def test_it_explains_a_period_it_cannot_read(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


@pytest.mark.parametrize("text", ["0001", "9999-12", "0001-01..9999-12", "1999-12-31", "2026..2100"])
def test_it_refuses_a_period_outside_the_years_the_portal_knows(text: str) -> None:
    """The year 1 or 9999 made bounds() and the database overflow once the period was scored."""
    with pytest.raises(PeriodOutOfRange):
        parse_period(text)
    assert parse_period("2000-01..2099-12").key == "2000-01-01..2099-12-31"
