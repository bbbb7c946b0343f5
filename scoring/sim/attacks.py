"""Labelled attack incidents for the simulator (see scoring.sim.simulate).

Outsiders: burst, device_rotation, sabotage, bot, slow_stuffing. Insiders (the officer whose score it
is, or friends): ticket_insider (one or two phones rating many different queue slips of one officer
over days or weeks), kiosk_insider (the officer rating their own counter through the kiosk screen
between citizens), brigade (a dozen or more fresh phones giving one officer 1s, or 4s, within a day or
two, far above the officer's normal volume).
"""

from __future__ import annotations

import numpy as np

from scoring.sim.honest import N_CARRIER_NETWORKS
from scoring.sim.world import Rows, World
from scoring.table import KIOSK, POSTER, TICKET

_DAY = 86_400
_OPEN, _SERVICE_SPAN = 8 * 3600, 7 * 3600  # attacks in office hours happen 08:00-15:00 local


def _answers(rng: np.random.Generator, n: int, value: int) -> np.ndarray:
    """Attackers either skip u1..u9 or straight-line them at the chosen value."""
    answers = np.full((n, 9), value, dtype=np.int8)
    if rng.random() < 0.5:
        answers[:] = 0
    return answers


def _office_time(rng: np.random.Generator, world: World, day: int | None = None) -> int:
    day = int(rng.choice(world.working_days[:-1])) if day is None else day
    return day * _DAY + _OPEN + int(rng.uniform(0, _SERVICE_SPAN))


class _Incidents:
    def __init__(self, rng: np.random.Generator, world: World, rows: Rows, n_honest: int) -> None:
        self.rng, self.world, self.rows, self.n_honest = rng, world, rows, n_honest
        self.number = 0
        biggest = int(np.argmax(world.officer_weight))
        self.preferred = [0, biggest]  # the officer with ~3 ratings and the busiest one first

    def target(self, index: int) -> int:
        if index < len(self.preferred):
            return self.preferred[index]
        return int(self.rng.integers(len(self.world.officer_unit)))

    def add(self, kind: str, officer: np.ndarray | int, local: np.ndarray, **columns) -> None:
        n = len(local)
        officer_arr = np.broadcast_to(np.asarray(officer), n)
        counter_of = self.world.officer_counter[np.maximum(officer_arr, 0)]
        counter = columns.pop("counter", counter_of)
        channel = columns.pop("channel", np.int8(POSTER))
        self.rows.add(
            local=local.astype(np.int64),
            unit=self.world.counter_unit[counter],
            counter=counter,
            officer=officer_arr,
            channel=channel,
            kind=kind,
            incident=self.number,
            **columns,
        )
        self.number += 1

    def burst(self, index: int) -> None:
        rng = self.rng
        n = int(rng.integers(5, 16))
        start = _office_time(rng, self.world)
        local = start + np.cumsum(rng.integers(20, 120, n))
        value = 4 if rng.random() < 0.8 else 1
        self.add(
            "burst", self.target(index), local, device=f"atk-burst-{index}",
            network=f"carrier-{rng.integers(40)}", overall=np.int8(value), answers=_answers(rng, n, value),
            seconds=rng.uniform(3, 10, n),
        )  # fmt: skip

    def device_rotation(self, index: int) -> None:
        rng = self.rng
        n = int(rng.integers(6, 26))
        span = rng.uniform(20, 60) * 60
        start = _office_time(rng, self.world) + (
            10 * 3600 if rng.random() < 0.2 else 0
        )  # some in the evening
        local = start + np.sort(rng.uniform(0, span, n))
        value = 4 if rng.random() < 0.85 else 1
        self.add(
            "device_rotation", self.target(index), local,
            device=np.array([f"atk-rot-{index}-{k}" for k in range(n)], dtype=object),
            network=f"atk-home-{index}", overall=np.int8(value), answers=_answers(rng, n, value),
            seconds=rng.uniform(4, 15, n),
        )  # fmt: skip

    def sabotage(self, index: int) -> None:
        rng = self.rng
        officer = self.target(index + 2)
        first_day = int(rng.choice(self.world.working_days[:-1]))
        for device in range(int(rng.integers(2, 4))):
            n = int(rng.integers(3, 7))
            days = first_day + rng.integers(0, 2, n)  # over two days
            local = np.sort(days * _DAY + _OPEN + rng.uniform(0, _SERVICE_SPAN, n))
            self.add(
                "sabotage", officer, local, device=f"atk-sab-{index}-{device}",
                network=f"carrier-{rng.integers(40)}", overall=np.int8(1), answers=_answers(rng, n, 1),
                seconds=rng.uniform(5, 30, n),
            )  # fmt: skip
            self.number -= 1  # one incident, several devices
        self.number += 1

    def bot(self, index: int) -> None:
        rng, world = self.rng, self.world
        n = int(rng.integers(20, 61))
        unit = int(rng.integers(len(world.offset_hours)))
        counters = np.flatnonzero(world.counter_unit == unit)
        counter = rng.choice(counters, n)
        night = rng.random() < 0.7
        day = int(rng.choice(world.working_days))
        if night:  # 22:00-05:00 local: nobody on duty, so the ratings are unattributed
            local = day * _DAY + 22 * 3600 + np.sort(rng.uniform(0, 7 * 3600, n))
            officer = np.full(n, -1)
            seconds = rng.uniform(0.3, 3.8, n)
        else:
            local = day * _DAY + _OPEN + np.sort(rng.uniform(0, _SERVICE_SPAN, n))
            officer = np.array([rng.choice(np.flatnonzero(world.officer_counter == c)) for c in counter])
            seconds = rng.uniform(0.2, 1.9, n)
        value = 4 if rng.random() < 0.7 else 1
        self.add(
            "bot", officer, local, counter=counter,
            device=np.array([f"atk-bot-{index}-{k}" for k in range(n)], dtype=object),
            network=f"atk-host-{index}", overall=np.int8(value), answers=_answers(rng, n, value),
            seconds=seconds,
        )  # fmt: skip

    def slow_stuffing(self, index: int) -> None:
        rng, days = self.rng, self.world.working_days
        n = int(rng.integers(10, 26))
        first = int(rng.integers(0, max(1, len(days) - n)))
        chosen = days[first : first + n]
        local = chosen * _DAY + _OPEN + rng.uniform(0, _SERVICE_SPAN, len(chosen))
        value = 4
        self.add(
            "slow_stuffing", self.target(index), local, device=f"atk-slow-{index}",
            network=f"carrier-{rng.integers(40)}", overall=np.int8(value),
            answers=_answers(rng, len(chosen), value), seconds=rng.uniform(8, 40, len(chosen)),
        )  # fmt: skip

    def _officer_at(self, counters: np.ndarray, index: int) -> int:
        """An officer whose usual counter has the given feature (any officer if none has)."""
        pool = np.flatnonzero(counters[self.world.officer_counter])
        if len(pool) == 0:
            return self.target(index)
        return int(self.rng.choice(pool))

    def _insider_days(self, n_days: int) -> np.ndarray:
        days = self.world.working_days
        first = int(self.rng.integers(0, max(1, len(days) - n_days)))
        return days[first : first + n_days]

    def ticket_insider(self, index: int) -> None:
        """One or two phones (the officer's, a friend's) rating many collected queue slips of the
        officer: a few each working day, spread over the day, for one to four weeks."""
        rng, world = self.rng, self.world
        officer = self._officer_at(world.counter_ticket, index)
        days = self._insider_days(int(rng.integers(5, 20)))
        for device in range(int(rng.integers(1, 3))):
            per_day = rng.integers(2, 6, len(days))
            day = np.repeat(days, per_day)
            local = np.sort(day * _DAY + _OPEN + rng.uniform(0, _SERVICE_SPAN, len(day)))
            n = len(local)
            self.add(
                "ticket_insider", officer, local, device=f"atk-ticket-{index}-{device}",
                network=f"wifi-{world.officer_unit[officer]}" if rng.random() < 0.5
                else f"carrier-{rng.integers(N_CARRIER_NETWORKS)}",
                channel=np.int8(TICKET), overall=np.int8(4), answers=_answers(rng, n, 4),
                seconds=rng.uniform(4, 25, n),
            )  # fmt: skip
            self.number -= 1  # one incident, one or two phones
        self.number += 1

    def kiosk_insider(self, index: int) -> None:
        """The officer scans their own counter's kiosk screen between citizens, a few times a day."""
        rng, world = self.rng, self.world
        officer = self._officer_at(world.counter_kiosk, index)
        days = self._insider_days(int(rng.integers(3, 12)))
        day = np.repeat(days, rng.integers(2, 7, len(days)))
        local = np.sort(day * _DAY + _OPEN + rng.uniform(0, _SERVICE_SPAN, len(day)))
        n = len(local)
        self.add(
            "kiosk_insider", officer, local, device=f"atk-kiosk-{index}",
            network=f"wifi-{world.officer_unit[officer]}", channel=np.int8(KIOSK), overall=np.int8(4),
            answers=_answers(rng, n, 4), seconds=rng.uniform(3, 15, n),
        )  # fmt: skip

    def brigade(self, index: int) -> None:
        """A dozen or more friends, each on their own phone and carrier, give one officer 1s (or 4s)
        within a day or two: one to three ratings each, far above the officer's own volume (the
        officer gets at most half as many ratings in such a span on a normal day)."""
        rng, world = self.rng, self.world
        friends = int(rng.integers(10, 25))
        per_friend = rng.integers(1, 4, friends)
        n = int(per_friend.sum())
        span = 1 if rng.random() < 0.5 else 2
        normal = world.officer_weight * self.n_honest / len(world.working_days) * span
        pool = np.flatnonzero(normal <= n / 2)
        officer = int(rng.choice(pool)) if len(pool) else int(np.argmin(normal))
        first = int(rng.choice(world.working_days[:-1]))
        day = first + rng.integers(0, span, n)
        local = np.sort(day * _DAY + 8 * 3600 + rng.uniform(0, 13 * 3600, n))
        value = 1 if rng.random() < 0.7 else 4
        names = np.array([f"atk-brig-{index}-{k}" for k in range(friends)], dtype=object)
        carriers = np.array(
            [f"carrier-{c}" for c in rng.integers(0, N_CARRIER_NETWORKS, friends)], dtype=object
        )
        mixed = rng.permutation(n)  # the friends' ratings interleave
        self.add(
            "brigade", officer, local, device=np.repeat(names, per_friend)[mixed],
            network=np.repeat(carriers, per_friend)[mixed], overall=np.int8(value),
            answers=_answers(rng, n, value), seconds=rng.uniform(3, 30, n),
        )  # fmt: skip


def add_attacks(
    rng: np.random.Generator, world: World, rows: Rows, counts: dict[str, int], n_honest: int
) -> None:
    incidents = _Incidents(rng, world, rows, n_honest)
    for kind, count in counts.items():
        for index in range(count):
            if kind == "carrier_stuffing":
                carrier_stuffing(incidents, index)
            else:
                getattr(incidents, kind)(index)


def carrier_stuffing(incidents: _Incidents, index: int) -> None:
    """Review-only scenario: many fresh devices behind carrier networks pushing one officer within a
    week. No rule can tell these from citizens; the officer-week model should mark the week."""
    rng, days = incidents.rng, incidents.world.working_days
    n = int(rng.integers(40, 80))
    first = int(rng.integers(0, len(days) - 5))
    local = rng.choice(days[first : first + 5], n) * _DAY + _OPEN + rng.uniform(0, _SERVICE_SPAN, n)
    incidents.add(
        "carrier_stuffing", incidents.target(index + 3), np.sort(local),
        device=np.array([f"atk-cs-{index}-{k}" for k in range(n)], dtype=object),
        network=np.array([f"carrier-{c}" for c in rng.integers(0, 40, n)], dtype=object),
        overall=np.int8(4), answers=_answers(rng, n, 4), seconds=rng.uniform(5, 30, n),
    )  # fmt: skip
