"""The demo city at size: `rating-portal demo-data --ratings N` loads the same units, counters and
officers as the ordinary demo (portal.ops.demo), a roster from twelve months back to eight weeks ahead,
and N ratings spread over the twelve months up to yesterday, with the demo's attacks repeated about
once per 10,000 ratings (each repetition on other days, with phones of its own).

Fast enough to try the product at size: the rows are made as plain tuples and written in big batches
in one transaction, with executemany on SQLite (the load's PRAGMAs relaxed for the load only) and COPY
on PostgreSQL; afterwards the staff rollups are built once (portal.kernel.rollups)."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.kernel import rollups
from portal.kernel.models import SKM_ELEMENTS, DutyShift, Rating, Unit
from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings
from portal.ops.demo import (
    COMMENTS,
    ROOT_CODE,
    ROSTER_DAYS_AHEAD,
    TIMEZONE,
    _local_moment,
    _mix_in_attacks,
    build_city,
)

DAYS = 365  # twelve months of ratings, up to yesterday
ATTACKS_EVERY = 10_000  # ratings per repetition of the demo's attacks
BATCH = 50_000
COLUMNS = (
    "submission_key",
    "counter_id",
    "unit_id",
    "employee_id",
    "attribution",
    "channel",
    "submitted_at",
    "outside_hours",
    "overall",
    *SKM_ELEMENTS,
    "comment",
    "form_seconds",
    "device_hash",
    "network_hash",
    "language",
    "excluded",
    "reasons",
)
_AT = COLUMNS.index("submitted_at")


def _minutes(hours: list[list[str]]) -> list[tuple[int, int]]:
    def minute(text: str) -> int:
        hour, _, rest = text.partition(":")
        return int(hour) * 60 + int(rest)

    return [(minute(a), minute(b)) for a, b in hours]


def load_scaled_demo(session: Session, settings: Settings, ratings: int, today: date | None = None) -> str:
    if session.scalar(select(Unit.id).where(Unit.code == ROOT_CODE)) is not None:
        return "demo data already loaded"
    rng = random.Random(2026)  # noqa: S311  (fake data, reproducible on purpose)
    today = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    units, counters, staff = build_city(session, rng)
    quality = {e.id: rng.uniform(2.6, 3.7) for team in staff.values() for e in team}
    secret = settings.secret_key
    networks = [keyed_hash(secret, "network", f"carrier-{i}") for i in range(4)]
    wifi = {u.id: keyed_hash(secret, "network", f"wifi-{u.code}") for u in units.values()}
    scale = max(1, ratings // ATTACKS_EVERY)
    returning = [keyed_hash(secret, "device", f"returning-{i}") for i in range(300 * scale)]

    # Who is on duty when: two shifts per open counter and day, as in the ordinary demo.
    shifts: list[dict] = []
    open_days: list[tuple[Any, date, Any, Any]] = []  # (counter, day, morning, afternoon)
    for offset in range(DAYS, -ROSTER_DAYS_AHEAD - 1, -1):
        day = today - timedelta(days=offset)
        for counter in counters:
            if not counter.opening_hours.get(str(day.weekday()), []):
                continue
            morning, afternoon = rng.sample(staff[id(counter)], 2)
            opens, noon = _local_moment(day, clock_time(8)), _local_moment(day, clock_time(11, 30))
            closes = _local_moment(day, clock_time(16))
            shifts.append(
                {"employee_id": morning.id, "counter_id": counter.id, "starts_at": opens, "ends_at": noon}
            )
            shifts.append(
                {"employee_id": afternoon.id, "counter_id": counter.id, "starts_at": noon, "ends_at": closes}
            )
            if offset > 0:
                open_days.append((counter, day, morning, afternoon))
    session.execute(insert(DutyShift.__table__), shifts)

    attacks: list[tuple] = []

    def add_attack(counter, employee, moment, overall, answers=None, comment=None, **columns) -> None:
        row = {
            "submission_key": secrets.token_urlsafe(18),
            "counter_id": counter.id,
            "unit_id": counter.unit_id,
            "employee_id": employee.id if employee else None,
            "attribution": "roster" if employee else "none",
            "channel": "poster",
            "submitted_at": moment,
            "outside_hours": not _open(counter, moment),
            "overall": overall,
            **{code: (answers or {}).get(code) for code in SKM_ELEMENTS},
            "comment": comment,
            "form_seconds": round(rng.lognormvariate(3.0, 0.5), 1),
            "device_hash": keyed_hash(secret, "device", secrets.token_hex(8)),
            "network_hash": rng.choice(networks),
            "language": "id",
            "excluded": False,
            "reasons": "",
        }
        row.update(columns)
        attacks.append(tuple(row[name] for name in COLUMNS))

    attack_rounds = max(1, ratings // ATTACKS_EVERY)
    for round_ in range(attack_rounds):
        shift = round_ * 290 // attack_rounds  # the attacks reach 60 days back: stay within the year
        turned = counters[round_ % len(counters) :] + counters[: round_ % len(counters)]
        _mix_in_attacks(rng, turned, staff, today, add_attack, settings, shift, f"-{round_}")
    honest = max(0, ratings - len(attacks))
    per_day = honest / max(1, len(open_days))

    attacks.sort(key=lambda row: row[_AT])
    zone = ZoneInfo(TIMEZONE)

    def rows() -> Iterator[tuple]:
        """Day by day, each day's attacks after its honest ratings: ids rise with time, as they
        do when ratings arrive one by one."""
        made, carry, next_attack = 0, 0.0, 0
        for index, (counter, day, morning, afternoon) in enumerate(open_days):
            while next_attack < len(attacks) and attacks[next_attack][_AT].astimezone(zone).date() < day:
                yield attacks[next_attack]
                next_attack += 1
            carry += per_day
            count = int(carry) if index < len(open_days) - 1 else honest - made
            carry -= int(carry)
            made += count
            intervals = _minutes(counter.opening_hours[str(day.weekday())])
            opens = _local_moment(day, clock_time(8))
            wifi_here = wifi[counter.unit_id]
            for _ in range(count):
                minute = int(min(max(rng.gauss(150, 90), 0), 419))
                officer = morning if minute < 210 else afternoon
                overall = min(4, max(1, round(rng.gauss(quality[officer.id], 0.7))))
                answers = [None] * 9
                if rng.random() < 0.4:
                    answers = [min(4, max(1, round(rng.gauss(overall, 0.6)))) for _ in SKM_ELEMENTS]
                local_minute = 480 + minute
                yield (
                    secrets.token_urlsafe(18),
                    counter.id,
                    counter.unit_id,
                    officer.id,
                    "roster",
                    "poster",
                    opens + timedelta(minutes=minute, seconds=rng.randint(0, 59)),
                    not any(a <= local_minute < b for a, b in intervals),
                    overall,
                    *answers,
                    rng.choice(COMMENTS) if rng.random() < 0.1 else None,
                    round(rng.lognormvariate(3.0, 0.5), 1),
                    rng.choice(returning)
                    if rng.random() < 0.08
                    else keyed_hash(secret, "device", secrets.token_hex(8)),
                    rng.choice(networks) if rng.random() < 0.8 else wifi_here,
                    "id",
                    False,
                    "",
                )
        yield from attacks[next_attack:]

    began = time.perf_counter()
    written = write_ratings(session, rows())
    session.commit()
    loaded = time.perf_counter()
    rollups.refresh(session, settings.period_timezone, full=True)
    session.commit()
    return (
        f"demo data loaded: {len(units)} units, {len(counters)} counters, "
        f"{sum(len(t) for t in staff.values())} employees, {len(shifts)} shifts, {written} ratings "
        f"(ratings written in {loaded - began:.0f} s, rollups built in {time.perf_counter() - loaded:.0f} s)"
    )


def _open(counter, moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo(counter.timezone))
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in _minutes(counter.opening_hours.get(str(local.weekday()), [])))


def write_ratings(session: Session, rows: Iterator[tuple]) -> int:
    """Rows in COLUMNS order (submitted_at an aware datetime) into the ratings table within the
    session's transaction, COPY on PostgreSQL, executemany on SQLite; how many."""
    connection = session.connection()
    raw = connection.connection.driver_connection
    names = ", ".join(COLUMNS)
    count = 0
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {Rating.__tablename__} ({names}) FROM STDIN") as copy:
            for row in rows:  # the column is naive UTC (portal.kernel.models.UTCDateTime)
                copy.write_row((*row[:_AT], row[_AT].astimezone(UTC).replace(tzinfo=None), *row[_AT + 1 :]))
                count += 1
        return count
    cursor = raw.cursor()
    for pragma in ("cache_size=-400000", "temp_store=MEMORY"):  # one transaction: sync matters only once
        cursor.execute(f"PRAGMA {pragma}")  # this connection only, for the load
    sql = f"INSERT INTO {Rating.__tablename__} ({names}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608
    batch: list[tuple] = []
    for row in rows:  # SQLAlchemy's SQLite DATETIME text, naive UTC
        at = row[_AT].astimezone(UTC)
        batch.append((*row[:_AT], at.strftime("%Y-%m-%d %H:%M:%S.%f"), *row[_AT + 1 :]))
        if len(batch) == BATCH:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch = []
    cursor.executemany(sql, batch)
    cursor.execute("PRAGMA cache_size=-2000")
    return count + len(batch)
