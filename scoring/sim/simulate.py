"""Synthetic ratings: realistic honest traffic plus labelled attacks, shared by tests and benches.

Honest traffic and its look-alikes (fast tappers, weekly regulars, bad days) are made in
scoring.sim.honest; attacks, labelled with their kind, in scoring.sim.attacks. The world can carry
counter and channel effects (with officers serving at other counters of their unit, so the adjusted
score can tell the two apart) and planted gaps between officers' groups (for the bias audit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from scoring.csvio import PathOrFile, write_ratings_csv
from scoring.sim.attacks import add_attacks
from scoring.sim.honest import add_honest
from scoring.sim.world import Rows, World
from scoring.table import CHANNELS, RatingTable

ATTACK_KINDS: tuple[str, ...] = (
    "burst",
    "device_rotation",
    "sabotage",
    "bot",
    "slow_stuffing",
    "ticket_insider",
    "kiosk_insider",
    "brigade",
)
LOOK_ALIKES: tuple[str, ...] = ("fast_tapper", "regular", "bad_day")
_INCIDENTS_PER_20K = {
    "burst": 5,
    "device_rotation": 4,
    "sabotage": 4,
    "bot": 3,
    "slow_stuffing": 5,
    "ticket_insider": 3,
    "kiosk_insider": 3,
    "brigade": 4,
}


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
    # only these attack kinds (None: all of ATTACK_KINDS)
    kinds: tuple[str, ...] | None = None
    # the world: share of ratings served at another counter of the officer's unit; counter effects
    # (standard deviation) and channel effects (poster, kiosk, ticket), on the 1-4 face scale
    rotation: float = 0.0
    counter_effect_sd: float = 0.0
    channel_effect: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # planted gaps for the bias audit: added to the quality of female officers / officers aged 50+
    female_shift: float = 0.0
    over_50_shift: float = 0.0


@dataclass(slots=True)
class SimulatedRatings:
    columns: dict[str, np.ndarray]  # contract columns (strings for ids, arrays for numbers)
    kind: np.ndarray  # "" for honest ratings, else the attack kind
    incident: np.ndarray  # attack incident number, -1 for honest
    look_alike: np.ndarray  # honest look-alike label (LOOK_ALIKES) or ""
    employees: dict[str, np.ndarray]  # employee_id, nip, unit_id of every officer

    def __len__(self) -> int:
        return len(self.kind)

    def subset(self, keep: np.ndarray) -> SimulatedRatings:
        return SimulatedRatings(
            {k: v[keep] for k, v in self.columns.items()},
            self.kind[keep],
            self.incident[keep],
            self.look_alike[keep],
            self.employees,
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

    def write_employees_csv(self, target: PathOrFile) -> None:
        """employees.csv of the CSV contract: employee_id, nip, unit_id."""
        import csv

        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("employee_id", "nip", "unit_id"))
            writer.writerows(
                zip(*(self.employees[c].tolist() for c in ("employee_id", "nip", "unit_id")), strict=True)
            )


def _build_world(config: SimConfig, rng: np.random.Generator) -> World:
    n_units = config.n_units
    counters_per_unit = rng.integers(1, 4, n_units)
    counter_unit = np.repeat(np.arange(n_units), counters_per_unit)
    officers_per_counter = rng.integers(1, 4, len(counter_unit))
    officer_counter = np.repeat(np.arange(len(counter_unit)), officers_per_counter)
    n_officers = len(officer_counter)
    weight = rng.lognormal(0.0, 0.8, n_officers)
    weight /= weight.sum()
    weight[0] = 3.0 / config.n_honest  # an officer with about 3 ratings
    weight /= weight.sum()
    start_day = (config.start - dt.date(1970, 1, 1)).days
    days = start_day + np.arange(config.weeks * 7)
    quality = np.clip(rng.normal(3.2, 0.3, n_officers), 2.2, 3.8)
    female = rng.random(n_officers) < 0.5
    birth_year = rng.integers(config.start.year - 58, config.start.year - 21, n_officers)
    quality += np.where(female, config.female_shift, 0.0)
    quality += np.where(config.start.year - birth_year >= 50, config.over_50_shift, 0.0)
    return World(
        offset_hours=np.array([7, 8, 9])[np.arange(n_units) % 3],
        officer_unit=counter_unit[officer_counter],
        officer_counter=officer_counter,
        officer_weight=weight,
        officer_quality=quality,
        officer_female=female,
        officer_birth_year=birth_year,
        counter_unit=counter_unit,
        counter_kiosk=rng.random(len(counter_unit)) < 0.35,
        counter_ticket=rng.random(len(counter_unit)) < 0.35,
        counter_effect=rng.normal(0.0, config.counter_effect_sd, len(counter_unit)),
        channel_effect=np.asarray(config.channel_effect, dtype=np.float64),
        element_base=rng.uniform(2.8, 3.6, (n_units, 9)),
        working_days=days[(days + 3) % 7 < 5],
        start_day=start_day,
    )


def simulate(config: SimConfig = SimConfig()) -> SimulatedRatings:
    """Honest ratings plus, when config.attacks, labelled attack incidents. Deterministic per seed."""
    rng = np.random.default_rng(config.seed)
    world = _build_world(config, rng)
    rows = Rows()
    add_honest(rng, world, rows, config.n_honest, config.rotation)
    if config.attacks:
        scale = config.n_honest / 20_000 * config.incidents_scale
        kinds = ATTACK_KINDS if config.kinds is None else config.kinds
        counts = {kind: max(1, round(_INCIDENTS_PER_20K[kind] * scale)) for kind in kinds}
        counts |= {kind: max(1, round(3 * scale)) for kind in config.extra_kinds}
        add_attacks(rng, world, rows, counts, config.n_honest)
    return _finish(world, rows.stacked(), config.start)


def officer_nips(world: World, start: dt.date) -> np.ndarray:
    """An 18-digit NIP per officer: birth date, appointment month (at 20-30 years old), gender digit
    (1 male, 2 female) and a sequence number."""
    nips = []
    for index, (year, female) in enumerate(
        zip(world.officer_birth_year.tolist(), world.officer_female.tolist(), strict=True)
    ):
        month, day = 1 + index * 7 % 12, 1 + index * 11 % 28
        appointed = min(year + 20 + index % 10, start.year - 1)
        sequence = 1 + index % 999
        nips.append(
            f"{year:04d}{month:02d}{day:02d}{appointed:04d}{month:02d}{2 if female else 1}{sequence:03d}"
        )
    return np.array(nips, dtype=object)


def _finish(world: World, data: dict[str, np.ndarray], start: dt.date) -> SimulatedRatings:
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
    officers = np.arange(len(world.officer_unit))
    employees = {
        "employee_id": np.char.add("E", officers.astype(str)).astype(object),
        "nip": officer_nips(world, start),
        "unit_id": np.char.add("U", world.officer_unit.astype(str)).astype(object),
    }
    return SimulatedRatings(
        columns,
        data["kind"][order],
        data["incident"][order].astype(np.int64),
        data["look_alike"][order],
        employees,
    )


def without_attacks(config: SimConfig) -> SimConfig:
    return replace(config, attacks=False)
