"""The public-service component as an individual performance indicator (IKI) of the officer's SKP:
target, realisation (the officer's score), achievement = realisation / target, and the "Nilai Capaian
IKI" by the conversion of PermenPANRB 6/2022 (Bab VI, Penilaian SKP).

Bands on the achievement in percent (rounded half up to 2 decimals first, so a band edge is where a
person reading the percentage expects it):

    Sangat Baik    101% - 110%   110 + (achievement - 101) x 10/9   (110 - 120); above 110%: 120
    Baik           100% (up to, not including, 101%)   109
    Cukup          80% - 99%     70 + (achievement - 80)  (70 - 89, continued up to 100%)
    Kurang         60% - 79%     50 + (achievement - 60)  (50 - 69, continued up to 80%)
    Sangat Kurang  below 60%     achievement / 59 x 49    (0 - 49)

The regulation lists the bands on whole percentages (80-99%, 60-79%, ...); an achievement between two
of them (99.5%) belongs to the lower band and continues its line. Why the Baik and Sangat Baik values
are what they are: docs/scoring.md, "IKI". Exact arithmetic (fractions); only the result is rounded.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from scoring.skm import round_half_up

DEFAULT_TARGET = Decimal("85")  # the score an SKP states when the unit set no target of its own
CATEGORIES: tuple[str, ...] = ("sangat_baik", "baik", "cukup", "kurang", "sangat_kurang")


class IkiValue(NamedTuple):
    achievement: Decimal  # realisation / target, in percent, 2 decimals
    category: str  # one of CATEGORIES (Indonesian codes, as the export writes them)
    value: Decimal  # Nilai Capaian IKI, 2 decimals


def _exact(number: Decimal | float | int | str) -> Fraction:
    return Fraction(Decimal(str(number)))


def achievement(realisation: Decimal | float | int | str, target: Decimal | float | int | str) -> Decimal:
    """Realisation / target in percent, rounded half up to 2 decimals; the target must be positive."""
    goal = _exact(target)
    if goal <= 0:
        raise ValueError("an IKI target must be positive")
    return round_half_up(_exact(realisation) / goal * 100, 2)


def convert(achievement_percent: Decimal | float | int | str) -> IkiValue:
    """The Nilai Capaian IKI and its category for an achievement in percent (e.g. 96.47)."""
    percent = round_half_up(_exact(achievement_percent), 2)
    a = Fraction(percent)
    if a < 0:
        raise ValueError("an achievement cannot be negative")
    if a > 110:
        category, value = "sangat_baik", Fraction(120)
    elif a >= 101:
        category, value = "sangat_baik", 110 + (a - 101) * Fraction(120 - 110, 110 - 101)
    elif a >= 100:
        category, value = "baik", Fraction(109)
    elif a >= 80:
        category, value = "cukup", 70 + (a - 80) * Fraction(89 - 70, 99 - 80)
    elif a >= 60:
        category, value = "kurang", 50 + (a - 60) * Fraction(69 - 50, 79 - 60)
    else:
        category, value = "sangat_kurang", a / 59 * 49
    return IkiValue(percent, category, round_half_up(value, 2))


def iki(realisation: Decimal | float | int | str, target: Decimal | float | int | str) -> IkiValue:
    """Achievement, category and value of an officer's score against their target."""
    return convert(achievement(realisation, target))
