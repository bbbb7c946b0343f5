"""The one call the database shell and the CSV command make: ratings in, flags and scores out.

from scoring.pipeline import RatingTable, ScoringParams, score_table
table = RatingTable.from_records(rows)          # or RatingTable.from_columns(...)
result = score_table(table, ScoringParams(), served={"DUKCAPIL": 5400})
for flag in result.flags: ...                   # Flag(rating_id, excluded, anomaly_score, reasons)
result.officers                                 # list of dicts, keys = scores.csv columns
result.units                                    # list of dicts, keys = units.csv columns
result = score_table(table, employees={"E1": "198503122010012003"})   # with the bias audit
result.audit                                    # list of dicts, keys = audit.csv columns (or None)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from scoring.aggregate import officer_records, unit_records
from scoring.anomaly import officer_anomalies
from scoring.audit import bias_audit, main_channels
from scoring.features import local_day
from scoring.params import ScoringParams
from scoring.reasons import DETECTOR_VERSION, EXCLUDING_MASK, REASON_BIT, reasons_from_mask
from scoring.rules import run_rules
from scoring.table import RatingTable

__all__ = ["Flag", "FlagTable", "RatingTable", "ScoringParams", "ScoringResult", "run", "score_table"]

# Weight of the officer-week model in a rating's anomaly score; below 0.5 so that the model alone never
# looks like a fired rule.
_ANOMALY_WEIGHT = 0.45


class Flag(NamedTuple):
    rating_id: str | int
    excluded: bool
    anomaly_score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FlagTable:
    """Per-rating outcome in table order. Iterating yields Flag tuples."""

    rating_id: np.ndarray  # the table's: strings from CSV, int64 database ids
    excluded: np.ndarray  # bool
    anomaly_score: np.ndarray  # float 0..1; >= 0.5 iff an excluding rule fired
    reason_mask: np.ndarray  # uint16 bits of reasons.REASON_BIT

    def __len__(self) -> int:
        return len(self.rating_id)

    def __iter__(self) -> Iterator[Flag]:
        lookup = self.reasons_by_mask()
        for rating_id, excluded, score, mask in zip(
            self.rating_id,
            self.excluded.tolist(),
            self.anomaly_score.tolist(),
            self.reason_mask.tolist(),
            strict=True,
        ):
            yield Flag(rating_id, excluded, score, lookup[mask])

    def reasons(self) -> list[tuple[str, ...]]:
        lookup = self.reasons_by_mask()
        return [lookup[mask] for mask in self.reason_mask.tolist()]

    def reasons_by_mask(self) -> dict[int, tuple[str, ...]]:
        """The reason codes of each distinct mask present (a few dozen at most)."""
        return {int(mask): reasons_from_mask(int(mask)) for mask in np.unique(self.reason_mask)}

    def by_rating_id(self) -> dict[str, Flag]:
        return {flag.rating_id: flag for flag in self}


@dataclass(frozen=True, slots=True)
class ScoringResult:
    flags: FlagTable
    officers: list[dict[str, Any]]
    units: list[dict[str, Any]]
    detector_version: str
    params: ScoringParams
    audit: list[dict[str, Any]] | None = None  # with employees: rows keyed by audit.AUDIT_COLUMNS


def detect(table: RatingTable, params: ScoringParams) -> FlagTable:
    """Rules first; the officer-week model then marks for review among what the rules kept."""
    rules = run_rules(table, params)
    excluded = (rules.reason_mask & EXCLUDING_MASK) != 0
    anomalies = officer_anomalies(table, ~excluded, params)
    mask = rules.reason_mask | np.where(
        anomalies.marked, np.uint16(REASON_BIT["officer_anomaly"]), np.uint16(0)
    )
    score = np.maximum(rules.strength, _ANOMALY_WEIGHT * anomalies.window_score)
    return FlagTable(table.rating_id, excluded, np.round(score, 4), mask.astype(np.uint16))


def score_table(
    table: RatingTable,
    params: ScoringParams | None = None,
    *,
    served: Mapping[str, int] | None = None,
    employees: Mapping[str, str] | None = None,
    period_end: dt.date | None = None,
) -> ScoringResult:
    """Detect, then aggregate what was not excluded. served: people served per unit_id (the N of the
    sample target); units without an entry use their number of ratings. employees: employee_id -> NIP,
    which adds the bias audit, with ages on period_end (default: the last local day of the ratings).
    Deterministic."""
    params = params or ScoringParams()
    flags = detect(table, params)
    used = ~flags.excluded
    officers = officer_records(table, used, params)
    audit = None
    if employees is not None:
        audit = audit_table(table, used, officers, employees, params, period_end)
    return ScoringResult(
        flags=flags,
        officers=officers,
        units=unit_records(table, used, served),
        detector_version=DETECTOR_VERSION,
        params=params,
        audit=audit,
    )


def audit_table(
    table: RatingTable,
    used: Any,
    officers: list[dict[str, Any]],
    employees: Mapping[str, str],
    params: ScoringParams,
    period_end: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The bias audit of scored officers (scoring.audit), channels taken from the used ratings."""
    if period_end is None:
        last = int(local_day(table).max()) if len(table) else 0
        period_end = dt.date(1970, 1, 1) + dt.timedelta(days=last)
    return bias_audit(officers, employees, main_channels(table, used), period_end, params)


run = score_table
