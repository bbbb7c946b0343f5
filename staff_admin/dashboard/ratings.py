"""The ratings browser and its CSV export: filtered, scoped to the principal's units, paginated.

For HR and admins the export is the scoring CSV contract (docs/scoring.md; scoring.csvio.EXPORT_COLUMNS:
the input columns plus outside_hours, read by scoring.db.store.contract_rows), so it can be fed
straight back into `python -m scoring`. A unit head's export leaves out the device and network hashes:
they link one citizen's ratings across time, and only scoring needs them.

Cells are written as they are except the citizen's comment, the one free-text column: a comment
starting with = + - @, tab or CR gets a leading ' (staff_admin.kit.exports), so opening the file in a
spreadsheet runs nothing. Scoring never reads the comment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee, Rating, Unit
from portal.kernel.rollups import day_bounds
from scoring.csvio import EXPORT_COLUMNS
from scoring.db.store import CONTRACT_COLUMNS
from scoring.reasons import REASONS
from staff_admin.access import (
    ADMIN,
    HR,
    UNIT_HEAD,
    NotFound,
    Principal,
    can_see_unit,
    require_role,
    require_unit,
    unit_scope,
)
from staff_admin.dashboard.filters import FilterError, RatingFilters, parse_filters
from staff_admin.dashboard.labels import CHANNEL_NAMES
from staff_admin.kit.exports import neutralise
from staff_admin.kit.listing import paging
from staff_admin.kit.tallies import EVER, Dims, Where, day_counts
from staff_admin.service import UnitRow, visible_units

PAGE_SIZE = 50
MAX_CHOICES = 300  # counter and officer lists longer than this ask for a unit first
EXPORT_BATCH = 2_000
HASH_COLUMNS = ("device_hash", "network_hash")


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class RatingRow:
    id: int
    submitted_local: datetime  # in the counter's time zone
    unit_name: str
    counter_name: str
    officer_name: str  # "" when nobody was on duty
    officer_nip: str
    overall: int
    channel_name: str  # msgid
    excluded: bool
    reasons: list[str]  # plain language, in the page's language
    comment: str


@dataclass(frozen=True)
class RatingsPage:
    filters: RatingFilters
    errors: list[FilterError]
    units: list[UnitRow]
    counters: list[Choice] | None  # None: too many to list, choose a unit first
    officers: list[Choice] | None
    rows: list[RatingRow]
    total: int
    page: int
    pages: int


def _check_scope(session: Session, principal: Principal, filters: RatingFilters) -> None:
    """Officers may not browse; a unit, counter or officer outside the principal's units is a 404."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    if filters.unit_id is not None:
        require_unit(principal, filters.unit_id)
    for model, wanted in ((Counter, filters.counter_id), (Employee, filters.employee_id)):
        if wanted is None:
            continue
        owner = session.scalar(select(model.unit_id).where(model.id == wanted))
        if owner is None or not can_see_unit(principal, owner):
            raise NotFound(f"{model.__name__} {wanted}")


def _conditions(principal: Principal, filters: RatingFilters, timezone: str) -> list[ColumnElement[bool]]:
    conditions = [unit_scope(principal, Rating.unit_id)]
    if filters.unit_id is not None:
        conditions.append(Rating.unit_id == filters.unit_id)
    if filters.counter_id is not None:
        conditions.append(Rating.counter_id == filters.counter_id)
    if filters.employee_id is not None:
        conditions.append(Rating.employee_id == filters.employee_id)
    if filters.period is not None:
        start, end = filters.period.bounds(timezone)
        conditions += [Rating.submitted_at >= start, Rating.submitted_at < end]
    if filters.overall is not None:
        conditions.append(Rating.overall == filters.overall)
    if filters.channel is not None:
        conditions.append(Rating.channel == filters.channel)
    if filters.excluded is not None:
        conditions.append(Rating.excluded.is_(filters.excluded))
    if filters.has_comment is True:
        conditions.append(and_(Rating.comment.is_not(None), func.trim(Rating.comment) != ""))
    elif filters.has_comment is False:
        conditions.append((Rating.comment.is_(None)) | (func.trim(Rating.comment) == ""))
    return conditions


def _dimension_filter(principal: Principal, filters: RatingFilters) -> Where:
    """The filters of _conditions but the period, on the tallies' dimensions (day counts)."""

    def where(dims: Dims) -> list[ColumnElement[bool]]:
        conditions = [unit_scope(principal, dims["unit"])]
        wanted = (
            ("unit", filters.unit_id),
            ("counter", filters.counter_id),
            ("employee", filters.employee_id),
            ("overall", filters.overall),
            ("channel", filters.channel),
        )
        conditions += [dims[name] == value for name, value in wanted if value is not None]
        for name, value in (("excluded", filters.excluded), ("commented", filters.has_comment)):
            if value is not None:
                conditions.append(dims[name].is_(value))
        return conditions

    return where


def seek(days: list[tuple[date, int]], offset: int, timezone: str) -> tuple[datetime | None, int]:
    """Where a page starts (newest first), without OFFSET over every newer row: the end of the local
    day that holds row `offset`, and how many of that day's rows come before it. `days` are the
    matching rows per day, the newest first (staff_admin.kit.tallies.day_counts)."""
    for day, count in days:
        if offset < count:
            return day_bounds(day, timezone)[1], offset
        offset -= count
    return None, offset


def _choices(session: Session, principal: Principal, model: Any, unit_id: int | None) -> list[Choice] | None:
    where = [unit_scope(principal, model.unit_id)]
    if unit_id is not None:
        where.append(model.unit_id == unit_id)
    if session.scalar(select(func.count()).select_from(model).where(*where)) > MAX_CHOICES:
        return None
    label = model.name if model is Counter else model.name + " (" + model.nip + ")"
    rows = session.execute(select(model.id, label).where(*where).order_by(model.name, model.id))
    return [Choice(value, text) for value, text in rows]


def _local(moment: datetime, zone: str, zones: dict[str, ZoneInfo]) -> datetime:
    return moment.astimezone(zones.get(zone) or zones.setdefault(zone, ZoneInfo(zone)))


def _reasons(codes: str, language: str) -> list[str]:
    return [REASONS.get(code, {}).get(language, code) for code in codes.split(";") if code]


def browse(
    session: Session, principal: Principal, query: dict[str, str], timezone: str, language: str
) -> RatingsPage:
    """One page of the principal's ratings matching the filters, newest first."""
    filters, errors = parse_filters(query)
    _check_scope(session, principal, filters)
    units = visible_units(session, principal)
    counters = _choices(session, principal, Counter, filters.unit_id)
    officers = _choices(session, principal, Employee, filters.unit_id)
    if errors:
        return RatingsPage(filters, errors, units, counters, officers, [], 0, 1, 1)
    conditions = _conditions(principal, filters, timezone)
    start, end = filters.period.bounds(timezone) if filters.period else EVER
    days = day_counts(session, start, end, timezone, _dimension_filter(principal, filters))
    total = sum(n for _, n in days)
    shown = paging(total, filters.page, PAGE_SIZE)
    newer, skip = seek(days, shown.offset, timezone)
    # The page's ids from the ratings alone (read off ix_ratings_submitted_at_id, newest first), then
    # their names: joined in one statement, SQLite started from the units and sorted a unit's all.
    page_ids = list(
        session.scalars(
            select(Rating.id)
            .where(*conditions, *([] if newer is None else [Rating.submitted_at < newer]))
            .order_by(Rating.submitted_at.desc(), Rating.id.desc())
            .offset(skip)
            .limit(PAGE_SIZE)
        )
    )
    statement: Select = (
        select(Rating, Unit.name, Counter.name, Counter.timezone, Employee.name, Employee.nip)
        .join(Unit, Unit.id == Rating.unit_id)
        .join(Counter, Counter.id == Rating.counter_id)
        .outerjoin(Employee, Employee.id == Rating.employee_id)
        .where(Rating.id.in_(page_ids))
        .order_by(Rating.submitted_at.desc(), Rating.id.desc())
    )
    zones: dict[str, ZoneInfo] = {}
    rows = [
        RatingRow(
            id=rating.id,
            submitted_local=_local(rating.submitted_at, zone, zones),
            unit_name=unit_name,
            counter_name=counter_name,
            officer_name=officer_name or "",
            officer_nip=officer_nip or "",
            overall=rating.overall,
            channel_name=CHANNEL_NAMES.get(rating.channel, rating.channel),
            excluded=rating.excluded,
            reasons=_reasons(rating.reasons, language),
            comment=rating.comment or "",
        )
        for rating, unit_name, counter_name, zone, officer_name, officer_nip in session.execute(statement)
    ]
    return RatingsPage(filters, errors, units, counters, officers, rows, total, shown.page, shown.pages)


@dataclass(frozen=True)
class RatingsExport:
    filename: str
    chunks: Iterator[str]  # CSV text; the first chunk carries the header


class InvalidFilters(ValueError):
    def __init__(self, errors: list[FilterError]) -> None:
        super().__init__("; ".join(error.field for error in errors))
        self.errors = errors


def export(
    sessions: Callable[[], Session], principal: Principal, query: dict[str, str], timezone: str
) -> RatingsExport:
    """Check the filters and the scope now (errors before any byte is sent), then stream the rows
    from a session of its own: the request's session is closed before the body is written."""
    filters, errors = parse_filters(query)
    with sessions() as session:
        _check_scope(session, principal, filters)
    if errors:
        raise InvalidFilters(errors)
    conditions = _conditions(principal, filters, timezone)
    name = "ratings" + (f"-{filters.period.label}" if filters.period else "")
    safe_name = "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in name)
    leave_out = () if principal.role in (ADMIN, HR) else HASH_COLUMNS
    period = filters.period.bounds(timezone) if filters.period else None
    return RatingsExport(f"{safe_name}.csv", _contract_chunks(sessions, conditions, leave_out, period))


def _contract_chunks(
    sessions: Callable[[], Session],
    conditions: list[ColumnElement[bool]],
    leave_out: tuple[str, ...],
    period: tuple[datetime, datetime] | None,
) -> Iterator[str]:
    """The CSV in chunks of EXPORT_BATCH rows, streamed from the database through Core (a server-side
    cursor on PostgreSQL): rows as scoring.db.store.contract_rows gives them, cells as
    scoring.csvio.write_ratings_csv writes them, the comment neutralised."""
    names = [name for name in EXPORT_COLUMNS if name not in leave_out]
    at, comment, outside = (names.index(n) for n in ("submitted_at", "comment", "outside_hours"))
    texts = [i for i, name in enumerate(names) if name in (*HASH_COLUMNS, "comment")]
    columns = [CONTRACT_COLUMNS[EXPORT_COLUMNS.index(name)] for name in names]
    zones: dict[str, ZoneInfo] = {}
    with sessions() as session:
        where = list(conditions)
        if period is not None:  # the period's id range: the id-ordered scan starts and stops there
            # OFFSET 0 keeps PostgreSQL from answering min(id) by walking the primary key from the
            # first rating ever: the period's ids come off ix_ratings_submitted_at_id alone.
            ids = (
                select(Rating.id)
                .where(Rating.submitted_at >= period[0], Rating.submitted_at < period[1])
                .offset(0)
                .subquery()
            )
            low, high = session.execute(select(func.min(ids.c.id), func.max(ids.c.id))).one()
            where.append(Rating.id.between(low or 0, high or 0))
        statement = (
            select(*columns, Counter.timezone)
            .join(Counter, Counter.id == Rating.counter_id)
            .where(*where)
            .order_by(Rating.id)
        )
        # Read through the driver's own cursor (server-side on PostgreSQL): SQLAlchemy's row objects
        # and type processing cost more than writing the line. The values in the SQL are parsed
        # filters (ids, a channel, dates) rendered by SQLAlchemy. submitted_at comes naive UTC (text
        # on SQLite), outside_hours a bool or 0/1.
        connection = session.connection()
        sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        raw = connection.connection.driver_connection
        postgresql = connection.dialect.name == "postgresql"
        cursor = raw.cursor(name="ratings_export") if postgresql else raw.cursor()
        cursor.execute(sql)
        lines = [",".join(names)]
        while rows := cursor.fetchmany(EXPORT_BATCH):
            for row in rows:
                values = list(row)
                zone = values.pop()
                local = zones.get(zone) or zones.setdefault(zone, ZoneInfo(zone))
                moment = values[at]
                if moment.__class__ is str:
                    moment = datetime.fromisoformat(moment)
                values[at] = moment.replace(tzinfo=UTC).astimezone(local).isoformat()
                values[outside] = "1" if values[outside] else "0"
                values[comment] = neutralise(values[comment])
                for index in texts:
                    if values[index] is not None:
                        values[index] = csv_text(values[index])
                lines.append(
                    ",".join(["" if v is None else v if v.__class__ is str else str(v) for v in values])
                )
            lines.append("")
            yield "\n".join(lines)
            lines = []
        cursor.close()
        if lines:  # nothing matched: the header alone
            yield lines[0] + "\n"


def csv_text(value: str) -> str:
    """A text cell as csv.writer writes it (QUOTE_MINIMAL, "\\n" line ends): quoted, with its quotes
    doubled, when it holds a comma, a quote or a line feed."""
    if "," in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value
