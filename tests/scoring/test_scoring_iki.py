"""The Nilai Capaian IKI conversion (PermenPANRB 6/2022, Bab VI): every band edge, both sides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.iki import CATEGORIES, DEFAULT_TARGET, achievement, convert, iki


@pytest.mark.parametrize(
    ("percent", "category", "value"),
    [
        ("0", "sangat_kurang", "0.00"),
        ("30", "sangat_kurang", "24.92"),  # 30 / 59 x 49
        ("59", "sangat_kurang", "49.00"),
        ("59.99", "sangat_kurang", "49.82"),
        ("60", "kurang", "50.00"),
        ("70", "kurang", "60.00"),
        ("79", "kurang", "69.00"),
        ("79.99", "kurang", "69.99"),
        ("80", "cukup", "70.00"),
        ("90", "cukup", "80.00"),
        ("99", "cukup", "89.00"),
        ("99.99", "cukup", "89.99"),
        ("100", "baik", "109.00"),
        ("100.99", "baik", "109.00"),
        ("101", "sangat_baik", "110.00"),
        ("105.5", "sangat_baik", "115.00"),
        ("110", "sangat_baik", "120.00"),
        ("110.01", "sangat_baik", "120.00"),
        ("150", "sangat_baik", "120.00"),
    ],
)
def test_it_converts_every_band_edge(percent: str, category: str, value: str) -> None:
    result = convert(percent)
    assert (result.category, result.value) == (category, Decimal(value))
    assert result.category in CATEGORIES


def test_it_rounds_the_achievement_before_choosing_the_band() -> None:
    # 99.996% is shown as 100.00%, so it is Baik, not the top of Cukup
    assert convert("99.996") == (Decimal("100.00"), "baik", Decimal("109.00"))
    assert convert("79.994").category == "kurang"


def test_it_computes_achievement_as_realisation_over_target() -> None:
    assert achievement(85, DEFAULT_TARGET) == Decimal("100.00")
    assert achievement("82.00", "85") == Decimal("96.47")
    assert iki("82.00", "85") == (Decimal("96.47"), "cukup", Decimal("86.47"))
    assert iki(93.5, 85).category == "sangat_baik" and iki(93.5, 85).value == Decimal("120.00")


@pytest.mark.parametrize("target", [0, -5])
def test_it_refuses_a_target_that_is_not_positive(target: int) -> None:
    with pytest.raises(ValueError):
        achievement(80, target)


def test_it_refuses_a_negative_achievement() -> None:
    with pytest.raises(ValueError):
        convert(-1)
