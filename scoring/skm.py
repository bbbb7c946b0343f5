"""SKM questionnaire constants and the regulation's formulas (Permen PANRB 14/2017), computed exactly.

Intermediate values are exact fractions; only the published value is rounded (half up, 2 decimals),
so a unit where everybody answers 4 gets exactly 100.00 (0.11 or 0.111 weights would give 99.00/99.90).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

ELEMENT_CODES: tuple[str, ...] = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
ELEMENT_NAMES: dict[str, str] = {
    "u1": "Persyaratan",
    "u2": "Sistem, mekanisme, dan prosedur",
    "u3": "Waktu penyelesaian",
    "u4": "Biaya/tarif",
    "u5": "Produk spesifikasi jenis pelayanan",
    "u6": "Kompetensi pelaksana",
    "u7": "Perilaku pelaksana",
    "u8": "Sarana dan prasarana",
    "u9": "Penanganan pengaduan, saran dan masukan",
}
# Only these elements are about the individual officer; with the overall face rating they make the
# officer's public-service component (docs/scoring.md).
OFFICER_ELEMENTS: tuple[str, ...] = ("u6", "u7")
ANSWER_MIN, ANSWER_MAX = 1, 4
SCALE_FACTOR = 25  # IKM 1-4 -> 25-100

ELEMENT_WEIGHT = Fraction(1, len(ELEMENT_CODES))


class Mutu(NamedTuple):
    """Service quality grade: letter and its official label."""

    letter: str
    label: str


# Upper bounds (exclusive) on the converted 25-100 value, lowest grade first.
_GRADE_BOUNDS: tuple[tuple[Decimal, Mutu], ...] = (
    (Decimal("65.00"), Mutu("D", "Tidak Baik")),
    (Decimal("76.61"), Mutu("C", "Kurang Baik")),
    (Decimal("88.31"), Mutu("B", "Baik")),
)
_TOP_GRADE = Mutu("A", "Sangat Baik")
MUTU_LABELS: dict[str, str] = {m.letter: m.label for _, m in _GRADE_BOUNDS} | {"A": _TOP_GRADE.label}

_KM_CHI2 = Fraction("3.841")  # chi-square, 1 d.f., 95%
_KM_P = Fraction(1, 4)  # P(1-P) at P=0.5
_KM_MARGIN2 = Fraction("0.0025")  # d^2 with d = 5%


def round_half_up(value: Fraction | Decimal | int | float, places: int = 2) -> Decimal:
    """Round as spreadsheets and people do (2.345 -> 2.35), exactly for fractions."""
    if isinstance(value, Fraction):
        scaled = value * 10**places
        floor = math.floor(scaled)
        rounded = floor + 1 if scaled - floor >= Fraction(1, 2) else floor
        return Decimal(rounded).scaleb(-places)
    if isinstance(value, float):
        value = Decimal(
            float.__repr__(value)
        )  # the shortest repr is what people see, not the binary expansion
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def nrr(answer_sum: int, answer_count: int) -> Fraction | None:
    """Mean answer of one element over the responses that answered it; None when nobody did."""
    if answer_count == 0:
        return None
    return Fraction(int(answer_sum), int(answer_count))


def ikm_exact(nrrs: Sequence[Fraction | None]) -> Fraction | None:
    """IKM on the 25-100 scale, unrounded: sum(NRR_i * 1/9) * 25. None if any element has no answers."""
    if len(nrrs) != len(ELEMENT_CODES):
        raise ValueError(f"expected {len(ELEMENT_CODES)} NRR values, got {len(nrrs)}")
    if any(value is None for value in nrrs):
        return None
    return sum((value * ELEMENT_WEIGHT for value in nrrs if value is not None), Fraction(0)) * SCALE_FACTOR


def ikm_from_sums(sums: Sequence[int], counts: Sequence[int]) -> Decimal | None:
    """Published IKM (25-100, 2 decimals) from per-element answer sums and answer counts."""
    exact = ikm_exact([nrr(s, c) for s, c in zip(sums, counts, strict=True)])
    return None if exact is None else round_half_up(exact, 2)


def grade(converted: Decimal | float | str) -> Mutu:
    """Mutu pelayanan for a published (2-decimal) IKM on the 25-100 scale."""
    value = Decimal(str(converted))
    for upper, mutu in _GRADE_BOUNDS:
        if value < upper:
            return mutu
    return _TOP_GRADE


def sample_target(people_served: int) -> int:
    """Krejcie-Morgan minimum sample size for N people served, rounded up (N=100 -> 80)."""
    if people_served < 0:
        raise ValueError("people served cannot be negative")
    if people_served == 0:
        return 0
    n = Fraction(people_served)
    size = _KM_CHI2 * n * _KM_P / (_KM_MARGIN2 * (n - 1) + _KM_CHI2 * _KM_P)
    return math.ceil(size)
