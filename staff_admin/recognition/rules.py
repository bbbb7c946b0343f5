"""The rules of recognition and development, on plain records of closed periods (no database here).

Recognition ("penghargaan"): an officer with enough usable ratings whose score and its 95% interval
lie above expectations (SKP category di_atas_ekspektasi: the interval's lower end reaches the "above"
threshold). Held for SUSTAINED_PERIODS or more consecutive comparable closed periods (this one and
the ones right before it, of the same length, without a gap): "penghargaan_berturut".

Development: an officer item (U6 competence, U7 behaviour) is weak when its NRR x 25 is below the SKM
grade B bound (76.61: "Kurang Baik" or worse) over at least ITEM_MIN_ANSWERS answers; persistently
weak when it is weak in this closed period and in the comparable closed period right before it,
both with enough usable ratings for a score. The weakest persistently weak element names the
training: U6 -> technical training on the service, U7 -> service-excellence training.

Never from insufficient data: an officer below the minimum of usable ratings gets the code
`belum_cukup_penilaian` for both; too few answers to U6/U7, or no earlier closed period, gives no
development signal. Never from excluded ratings: the frozen results and the kept ratings behind the
officer items leave them out already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from scoring.skm import SCALE_FACTOR

ABOVE = "di_atas_ekspektasi"
SUSTAINED_PERIODS = 2  # this period and the one before it
ITEM_MIN_ANSWERS = 10  # answers to U6 (or U7) before the item says anything about the officer
WEAK_BELOW = Fraction("76.61")  # converted value (NRR x 25): below grade B
SAME_LENGTH_DAYS = 3  # months of 28 to 31 days compare with each other, not with a quarter

INSUFFICIENT = "belum_cukup_penilaian"
NONE = "tidak"
RECOGNITION = "penghargaan"
RECOGNITION_SUSTAINED = "penghargaan_berturut"
RECOGNITION_CODES = (RECOGNITION_SUSTAINED, RECOGNITION, NONE, INSUFFICIENT)
TRAINING = {"u6": "pelatihan_teknis", "u7": "pelatihan_pelayanan_prima"}
DEVELOPMENT_CODES = (*TRAINING.values(), NONE, INSUFFICIENT)


@dataclass(frozen=True)
class Item:
    total: int
    count: int

    @property
    def nrr(self) -> Fraction | None:
        return Fraction(self.total, self.count) if self.count else None

    @property
    def weak(self) -> bool:
        nrr = self.nrr
        return self.count >= ITEM_MIN_ANSWERS and nrr is not None and nrr * SCALE_FACTOR < WEAK_BELOW


@dataclass(frozen=True)
class Standing:
    """One officer in one unit in one closed period, as frozen at closing."""

    sufficient: bool
    category: str
    u6: Item | None  # None: the period closed before officer items were kept
    u7: Item | None


@dataclass(frozen=True)
class Signals:
    recognition: str  # one of RECOGNITION_CODES
    recognition_periods: int  # consecutive closed periods above expectations, this one included
    development: str  # one of DEVELOPMENT_CODES
    development_element: str | None  # "u6" or "u7" with a training


def comparable(earlier: tuple[date, date], later: tuple[date, date]) -> bool:
    """`earlier` ends the day before `later` starts and lasts about as long."""
    (start, end), (next_start, next_end) = earlier, later
    same_length = abs((end - start).days - (next_end - next_start).days) <= SAME_LENGTH_DAYS
    return same_length and end + timedelta(days=1) == next_start


def _weak_items(standing: Standing) -> dict[str, Fraction]:
    items = {"u6": standing.u6, "u7": standing.u7}
    return {
        code: item.nrr
        for code, item in items.items()
        if item is not None and item.weak and item.nrr is not None
    }


def signals(current: Standing, before: list[Standing | None]) -> Signals:
    """`before`: the officer in the consecutive comparable closed periods right before this one, the
    latest first (None where the officer had no result in that unit)."""
    if not current.sufficient:
        return Signals(INSUFFICIENT, 0, INSUFFICIENT, None)
    held = 0
    for standing in [current, *before]:
        if standing is None or not standing.sufficient or standing.category != ABOVE:
            break
        held += 1
    recognition = NONE if held == 0 else RECOGNITION_SUSTAINED if held >= SUSTAINED_PERIODS else RECOGNITION
    previous = before[0] if before else None
    weak_now = _weak_items(current)
    weak_then = _weak_items(previous) if previous is not None and previous.sufficient else {}
    persistent = {code: nrr for code, nrr in weak_now.items() if code in weak_then}
    if not persistent:
        return Signals(recognition, held, NONE, None)
    weakest = min(persistent, key=lambda code: (persistent[code], code))
    return Signals(recognition, held, TRAINING[weakest], weakest)
