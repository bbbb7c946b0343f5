"""The rules of recognition and development on plain records (no database): every rule and its edges."""

from __future__ import annotations

from datetime import date

import pytest

from staff_admin.recognition.rules import (
    INSUFFICIENT,
    ITEM_MIN_ANSWERS,
    NONE,
    RECOGNITION,
    RECOGNITION_SUSTAINED,
    Item,
    Signals,
    Standing,
    comparable,
    signals,
)

ABOVE, MEETS = "di_atas_ekspektasi", "sesuai_ekspektasi"
GOOD = Item(40 * 4, 40)
WEAK_U6 = Item(40 * 2, 40)  # NRR 2.00 -> 50.00


def standing(category: str = MEETS, u6: Item | None = GOOD, u7: Item | None = GOOD, sufficient: bool = True):
    return Standing(sufficient, category, u6, u7)


def test_it_recognises_above_expectations_and_counts_the_periods_held() -> None:
    assert signals(standing(ABOVE), []).recognition == RECOGNITION
    held = signals(standing(ABOVE), [standing(ABOVE), standing(ABOVE), standing(MEETS), standing(ABOVE)])
    assert (held.recognition, held.recognition_periods) == (RECOGNITION_SUSTAINED, 3)
    assert signals(standing(MEETS), [standing(ABOVE)]).recognition == NONE
    assert (
        signals(standing(ABOVE), [None, standing(ABOVE)]).recognition_periods == 1
    )  # absent: the streak ends


def test_it_never_concludes_anything_from_too_few_ratings() -> None:
    assert signals(standing(ABOVE, WEAK_U6, sufficient=False), [standing(ABOVE, WEAK_U6)]) == Signals(
        INSUFFICIENT, 0, INSUFFICIENT, None
    )
    # the previous period had too few ratings: a weak item there is no evidence of persistence
    assert signals(standing(u6=WEAK_U6), [standing(u6=WEAK_U6, sufficient=False)]).development == NONE


def test_it_needs_a_weak_item_in_two_periods_in_a_row() -> None:
    assert signals(standing(u6=WEAK_U6), [standing(u6=WEAK_U6)]).development == "pelatihan_teknis"
    assert signals(standing(u6=WEAK_U6), [standing()]).development == NONE
    assert signals(standing(u6=WEAK_U6), []).development == NONE
    assert (
        signals(standing(u6=WEAK_U6), [standing(u6=None, u7=None)]).development == NONE
    )  # items not kept then


def test_it_names_the_weakest_persistently_weak_element() -> None:
    weak_u7 = Item(40 * 2 + 4, 40)  # 2.10
    both = signals(standing(u6=Item(40 * 2 + 8, 40), u7=weak_u7), [standing(u6=WEAK_U6, u7=weak_u7)])
    assert (both.development, both.development_element) == ("pelatihan_pelayanan_prima", "u7")


@pytest.mark.parametrize(
    ("total", "count", "weak"),
    [
        (3 * 40 + 2, 40, True),  # 3.05 x 25 = 76.25 < 76.61
        (3 * 40 + 3, 40, False),  # 3.075 x 25 = 76.875
        (2 * (ITEM_MIN_ANSWERS - 1), ITEM_MIN_ANSWERS - 1, False),  # too few answers to say
        (2 * ITEM_MIN_ANSWERS, ITEM_MIN_ANSWERS, True),
        (0, 0, False),
    ],
)
def test_it_calls_an_item_weak_below_grade_b_with_enough_answers(total: int, count: int, weak: bool) -> None:
    assert Item(total, count).weak is weak


def test_it_compares_only_adjacent_periods_of_about_the_same_length() -> None:
    march = (date(2026, 3, 1), date(2026, 3, 31))
    assert comparable((date(2026, 2, 1), date(2026, 2, 28)), march)
    assert not comparable((date(2026, 1, 1), date(2026, 1, 31)), march)  # a gap
    assert not comparable((date(2025, 12, 1), date(2026, 2, 28)), march)  # a quarter
