"""Detection quality on a second, separately written world, as a check against fitting the detector
to scoring.sim (whose worlds the rules were tuned on).

    .venv/bin/python bench/simulate_other_world.py                 # seeds 1..5, incidents x0.5, x1, x2, none
    .venv/bin/python bench/simulate_other_world.py --seeds 7 --scales 1

Different on purpose from scoring.sim: officers' daily volume drawn from a gamma and Poisson days,
offices open Monday to Saturday (Saturday at half volume), a handful of big carrier NATs, home Wi-Fi
and office Wi-Fi, arrivals spread over 08:00-16:00 with 5% of people rating in the evening, about 1%
of quick ratings under 2 s, returning citizens drawn from a pool of earlier phones, weekly regulars
and one bad day (at normal volume) for a few officers. Attacks as an outsider would write them: a
script of 40-120 fast ratings from one network with fresh devices, a night script on one device, an
officer's phone rating 1-3 queue slips a day for 18 working days, an officer's phone on the kiosk
3-5 times a day for 10 days, brigades of 12 friends each rating 2-4 times within 36 hours (1s or 4s),
a phone rating one officer every working day for 24 days, and saboteurs with 4 bottom ratings each.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from scoring.aggregate import officer_values
from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.reasons import REVIEW_MASK
from scoring.table import RatingTable

DAY = 86_400
CARRIERS = [f"nat{i}" for i in range(5)]


class World:
    def __init__(self, seed: int) -> None:
        self.rng = rng = np.random.default_rng(seed)
        self.officers = [  # (unit, counter, mean ratings a day, quality on the 1-4 face scale)
            (unit, f"C{unit}-{k % 3}", rng.gamma(2.0, 6.0), float(np.clip(rng.normal(3.1, 0.35), 2.0, 3.9)))
            for unit in range(8)
            for k in range(rng.integers(2, 6))
        ]
        self.days = [d for d in range(20_150, 20_150 + 63) if (d + 3) % 7 < 6]  # Monday to Saturday
        self.rows: list[tuple] = []
        self.devices = 0

    def device(self) -> str:
        self.devices += 1
        return f"d{self.devices}"

    def values(self, quality: float, n: int) -> np.ndarray:
        return np.clip(np.rint(quality + self.rng.normal(0, 0.8, n)), 1, 4).astype(int)

    def seconds(self, n: int) -> np.ndarray:
        rng = self.rng
        quick = rng.random(n) < 0.5
        seconds = np.where(quick, rng.lognormal(np.log(5), 0.6, n), rng.lognormal(np.log(40), 0.5, n))
        fast = quick & (rng.random(n) < 0.02)
        seconds[fast] = rng.uniform(0.8, 2.0, int(fast.sum()))
        return seconds

    def add(
        self, at, officer: int | None, counter_of: int, channel, device, network, value, seconds, kind=""
    ):
        unit, counter, _, _ = self.officers[counter_of]
        employee = "" if officer is None else f"E{officer}"
        self.rows.append((at, unit, counter, employee, channel, device, network, value, seconds, kind))

    def honest(self) -> None:
        rng, returning = self.rng, []
        for index, (unit, _, mean, quality) in enumerate(self.officers):
            for day in self.days:
                n = rng.poisson(mean * (0.5 if (day + 3) % 7 == 5 else 1.0))
                if n == 0:
                    continue
                values, seconds = self.values(quality, n), self.seconds(n)
                at = day * DAY + 8 * 3600 + rng.uniform(0, 8 * 3600, n) + rng.uniform(60, 1800, n)
                late = rng.random(n) < 0.05
                at[late] = day * DAY + 18 * 3600 + rng.uniform(0, 5 * 3600, int(late.sum()))
                for i in range(n):
                    draw = rng.random()
                    channel = "kiosk" if draw < 0.2 else "ticket" if draw < 0.4 else "poster"
                    earlier = [r for r in returning[-400:] if r[1] < day - 1 and r[2] < 2]
                    if earlier and rng.random() < 0.1:
                        pick = earlier[rng.integers(len(earlier))]
                        device, pick[2] = pick[0], pick[2] + 1
                    else:
                        device = self.device()
                        if rng.random() < 0.2:
                            returning.append([device, day, 0])
                    if rng.random() < 0.6:
                        network = CARRIERS[rng.integers(5)]
                    else:
                        network = f"wifi{unit}" if rng.random() < 0.5 else f"home-{device}"
                    self.add(at[i], index, index, channel, device, network, values[i], seconds[i])
        for regular in range(6):  # one person, every week, same phone
            index = int(rng.integers(len(self.officers)))
            for week in range(9):
                day = self.days[0] + week * 7 + int(rng.integers(0, 5))
                at = day * DAY + 9 * 3600 + rng.uniform(0, 6 * 3600)
                value = self.values(self.officers[index][3], 1)[0]
                self.add(at, index, index, "poster", f"reg{regular}", CARRIERS[regular % 5], value, 20.0)
        bad = {
            int(o): self.days[rng.integers(len(self.days))] for o in rng.choice(len(self.officers), 4, False)
        }
        for position, row in enumerate(self.rows):  # a bad day: low ratings at the officer's normal volume
            officer = int(row[3][1:]) if row[3] else -1
            if bad.get(officer) == int(row[0] // DAY):
                low = int(np.clip(np.rint(1.5 + rng.normal(0, 0.7)), 1, 4))
                self.rows[position] = (*row[:7], low, *row[8:])

    def attacks(self, scale: float) -> None:
        rng, days = self.rng, self.days

        def times(day: int, n: int, start: int = 8, end: int = 17) -> np.ndarray:
            return np.sort(day * DAY + start * 3600 + rng.uniform(0, (end - start) * 3600, n))

        def incidents(base: int) -> range:
            return range(max(1, round(base * scale)))

        def officer() -> int:
            return int(rng.integers(len(self.officers)))

        for _ in incidents(2):
            o = officer()
            for at in times(days[rng.integers(len(days))], int(rng.integers(40, 120)), 10, 12):
                self.add(at, o, o, "poster", self.device(), "botnet", 4, rng.uniform(0.3, 1.5), "bot")
        for _ in incidents(1):
            o = officer()
            for at in times(days[rng.integers(len(days))], 40, 1, 4):
                self.add(at, None, o, "poster", "botdev", CARRIERS[0], 4, rng.uniform(0.3, 1.0), "bot")
        for _ in incidents(2):
            o, first = officer(), int(rng.integers(0, len(days) - 20))
            for day in days[first : first + 18]:
                for at in times(day, int(rng.integers(1, 4))):
                    self.add(
                        at, o, o, "ticket", f"ins{o}", f"wifi{self.officers[o][0]}", 4, 12.0, "ticket_insider"
                    )
        for _ in incidents(2):
            o, first = officer(), int(rng.integers(0, len(days) - 12))
            for day in days[first : first + 10]:
                for at in times(day, int(rng.integers(3, 6))):
                    self.add(
                        at, o, o, "kiosk", f"self{o}", f"wifi{self.officers[o][0]}", 4, 6.0, "kiosk_insider"
                    )
        for _ in incidents(3):
            o, day, value = officer(), days[rng.integers(len(days) - 1)], 1 if rng.random() < 0.7 else 4
            for _friend in range(12):
                device, network = self.device(), CARRIERS[rng.integers(5)]
                for at in np.sort(day * DAY + 9 * 3600 + rng.uniform(0, 36 * 3600, int(rng.integers(2, 5)))):
                    self.add(at, o, o, "poster", device, network, value, rng.uniform(4, 15), "brigade")
        for _ in incidents(2):
            o, first = officer(), int(rng.integers(0, len(days) - 24))
            for day in days[first : first + 24]:
                self.add(times(day, 1)[0], o, o, "poster", f"slow{o}", CARRIERS[1], 4, 12.0, "slow_stuffing")
        for _ in incidents(2):
            o, day = officer(), days[rng.integers(len(days) - 2)]
            for saboteur in range(3):
                for at in times(day, 4, 9, 40):
                    self.add(at, o, o, "poster", f"sab{o}-{saboteur}", CARRIERS[2], 1, 12.0, "sabotage")


def table_of(rows: list[tuple]) -> tuple[RatingTable, np.ndarray]:
    rows = sorted(rows, key=lambda r: r[0])
    local = np.array([r[0] for r in rows], dtype=np.int64)
    offset = np.full(len(rows), 480)
    table = RatingTable.from_columns(
        rating_id=[f"r{i}" for i in range(len(rows))],
        ts_utc=local - offset * 60,
        utc_offset_minutes=offset,
        unit_id=[f"U{r[1]}" for r in rows],
        counter_id=[r[2] for r in rows],
        employee_id=[r[3] for r in rows],
        channel=[r[4] for r in rows],
        device_hash=[r[5] for r in rows],
        network_hash=[r[6] for r in rows],
        overall=np.array([r[7] for r in rows]),
        answers=np.zeros((len(rows), 9)),
        form_seconds=np.array([r[8] for r in rows], dtype=float),
    )
    return table, np.array([r[9] for r in rows], dtype=object)


def plain_means(table: RatingTable) -> dict[str, float]:
    values = officer_values(table)
    return {
        str(label): float(values[table.employee == code].mean())
        for code, label in enumerate(table.employee_labels)
        if (table.employee == code).any()
    }


def report(seed: int, scale: float, params: ScoringParams) -> dict[str, float]:
    world = World(seed)
    world.honest()
    honest_rows = list(world.rows)
    if scale > 0:
        world.attacks(scale)
    table, kind = table_of(world.rows)
    result = score_table(table, params)
    excluded = result.flags.excluded
    marked = (result.flags.reason_mask & REVIEW_MASK) != 0
    attack = kind != ""
    precision = float((excluded & attack).sum() / max(excluded.sum(), 1))
    line = f"seed {seed}, incidents x{scale:g}: {len(kind):,} ratings, {int(attack.sum())} attack ratings, "
    line += f"precision {precision:.3f}, honest excluded {excluded[~attack].mean():.4%}"
    false = Counter(";".join(result.flags.reasons()[i]) for i in np.flatnonzero(excluded & ~attack))
    outcome = {"precision": precision, "honest": float(excluded[~attack].mean())}
    if scale > 0:
        calm_table, _ = table_of(honest_rows)
        calm = {r["employee_id"]: r["score"] for r in score_table(calm_table, params).officers}
        scores = {r["employee_id"]: r["score"] for r in result.officers}
        plain, plain_calm = plain_means(table), plain_means(calm_table)
        attacked = {
            str(table.employee_labels[e]) for e in np.unique(table.employee[attack & (table.employee >= 0)])
        }
        attacked &= set(plain_calm)
        moved = sum(abs(scores[e] - calm[e]) for e in attacked) / sum(
            abs(plain[e] - plain_calm[e]) for e in attacked
        )
        line += f", movement ratio {moved:.3f}"
        outcome["movement"] = moved
    print(line + (f"; false exclusions by reason {dict(false)}" if false else ""))
    for name in sorted(set(kind) - {""}):
        rows = kind == name
        outcome[name] = float(excluded[rows].mean())
        outcome["seen " + name] = float((excluded | marked)[rows].mean())
        print(
            f"    {name:<16} recall {excluded[rows].mean():.3f}   seen {(excluded | marked)[rows].mean():.3f}"
        )
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.5, 1.0, 2.0, 0.0])
    args = parser.parse_args()
    outcomes = [report(seed, scale, ScoringParams()) for scale in args.scales for seed in args.seeds]
    attacked = [o for o in outcomes if "movement" in o]
    if attacked:
        print(f"\nprecision min {min(o['precision'] for o in attacked):.3f}, "
              f"movement ratio max {max(o['movement'] for o in attacked):.3f}")  # fmt: skip
        for name in sorted({k for o in attacked for k in o} - {"precision", "honest", "movement"}):
            if name.startswith("seen "):
                continue
            values, seen = (
                [o[name] for o in attacked if name in o],
                [o["seen " + name] for o in attacked if name in o],
            )
            print(
                f"  {name:<16} recall min {min(values):.3f} mean {np.mean(values):.3f}  "
                f"seen min {min(seen):.3f}"
            )
    calm = [o for o in outcomes if "movement" not in o]
    if calm:
        print(f"honest excluded without attacks: max {max(o['honest'] for o in calm):.4%}")


if __name__ == "__main__":
    main()
