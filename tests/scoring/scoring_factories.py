"""Small hand-made rating sets for scoring tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from scoring.params import ScoringParams
from scoring.pipeline import ScoringResult, score_table
from scoring.table import RatingTable

WIB = dt.timezone(dt.timedelta(hours=7))  # UTC+7
WITA = dt.timezone(dt.timedelta(hours=8))
WIT = dt.timezone(dt.timedelta(hours=9))
TUESDAY = dt.date(2025, 3, 4)
_ids = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, second: int = 0, tz: dt.timezone = WIB) -> dt.datetime:
    """Local time on TUESDAY + day days."""
    return dt.datetime.combine(TUESDAY + dt.timedelta(days=day), dt.time(hour, minute, second), tzinfo=tz)


def rating(**overrides: Any) -> dict[str, Any]:
    """A plain honest rating; override any column."""
    number = next(_ids)
    record: dict[str, Any] = {
        "rating_id": f"r{number}",
        "submitted_at": at(0, 10),
        "unit_id": "U1",
        "counter_id": "L1",
        "employee_id": "E1",
        "channel": "poster",
        "device_hash": f"dev{number}",
        "network_hash": "carrier-a",
        "overall": 3,
        **{f"u{i}": None for i in range(1, 10)},
        "form_seconds": 20.0,
        "comment": "",
    }
    answers = overrides.pop("answers", None)
    if answers is not None:
        record |= {f"u{i}": a for i, a in enumerate(answers, start=1)}
    record |= overrides
    return record


def score(records: list[dict[str, Any]], params: ScoringParams | None = None, **kwargs: Any) -> ScoringResult:
    return score_table(RatingTable.from_records(records), params or ScoringParams(), **kwargs)


def reasons_by_id(result: ScoringResult) -> dict[str, tuple[str, ...]]:
    return {flag.rating_id: flag.reasons for flag in result.flags}


def excluded_ids(result: ScoringResult) -> set[str]:
    return {flag.rating_id for flag in result.flags if flag.excluded}


def common_network_background(
    network: str, *, days: int = 6, devices_per_day: int = 3
) -> list[dict[str, Any]]:
    """Ordinary ratings that make `network` common: many devices, many days, two officers."""
    return [
        rating(
            submitted_at=at(day, 9, 10 * k),
            network_hash=network,
            employee_id="E8" if k % 2 else "E9",
            counter_id="L8",
        )
        for day in range(days)
        for k in range(devices_per_day)
    ]
