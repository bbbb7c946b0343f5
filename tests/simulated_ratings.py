"""Simulated ratings (scoring.sim.simulate: honest traffic plus labelled attacks) written into a migrated
database, shared by the scoring tests and bench/scoring_db_bench.py.

Units, counters (in the units' Indonesian time zones, open Monday-Friday 08:00-15:00) and officers are
created through the ORM; the ratings go in through the driver (COPY on PostgreSQL, executemany on
SQLite), so ten million of them load in minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import Engine

from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.models import Counter, Employee, Unit
from portal.ops.demo_scale import write_ratings
from scoring.sim.simulate import SimConfig, SimulatedRatings, simulate

ZONES = {420: "Asia/Jakarta", 480: "Asia/Makassar", 540: "Asia/Jayapura"}


def period_of(config: SimConfig) -> str:
    """A date range holding every simulated rating: late raters and local offsets spill over the edges."""
    first = config.start - dt.timedelta(days=7)
    last = config.start + dt.timedelta(weeks=config.weeks + 2)
    return f"{first.isoformat()}..{last.isoformat()}"


def fill(engine: Engine, sim: SimulatedRatings) -> None:
    """Writes the simulated world, then its ratings in simulation order (database ids follow it)."""
    c = sim.columns
    units, counters, employees = _master_data(engine, c)
    counter_ids = np.array(
        [counters[pair] for pair in zip(c["unit_id"].tolist(), c["counter_id"].tolist(), strict=True)]
    )
    unit_ids = np.array([units[label] for label in c["unit_id"].tolist()])
    employee_ids = [employees.get(label) if label else None for label in c["employee_id"].tolist()]
    moments = c["ts"].astype("datetime64[s]").astype(str)
    outside = _outside_hours(c["ts"], c["offset_min"]).tolist()
    answers = [[int(v) or None for v in column] for column in c["answers"].T.tolist()]
    seconds = [None if np.isnan(s) else s for s in c["form_seconds"].tolist()]
    columns: list[Any] = [
        [f"sim{i}" for i in range(len(sim))],
        counter_ids.tolist(),
        unit_ids.tolist(),
        employee_ids,
        ["roster" if e else "none" for e in employee_ids],
        c["channel"].tolist(),
        [dt.datetime.fromisoformat(m).replace(tzinfo=dt.UTC) for m in moments.tolist()],
        outside,
        c["overall"].astype(int).tolist(),
        *answers,
        [None] * len(sim),  # comment
        seconds,
        [d or None for d in c["device_hash"].tolist()],
        [n or None for n in c["network_hash"].tolist()],
        ["id"] * len(sim),
        [False] * len(sim),
        [""] * len(sim),
    ]
    with make_sessionmaker(engine)() as session:  # the demo at scale's bulk writer
        write_ratings(session, zip(*columns, strict=True))
        session.commit()


def load_simulated(url: str, size: int) -> str:
    """Fills the database at `url` with about `size` simulated ratings (seed 1, a unit per 3,000);
    returns the period that holds them all."""
    config = SimConfig(seed=1, n_honest=size, n_units=max(6, size // 3000))
    engine = make_engine(url)
    try:
        fill(engine, simulate(config))
    finally:
        engine.dispose()
    return period_of(config)


def _master_data(
    engine: Engine, c: dict[str, np.ndarray]
) -> tuple[dict[str, int], dict[tuple[str, str], int], dict[str, int]]:
    zone_of_unit = dict(zip(c["unit_id"].tolist(), c["offset_min"].tolist(), strict=True))
    with make_sessionmaker(engine)() as session:
        units: dict[str, int] = {}
        for label in sorted(zone_of_unit):
            unit = Unit(code=label[:40], name=f"Unit {label}")
            session.add(unit)
            session.flush()
            units[label] = unit.id
        counters: dict[tuple[str, str], int] = {}
        for unit_label, counter_label in sorted(
            set(zip(c["unit_id"].tolist(), c["counter_id"].tolist(), strict=True))
        ):
            counter = Counter(
                unit_id=units[unit_label],
                name=counter_label,
                timezone=ZONES[zone_of_unit[unit_label]],
                opening_hours={str(d): [["08:00", "15:00"]] for d in range(5)},
            )
            session.add(counter)
            session.flush()
            counters[(unit_label, counter_label)] = counter.id
        employees: dict[str, int] = {}
        pairs = {(e, u) for e, u in zip(c["employee_id"].tolist(), c["unit_id"].tolist(), strict=True) if e}
        for index, (label, unit_label) in enumerate(sorted(pairs)):
            if label in employees:
                continue
            block = index // 999
            nip = f"{1960 + block % 30}0101{2000 + block % 20}01{1 + index % 2}{index % 999 + 1:03d}"
            employee = Employee(nip=nip, name=f"Officer {label}", unit_id=units[unit_label])
            session.add(employee)
            session.flush()
            employees[label] = employee.id
        session.commit()
    return units, counters, employees


def _outside_hours(ts: np.ndarray, offset_min: np.ndarray) -> np.ndarray:
    local = ts + offset_min.astype(np.int64) * 60
    hour = (local // 3600) % 24
    weekday = ((local // 86_400) + 3) % 7  # 1970-01-01 was a Thursday
    return (weekday >= 5) | (hour < 8) | (hour >= 15)
