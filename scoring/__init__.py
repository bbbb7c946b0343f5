"""Pure scoring library: explainable exclusion of manipulated ratings, unit IKM, officer scores.

Imports nothing from portal or staff_admin. Deterministic: the same input gives the same output.

API for the database shell (scoring/db/store.py)::

    from scoring.pipeline import RatingTable, ScoringParams, score_table

    table = RatingTable.from_records(rows)   # dicts keyed by CSV column names, or tuples in
                                             # INPUT_COLUMNS order; submitted_at = aware datetime
    table = RatingTable.from_columns(...)    # or numpy column arrays (streaming-friendly)
    result = score_table(table, ScoringParams(...), served={unit_id: people_served})
    for flag in result.flags:                # Flag(rating_id, excluded, anomaly_score, reasons)
        ...
    result.officers                          # dicts keyed by scores.csv columns
    result.units                             # dicts keyed by units.csv columns
    result.detector_version                  # == DETECTOR_VERSION, store it with the flags

Reason codes and their Indonesian/English text: scoring.reasons.REASONS. CSV contract: python -m scoring
--help and docs/scoring.md.
"""

from scoring.reasons import DETECTOR_VERSION, EXCLUDING_REASONS, REASONS

__all__ = ["DETECTOR_VERSION", "EXCLUDING_REASONS", "REASONS"]
