"""Synthetic ratings: realistic honest traffic plus labelled attacks, shared by tests and benches.

Honest traffic has the things that make detection hard: offices in UTC+7/+8/+9 with correct offsets,
thousands of citizens behind a few carrier networks, office Wi-Fi, kiosk screens scanned by phones,
tickets, returning citizens (once or twice), double submits, straight-liners, quick ratings with blank
u1..u9, late raters in the evening, crowds arriving together at busy hours, officers with ~3 and with
hundreds of ratings. Attacks are labelled with their kind: burst, device_rotation, sabotage, bot,
slow_stuffing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from scoring.csvio import PathOrFile, write_ratings_csv
from scoring.sim.attacks import add_attacks
from scoring.sim.world import Rows, World
from scoring.table import CHANNELS, KIOSK, POSTER, TICKET, RatingTable

ATTACK_KINDS: tuple[str, ...] = ("burst", "device_rotation", "sabotage", "bot", "slow_stuffing")
_INCIDENTS_PER_20K = {"burst": 5, "device_rotation": 4, "sabotage": 4, "bot": 3, "slow_stuffing": 5}
_N_CARRIER_NETWORKS = 40
_DAY = 86_400


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int = 0
    n_honest: int = 20_000
    n_units: int = 6
    weeks: int = 8
    start: dt.date = dt.date(2025, 3, 3)  # a Monday
    attacks: bool = True
    incidents_scale: float = 1.0  # multiplies the number of attack incidents
    # extra scenarios beyond ATTACK_KINDS, e.g. ("carrier_stuffing",): only the review marker can see them
    extra_kinds: tuple[str, ...] = ()


@dataclass(slots=True)
class SimulatedRatings:
    columns: dict[str, np.ndarray]  # contract columns (strings for ids, arrays for numbers)
    kind: np.ndarray  # "" for honest ratings, else the attack kind
    incident: np.ndarray  # attack incident number, -1 for honest

    def __len__(self) -> int:
        return len(self.kind)

    def subset(self, keep: np.ndarray) -> SimulatedRatings:
        return SimulatedRatings(
            {k: v[keep] for k, v in self.columns.items()}, self.kind[keep], self.incident[keep]
        )

    def honest_only(self) -> SimulatedRatings:
        return self.subset(self.kind == "")

    def table(self) -> RatingTable:
        c = self.columns
        return RatingTable.from_columns(
            rating_id=c["rating_id"],
            ts_utc=c["ts"],
            utc_offset_minutes=c["offset_min"],
            unit_id=c["unit_id"],
            counter_id=c["counter_id"],
            employee_id=c["employee_id"],
            channel=c["channel"],
            device_hash=c["device_hash"],
            network_hash=c["network_hash"],
            overall=c["overall"],
            answers=c["answers"],
            form_seconds=c["form_seconds"],
        )

    def csv_rows(self) -> Iterator[list[str]]:
        """Rows in the CSV contract's column order, as strings."""
        c = self.columns
        local = (c["ts"] + c["offset_min"].astype(np.int64) * 60).astype("datetime64[s]")
        stamps = np.datetime_as_string(local, unit="s")
        suffix = {
            m: f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
            for m in np.unique(c["offset_min"])
        }
        answers = np.where(c["answers"] > 0, c["answers"].astype(str), "")
        seconds = [("" if np.isnan(s) else f"{s:.1f}") for s in c["form_seconds"].tolist()]
        for i in range(len(self)):
            yield [
                c["rating_id"][i],
                stamps[i] + suffix[c["offset_min"][i]],
                c["unit_id"][i],
                c["counter_id"][i],
                c["employee_id"][i],
                c["channel"][i],
                c["device_hash"][i],
                c["network_hash"][i],
                str(c["overall"][i]),
                *answers[i].tolist(),
                seconds[i],
                "",
            ]

    def write_csv(self, target: PathOrFile) -> None:
        write_ratings_csv(self.csv_rows(), target)


def _build_world(config: SimConfig, rng: np.random.Generator) -> World:
    n_units = config.n_units
    counters_per_unit = rng.integers(1, 4, n_units)
    counter_unit = np.repeat(np.arange(n_units), counters_per_unit)
    officers_per_counter = rng.integers(1, 4, len(counter_unit))
    officer_counter = np.repeat(np.arange(len(counter_unit)), officers_per_counter)
    weight = rng.lognormal(0.0, 0.8, len(officer_counter))
    weight /= weight.sum()
    weight[0] = 3.0 / config.n_honest  # an officer with about 3 ratings
    weight /= weight.sum()
    start_day = (config.start - dt.date(1970, 1, 1)).days
    days = start_day + np.arange(config.weeks * 7)
    return World(
        offset_hours=np.array([7, 8, 9])[np.arange(n_units) % 3],
        officer_unit=counter_unit[officer_counter],
        officer_counter=officer_counter,
        officer_weight=weight,
        officer_quality=np.clip(rng.normal(3.2, 0.3, len(officer_counter)), 2.2, 3.8),
        counter_unit=counter_unit,
        counter_kiosk=rng.random(len(counter_unit)) < 0.35,
        counter_ticket=rng.random(len(counter_unit)) < 0.35,
        element_base=rng.uniform(2.8, 3.6, (n_units, 9)),
        working_days=days[(days + 3) % 7 < 5],
        start_day=start_day,
    )


def _scores(rng: np.random.Generator, world: World, officer: np.ndarray, unit: np.ndarray):
    """Face rating, u1..u9 (quick ratings blank, straight-liners all equal) and form seconds."""
    n = len(officer)
    quality = world.officer_quality[officer]
    overall = np.clip(np.rint(quality + rng.normal(0, 0.75, n)), 1, 4).astype(np.int8)
    answers = np.clip(
        np.rint(world.element_base[unit] + 0.5 * (overall[:, None] - 3) + rng.normal(0, 0.6, (n, 9))), 1, 4
    )
    answers[:, 5:7] = np.clip(np.rint(quality[:, None] + rng.normal(0, 0.6, (n, 2))), 1, 4)
    style = rng.choice(3, n, p=[0.40, 0.09, 0.51])  # quick, straight-liner, full
    answers[style == 1] = overall[style == 1, None]
    answers[style == 0] = 0
    seconds = np.select(
        [style == 0, style == 1],
        [2.5 + rng.lognormal(np.log(4), 0.5, n), 6 + rng.lognormal(np.log(8), 0.4, n)],
        12 + rng.lognormal(np.log(25), 0.5, n),
    )
    seconds[rng.random(n) < 0.03] = np.nan
    return overall, answers.astype(np.int8), seconds


def _honest(config: SimConfig, rng: np.random.Generator, world: World, rows: Rows) -> None:
    n_primary = int(config.n_honest * 0.80)
    officer = rng.choice(len(world.officer_weight), n_primary, p=world.officer_weight)
    day = rng.choice(world.working_days, n_primary)
    arrival = 8 * 3600 + rng.beta(2, 3.5, n_primary) * 7.5 * 3600
    # crowds: a group arriving together at one counter within 20 minutes
    leaders = np.flatnonzero(rng.random(n_primary) < 0.012)
    size = rng.integers(5, 16, len(leaders))
    members = np.repeat(leaders, size)
    officer = np.r_[officer, officer[members]]
    day = np.r_[day, day[members]]
    arrival = np.r_[arrival, arrival[members] + rng.uniform(0, 1200, len(members))]
    citizen = np.arange(len(officer))
    # returning citizens: the same device once or twice more, 1..30 days later
    returning = np.flatnonzero(rng.random(len(officer)) < 0.08)
    visits = np.repeat(returning, rng.choice([1, 2], len(returning), p=[0.6, 0.4]))
    same_officer = rng.random(len(visits)) < 0.6
    other = _same_unit_officer(rng, world, officer[visits])
    officer = np.r_[officer, np.where(same_officer, officer[visits], other)]
    day = np.r_[day, day[visits] + rng.integers(1, 31, len(visits))]
    arrival = np.r_[arrival, 8 * 3600 + rng.uniform(0, 7.5 * 3600, len(visits))]
    citizen = np.r_[citizen, citizen[visits]]
    in_period = np.isin(day, world.working_days)
    officer, day, arrival, citizen = (
        officer[in_period],
        day[in_period],
        arrival[in_period],
        citizen[in_period],
    )
    n = len(officer)
    submit = arrival + rng.uniform(120, 900, n) + rng.lognormal(np.log(60), 0.8, n)
    late = rng.random(n) < 0.03  # rated in the evening at home
    submit = np.where(late, 18 * 3600 + rng.uniform(0, 4.5 * 3600, n), submit)
    unit = world.officer_unit[officer]
    counter = world.officer_counter[officer]
    channel = np.full(n, POSTER, dtype=np.int8)
    channel[world.counter_ticket[counter] & (rng.random(n) < 0.5)] = TICKET
    channel[world.counter_kiosk[counter] & (rng.random(n) < 0.4) & ~late] = KIOSK
    device = np.char.add("dev-", citizen.astype(str)).astype(object)
    device[rng.random(n) < 0.01] = ""
    network = _honest_networks(rng, unit, citizen)
    attributed = np.where(rng.random(n) < 0.05, -1, officer)
    overall, answers, seconds = _scores(rng, world, officer, unit)
    local = day.astype(np.int64) * _DAY + submit.astype(np.int64)
    double = rng.random(n) < 0.01  # an impatient second tap on a slow connection
    pick = np.r_[np.arange(n), np.flatnonzero(double)]
    local = np.r_[local, local[double] + rng.integers(5, 90, int(double.sum()))]
    rows.add(
        local=local, unit=unit[pick], counter=counter[pick], officer=attributed[pick], channel=channel[pick],
        device=device[pick], network=network[pick], overall=overall[pick], answers=answers[pick],
        seconds=seconds[pick], kind=np.full(len(pick), "", dtype=object), incident=np.full(len(pick), -1),
    )  # fmt: skip


def _same_unit_officer(rng: np.random.Generator, world: World, officer: np.ndarray) -> np.ndarray:
    unit = world.officer_unit[officer]
    out = officer.copy()
    for u in np.unique(unit):
        pool = np.flatnonzero(world.officer_unit == u)
        chosen = unit == u
        weight = world.officer_weight[pool] / world.officer_weight[pool].sum()
        out[chosen] = rng.choice(pool, int(chosen.sum()), p=weight)
    return out


def _honest_networks(rng: np.random.Generator, unit: np.ndarray, citizen: np.ndarray) -> np.ndarray:
    n = len(unit)
    carrier_weight = rng.dirichlet(np.full(_N_CARRIER_NETWORKS, 2.0))
    carrier = np.char.add("carrier-", rng.choice(_N_CARRIER_NETWORKS, n, p=carrier_weight).astype(str))
    kind = rng.choice(3, n, p=[0.68, 0.27, 0.05])
    network = np.where(kind == 0, carrier, np.char.add("wifi-", unit.astype(str))).astype(object)
    network[kind == 2] = np.char.add("home-", citizen[kind == 2].astype(str))
    network[rng.random(n) < 0.01] = ""
    return network


def simulate(config: SimConfig = SimConfig()) -> SimulatedRatings:
    """Honest ratings plus, when config.attacks, labelled attack incidents. Deterministic per seed."""
    rng = np.random.default_rng(config.seed)
    world = _build_world(config, rng)
    rows = Rows()
    _honest(config, rng, world, rows)
    if config.attacks:
        scale = config.n_honest / 20_000 * config.incidents_scale
        counts = {kind: max(1, round(base * scale)) for kind, base in _INCIDENTS_PER_20K.items()}
        counts |= {kind: max(1, round(3 * scale)) for kind in config.extra_kinds}
        add_attacks(rng, world, rows, counts)
    return _finish(world, rows.stacked())


def _finish(world: World, data: dict[str, np.ndarray]) -> SimulatedRatings:
    offset_min = (world.offset_hours[data["unit"]] * 60).astype(np.int32)
    ts = data["local"] - offset_min.astype(np.int64) * 60
    order = np.argsort(ts, kind="stable")
    n = len(order)
    employee = np.char.add("E", data["officer"].astype(str)).astype(object)
    employee[data["officer"] < 0] = ""
    columns = {
        "rating_id": np.char.add("R", np.char.zfill(np.arange(n).astype(str), 8)).astype(object),
        "ts": ts[order],
        "offset_min": offset_min[order],
        "unit_id": np.char.add("U", data["unit"].astype(str)).astype(object)[order],
        "counter_id": np.char.add("L", data["counter"].astype(str)).astype(object)[order],
        "employee_id": employee[order],
        "channel": np.array(CHANNELS, dtype=object)[data["channel"]][order],
        "device_hash": data["device"][order],
        "network_hash": data["network"][order],
        "overall": data["overall"][order].astype(np.int8),
        "answers": data["answers"][order].astype(np.int8),
        "form_seconds": data["seconds"][order].astype(np.float64),
    }
    return SimulatedRatings(columns, data["kind"][order], data["incident"][order].astype(np.int64))


def without_attacks(config: SimConfig) -> SimConfig:
    return replace(config, attacks=False)
