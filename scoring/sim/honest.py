"""Honest traffic for the simulator, with the look-alikes that make detection hard.

Besides ordinary citizens (offices in UTC+7/+8/+9, thousands behind a few carrier networks, office
Wi-Fi, kiosk screens scanned by phones, tickets, returning citizens, double submits, straight-liners,
quick ratings with blank u1..u9, evening raters, crowds arriving together, officers with ~3 and with
hundreds of ratings) three labelled honest look-alikes (SimulatedRatings.look_alike) of attacks:

- fast_tapper: a quick rating (one face, send) in under 2 s, a heavy left tail of form times;
- regular: one person who comes back every week, from the same phone, mostly to the same officer;
- bad_day: an officer whose ratings are low for a whole day at the officer's normal volume.
"""

from __future__ import annotations

import numpy as np

from scoring.sim.world import DAY, Rows, World
from scoring.table import KIOSK, POSTER, TICKET

N_CARRIER_NETWORKS = 40
FAST_TAPPER_SHARE = 0.03  # of quick ratings: a few percent under 2 s
REGULARS_PER_20K = 10
BAD_DAYS_PER_20K = 4


def scores(
    rng: np.random.Generator, world: World, officer: np.ndarray, unit: np.ndarray, counter: np.ndarray,
    channel: np.ndarray, quality_shift: np.ndarray | float = 0.0,
):  # fmt: skip
    """Face rating, u1..u9 (quick ratings blank, straight-liners all equal), form seconds and which
    ratings are fast tappers. Counter and channel effects move the officer-attributable answers."""
    n = len(officer)
    quality = (
        world.officer_quality[officer] + world.counter_effect[counter] + world.channel_effect[channel]
    ) + quality_shift
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
    fast = (style == 0) & (rng.random(n) < FAST_TAPPER_SHARE)
    seconds[fast] = rng.uniform(0.6, 2.0, int(fast.sum()))
    unknown = rng.random(n) < 0.03
    seconds[unknown] = np.nan
    return overall, answers.astype(np.int8), seconds, fast & ~unknown


def _serving_counter(
    rng: np.random.Generator, world: World, officer: np.ndarray, rotation: float
) -> np.ndarray:
    """The officer's usual counter, or (share `rotation`) another counter of the same unit."""
    counter = world.officer_counter[officer].copy()
    moved = np.flatnonzero(rng.random(len(officer)) < rotation)
    for index in moved.tolist():
        pool = np.flatnonzero(world.counter_unit == world.officer_unit[officer[index]])
        counter[index] = rng.choice(pool)
    return counter


def _channels(rng: np.random.Generator, world: World, counter: np.ndarray, late: np.ndarray) -> np.ndarray:
    n = len(counter)
    channel = np.full(n, POSTER, dtype=np.int8)
    channel[world.counter_ticket[counter] & (rng.random(n) < 0.5)] = TICKET
    channel[world.counter_kiosk[counter] & (rng.random(n) < 0.4) & ~late] = KIOSK
    return channel


def add_honest(rng: np.random.Generator, world: World, rows: Rows, n_honest: int, rotation: float) -> None:
    n_primary = int(n_honest * 0.80)
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
    other = same_unit_officer(rng, world, officer[visits])
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
    counter = _serving_counter(rng, world, officer, rotation)
    channel = _channels(rng, world, counter, late)
    device = np.char.add("dev-", citizen.astype(str)).astype(object)
    device[rng.random(n) < 0.01] = ""
    network = honest_networks(rng, unit, citizen)
    attributed = np.where(rng.random(n) < 0.05, -1, officer)
    overall, answers, seconds, fast = scores(rng, world, officer, unit, counter, channel)
    look_alike = np.where(fast, "fast_tapper", "").astype(object)
    bad = _bad_days(rng, officer, day, max(1, round(BAD_DAYS_PER_20K * n_honest / 20_000)))
    low = scores(rng, world, officer[bad], unit[bad], counter[bad], channel[bad], quality_shift=-1.8)
    overall[bad], answers[bad] = low[0], low[1]
    look_alike[bad] = "bad_day"
    local = day.astype(np.int64) * DAY + submit.astype(np.int64)
    double = rng.random(n) < 0.01  # an impatient second tap on a slow connection
    pick = np.r_[np.arange(n), np.flatnonzero(double)]
    local = np.r_[local, local[double] + rng.integers(5, 90, int(double.sum()))]
    rows.add(
        local=local, unit=unit[pick], counter=counter[pick], officer=attributed[pick], channel=channel[pick],
        device=device[pick], network=network[pick], overall=overall[pick], answers=answers[pick],
        seconds=seconds[pick], kind=np.full(len(pick), "", dtype=object), incident=np.full(len(pick), -1),
        look_alike=look_alike[pick],
    )  # fmt: skip
    add_regulars(rng, world, rows, max(1, round(REGULARS_PER_20K * n_honest / 20_000)))


def _bad_days(rng: np.random.Generator, officer: np.ndarray, day: np.ndarray, count: int) -> np.ndarray:
    """Rows of `count` officer-days (with at least 6 ratings) on which the officer had a bad day."""
    key = officer.astype(np.int64) * 1_000_000 + day
    _, inverse, sizes = np.unique(key, return_inverse=True, return_counts=True)
    candidates = np.flatnonzero(sizes >= 6)
    if len(candidates) == 0:
        return np.zeros(len(officer), dtype=bool)
    chosen = rng.choice(candidates, min(count, len(candidates)), replace=False)
    return np.isin(inverse.reshape(-1), chosen)


def add_regulars(rng: np.random.Generator, world: World, rows: Rows, count: int) -> None:
    """People who come back every week (give or take a day) for the whole period, from one phone."""
    days = world.working_days
    for regular in range(count):
        officer = int(rng.choice(len(world.officer_weight), p=world.officer_weight))
        weeks = np.arange(days[0], days[-1] + 1, 7)
        wanted = weeks + int(rng.integers(0, 5)) + rng.integers(-1, 2, len(weeks))
        visit_days = np.unique(days[np.clip(np.searchsorted(days, wanted), 0, len(days) - 1)])
        n = len(visit_days)
        served = np.where(
            rng.random(n) < 0.7, officer, same_unit_officer(rng, world, np.full(n, officer))
        ).astype(np.int64)
        unit = world.officer_unit[served]
        counter = world.officer_counter[served]
        channel = _channels(rng, world, counter, np.zeros(n, dtype=bool))
        overall, answers, seconds, _ = scores(rng, world, served, unit, counter, channel)
        local = visit_days.astype(np.int64) * DAY + 8 * 3600 + rng.integers(0, 7 * 3600, n)
        rows.add(
            local=local, unit=unit, counter=counter, officer=served, channel=channel,
            device=f"regular-{regular}", network=f"carrier-{rng.integers(N_CARRIER_NETWORKS)}",
            overall=overall, answers=answers, seconds=seconds, kind="", incident=-1, look_alike="regular",
        )  # fmt: skip


def same_unit_officer(rng: np.random.Generator, world: World, officer: np.ndarray) -> np.ndarray:
    unit = world.officer_unit[officer]
    out = officer.copy()
    for u in np.unique(unit):
        pool = np.flatnonzero(world.officer_unit == u)
        chosen = unit == u
        weight = world.officer_weight[pool] / world.officer_weight[pool].sum()
        out[chosen] = rng.choice(pool, int(chosen.sum()), p=weight)
    return out


def honest_networks(rng: np.random.Generator, unit: np.ndarray, citizen: np.ndarray) -> np.ndarray:
    n = len(unit)
    carrier_weight = rng.dirichlet(np.full(N_CARRIER_NETWORKS, 2.0))
    carrier = np.char.add("carrier-", rng.choice(N_CARRIER_NETWORKS, n, p=carrier_weight).astype(str))
    kind = rng.choice(3, n, p=[0.68, 0.27, 0.05])
    network = np.where(kind == 0, carrier, np.char.add("wifi-", unit.astype(str))).astype(object)
    network[kind == 2] = np.char.add("home-", citizen[kind == 2].astype(str))
    network[rng.random(n) < 0.01] = ""
    return network
