"""The thin database shell around the pure core: read a period's ratings, write flags and results.

A run replaces the period's previous results in one transaction, so a failure (or a kill) leaves
the previous results intact. Manual decisions of reviewers win over the detector.

Provenance: a run's input_hash covers everything that shaped its results: the ratings (every scored
column, scoring.db.loading), the latest review decision on each of the period's ratings, the
parameters and the detector version. The ratings' and the decisions' hashes are also stored apart
(ratings_hash, decisions_hash), so that decisions made since a run can be detected cheaply
(decisions_hash(period_decisions(...)) differs from the run's).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from portal.kernel import rollups
from portal.kernel.models import Counter, Employee, Rating
from scoring.aggregate import officer_records, unit_records
from scoring.csvio import EXPORT_COLUMNS, write_ratings_csv
from scoring.db import freeze
from scoring.db.loading import load_period_table
from scoring.db.models import BiasAuditResult, OfficerResult, RatingDecision, ScoringRun, UnitResult
from scoring.db.served import served_for_scoring
from scoring.db.themes import store_comment_themes
from scoring.params import ScoringParams
from scoring.periods import Period
from scoring.pipeline import FlagTable, audit_table, detect
from scoring.reasons import DETECTOR_VERSION, first_excluding_reason
from scoring.table import RatingTable

_FLAG_CHUNK = 50_000
MANUAL_REASON = "manual"  # counted in excluded_by_reason when a reviewer excluded a rating
# The export's columns (scoring.csvio.EXPORT_COLUMNS) as columns of the ratings table.
CONTRACT_COLUMNS = tuple(getattr(Rating, "id" if name == "rating_id" else name) for name in EXPORT_COLUMNS)


@dataclass(frozen=True)
class RunSummary:
    period_key: str
    n_ratings: int
    n_excluded: int
    excluded_by_reason: dict[str, int]
    n_units: int
    n_officers: int
    input_hash: str
    detector_version: str
    audit_flagged: list[str] = field(default_factory=list)  # "gender female", ... (bias audit)
    # wall seconds of each phase (read, detect, write), so an operator sees where a slow run spends
    seconds: dict[str, float] = field(default_factory=dict)


def contract_rows(
    session: Session, *conditions: ColumnElement[bool], batch: int = 20_000
) -> Iterator[tuple[Any, ...]]:
    """The ratings matching `conditions` in id order as rows of EXPORT_COLUMNS (the contract's input
    columns, then outside_hours), each submitted_at in its counter's local offset: office hours and
    days are local. Read `batch` rows at a time."""
    statement = (
        select(*CONTRACT_COLUMNS, Counter.timezone)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(*conditions)
        .order_by(Rating.id)
        .execution_options(yield_per=batch)
    )
    zones: dict[str, ZoneInfo] = {}
    for row in session.execute(statement):
        *values, zone = row
        local = zones.get(zone) or zones.setdefault(zone, ZoneInfo(zone))
        values[1] = values[1].astimezone(local)
        yield tuple(values)


def period_rows(session: Session, period: Period, timezone: str) -> Iterator[tuple[Any, ...]]:
    """The period's ratings as contract rows (contract_rows)."""
    start, end = period.bounds(timezone)
    return contract_rows(session, Rating.submitted_at >= start, Rating.submitted_at < end)


def latest_decisions(session: Session) -> dict[int, str]:
    """rating id -> "exclude" | "include", the newest decision per rating (a small table)."""
    newest = (
        select(RatingDecision.rating_id, func.max(RatingDecision.id).label("id"))
        .group_by(RatingDecision.rating_id)
        .subquery()
    )
    rows = session.execute(
        select(RatingDecision.rating_id, RatingDecision.decision).join(
            newest, newest.c.id == RatingDecision.id
        )
    )
    return {int(rating_id): decision for rating_id, decision in rows}


def period_decisions(session: Session, period: Period, timezone: str) -> dict[int, str]:
    """The newest decision on each rating of the period (what shaped its results)."""
    start, end = period.bounds(timezone)
    newest = (
        select(RatingDecision.rating_id, func.max(RatingDecision.id).label("id"))
        .join(Rating, Rating.id == RatingDecision.rating_id)
        .where(Rating.submitted_at >= start, Rating.submitted_at < end)
        .group_by(RatingDecision.rating_id)
        .subquery()
    )
    rows = session.execute(
        select(RatingDecision.rating_id, RatingDecision.decision).join(
            newest, newest.c.id == RatingDecision.id
        )
    )
    return {int(rating_id): decision for rating_id, decision in rows}


def decisions_hash(decisions: dict[int, str]) -> str:
    """sha256 of the (rating id, decision) pairs in rating id order."""
    text = "\n".join(f"{rating_id}:{decision}" for rating_id, decision in sorted(decisions.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def stored_params(params: ScoringParams) -> dict[str, Any]:
    return asdict(params) | {"trusted_networks": sorted(params.trusted_networks)}


def input_hash(ratings_hash: str, decisions: str, params: ScoringParams, detector_version: str) -> str:
    """The hash of everything that shaped a run's results."""
    parts = {
        "ratings": ratings_hash,
        "decisions": decisions,
        "params": stored_params(params),
        "detector_version": detector_version,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _final_exclusions(flags: FlagTable, decisions: dict[int, str]) -> np.ndarray:
    """The detector's exclusions, overridden by every person's latest decision on a rating."""
    excluded = flags.excluded.copy()
    for decision, value in (("exclude", True), ("include", False)):
        decided = [rating_id for rating_id, made in decisions.items() if made == decision]
        excluded[np.isin(flags.rating_id, decided)] = value
    return excluded


def _excluded_by_reason(
    table: RatingTable, flags: FlagTable, excluded: np.ndarray, decisions: dict[int, str]
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Excluded ratings per reason, overall and per employee label. Each excluded rating is counted
    once, under its first excluding reason (or "manual" when a reviewer excluded it), so the tallies
    add up to the number excluded; flags.csv and the review queue show every reason."""
    overall: Tally[str] = Tally()
    per_employee: dict[str, Tally[str]] = {}
    first = {
        mask: first_excluding_reason(codes) or MANUAL_REASON
        for mask, codes in flags.reasons_by_mask().items()
    }
    for index in np.flatnonzero(excluded).tolist():
        manual = decisions.get(int(flags.rating_id[index])) == "exclude"
        code = MANUAL_REASON if manual else first[int(flags.reason_mask[index])]
        overall[code] += 1
        employee = int(table.employee[index])
        if employee >= 0:
            per_employee.setdefault(table.employee_labels[employee], Tally())[code] += 1
    return dict(overall), {label: dict(tally) for label, tally in per_employee.items()}


def _nips(session: Session, officers: list[dict[str, Any]]) -> dict[str, str]:
    """employee id (as the table labels it) -> NIP, for the scored officers."""
    ids = sorted({int(record["employee_id"]) for record in officers})
    rows = session.execute(select(Employee.id, Employee.nip).where(Employee.id.in_(ids))) if ids else []
    return {str(employee_id): nip for employee_id, nip in rows}


def score_period(
    session: Session,
    period: Period,
    params: ScoringParams,
    timezone: str,
    clock: Callable[[], datetime],
    served: dict[str, int] | None = None,
    before_commit: Callable[[], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> RunSummary:
    """Score one period and replace its stored results atomically (refused once frozen).

    `progress(phase, ratings)` hears "read" with the ratings read so far after every chunk, then
    "detect" and "write" as those phases begin, never inside the write transaction (a background job
    records it on another connection, which SQLite would make wait for that transaction)."""
    freeze.refuse_if_frozen(session, period.key)
    started_at = clock()
    began = time.perf_counter()
    on_chunk = (lambda n: progress("read", n)) if progress else None
    table, ratings_hash = load_period_table(
        session, period, timezone, progress=on_chunk
    )  # streamed in chunks
    decisions = period_decisions(session, period, timezone)
    if served is None:  # the people served, never the number of ratings (scoring.db.served)
        today = started_at.astimezone(ZoneInfo(timezone)).date()
        served = served_for_scoring(session, period, timezone, today)
    session.rollback()  # end the read transaction before the write one
    read = time.perf_counter()
    if progress:
        progress("detect", len(table))
    flags = detect(table, params)
    excluded = _final_exclusions(flags, decisions)
    used = ~excluded
    officers = officer_records(table, used, params)
    units = unit_records(table, used, served)
    audit = audit_table(table, used, officers, _nips(session, officers), params, period.end)
    session.rollback()
    by_reason, by_employee = _excluded_by_reason(table, flags, excluded, decisions)
    decided = decisions_hash(decisions)
    summary = RunSummary(
        period_key=period.key,
        n_ratings=len(table),
        n_excluded=int(excluded.sum()),
        excluded_by_reason=by_reason,
        n_units=len(units),
        n_officers=len(officers),
        input_hash=input_hash(ratings_hash, decided, params, DETECTOR_VERSION),
        detector_version=DETECTOR_VERSION,
        audit_flagged=[f"{row['dimension']} {row['group']}" for row in audit if row["flagged"]],
    )
    summary.seconds.update(read=read - began, detect=time.perf_counter() - read)
    if progress:
        progress("write", len(table))

    try:
        session.execute(delete(ScoringRun).where(ScoringRun.period_key == period.key))
        run = ScoringRun(
            period_key=period.key,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            timezone=timezone,
            detector_version=DETECTOR_VERSION,
            input_hash=summary.input_hash,
            ratings_hash=ratings_hash,
            decisions_hash=decided,
            n_ratings=summary.n_ratings,
            params=stored_params(params),
            started_at=started_at,
            finished_at=clock(),
        )
        session.add(run)
        session.flush()
        if units:
            session.execute(insert(UnitResult), [{"run_id": run.id, **_unit_row(u)} for u in units])
        if officers:
            rows = [{"run_id": run.id, **_officer_row(o, by_employee)} for o in officers]
            session.execute(insert(OfficerResult), rows)
        session.execute(insert(BiasAuditResult), [{"run_id": run.id, **_audit_row(row)} for row in audit])
        _write_flags(session, flags, excluded, clock())
        rollups.after_scoring(session, *period.bounds(timezone), clock())  # the staff pages' day sums
        store_comment_themes(session, run.id, period, timezone)  # reads the flags just written
        if before_commit:  # lets tests prove a failure here leaves the previous results
            before_commit()
        session.commit()
        summary.seconds["write"] = time.perf_counter() - began - sum(summary.seconds.values())
    except BaseException:
        session.rollback()
        raise
    return summary


def _unit_row(record: dict[str, Any]) -> dict[str, Any]:
    return {"unit_id": int(record["unit_id"]), **{k: v for k, v in record.items() if k != "unit_id"}}


def _officer_row(record: dict[str, Any], by_employee: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        **record,
        "employee_id": int(record["employee_id"]),
        "unit_id": int(record["unit_id"]),
        "excluded_by_reason": by_employee.get(record["employee_id"], {}),
    }


def _audit_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"group_name": row["group"], **{k: v for k, v in row.items() if k != "group"}}


def _write_flags(session: Session, flags: FlagTable, excluded: np.ndarray, scored_at: datetime) -> None:
    """Loads the flags into a temporary table in chunks, then one UPDATE ... FROM: row by row updates
    cost a round trip each on PostgreSQL, and one list of every row would not fit 10 million."""
    staging = Table(
        "scoring_flags_staging",
        MetaData(),
        Column("rid", Integer, primary_key=True),
        Column("excluded", Boolean),
        Column("reasons", Text),
        Column("anomaly_score", Float),
        prefixes=["TEMPORARY"],
    )
    connection = session.connection()
    staging.drop(connection, checkfirst=True)
    staging.create(connection)
    joined = {mask: ";".join(codes) for mask, codes in flags.reasons_by_mask().items()}
    postgresql = connection.dialect.name == "postgresql"
    for start in range(0, len(flags), _FLAG_CHUNK):
        part = slice(start, start + _FLAG_CHUNK)
        rows = zip(
            flags.rating_id[part].tolist(),
            excluded[part].tolist(),
            map(joined.__getitem__, flags.reason_mask[part].tolist()),
            flags.anomaly_score[part].tolist(),
            strict=True,
        )
        if postgresql:  # COPY streams the rows; executemany would pipeline one INSERT per row
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(
                "COPY scoring_flags_staging (rid, excluded, reasons, anomaly_score) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            keys = ("rid", "excluded", "reasons", "anomaly_score")
            connection.execute(insert(staging), [dict(zip(keys, row, strict=True)) for row in rows])
    ratings = Rating.__table__
    changed = or_(  # a rating whose flags stay as they were is not rewritten (re-runs after reviews)
        ratings.c.excluded.is_distinct_from(staging.c.excluded),
        ratings.c.reasons.is_distinct_from(staging.c.reasons),
        ratings.c.anomaly_score.is_distinct_from(staging.c.anomaly_score),
        ratings.c.detector_version.is_distinct_from(DETECTOR_VERSION),
        ratings.c.scored_at.is_(None),
    )
    connection.execute(
        update(ratings)
        .where(ratings.c.id == staging.c.rid, changed)
        .values(
            excluded=staging.c.excluded,
            reasons=staging.c.reasons,
            anomaly_score=staging.c.anomaly_score,
            detector_version=DETECTOR_VERSION,
            scored_at=scored_at,
        )
    )
    staging.drop(connection)


def export_ratings(session: Session, period: Period, timezone: str, target: str | IO[str]) -> int:
    """The raw-ratings CSV of the contract (plus outside_hours), ready for `python -m scoring`."""
    count = 0

    def counted() -> Iterator[tuple[Any, ...]]:
        nonlocal count
        for row in period_rows(session, period, timezone):
            count += 1
            yield row

    write_ratings_csv(counted(), target, outside_hours=True)
    return count
