"""SKM formulas of docs/scoring.md, with hand-computed figures."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.skm import grade, ikm_exact, ikm_from_sums, nrr, round_half_up, sample_target


def test_it_gives_exactly_100_when_every_answer_is_4():
    sums, counts = [4 * 7] * 9, [7] * 9

    assert ikm_from_sums(sums, counts) == Decimal("100.00")
    # what the rounded weights would publish instead
    assert round_half_up(Fraction(9 * 4) * Fraction("0.111") * 25) == Decimal("99.90")
    assert round_half_up(Fraction(9 * 4) * Fraction("0.11") * 25) == Decimal("99.00")


def test_it_computes_a_mixed_unit_by_hand():
    # answers per element over three respondents; None = blank
    answers = {
        "u1": [4, 3, 3],  # 10/3
        "u2": [4, 4, 4],  # 4
        "u3": [3, 3, None],  # 3 (blank excluded, not counted as 0)
        "u4": [2, 3, 4],  # 3
        "u5": [4, 4, 3],  # 11/3
        "u6": [3, 3, 3],  # 3
        "u7": [4, 3, 4],  # 11/3
        "u8": [2, 2, 3],  # 7/3
        "u9": [3, None, None],  # 3
    }
    sums = [sum(a for a in values if a) for values in answers.values()]
    counts = [sum(1 for a in values if a) for values in answers.values()]
    # sum of NRR = 29, IKM = 29 / 9 * 25 = 80.5555...
    assert ikm_exact([nrr(s, c) for s, c in zip(sums, counts, strict=True)]) == Fraction(725, 9)
    assert ikm_from_sums(sums, counts) == Decimal("80.56")
    assert round_half_up(29 * Fraction("0.111") * 25) == Decimal("80.48")  # the 0.111 weight is off


def test_it_leaves_ikm_empty_when_an_element_has_no_answers():
    assert ikm_from_sums([12] * 8 + [0], [3] * 8 + [0]) is None
    assert nrr(0, 0) is None


@pytest.mark.parametrize(
    ("value", "letter", "label"),
    [
        ("25.00", "D", "Tidak Baik"),
        ("64.99", "D", "Tidak Baik"),
        ("65.00", "C", "Kurang Baik"),
        ("76.60", "C", "Kurang Baik"),
        ("76.61", "B", "Baik"),
        ("88.30", "B", "Baik"),
        ("88.31", "A", "Sangat Baik"),
        ("100.00", "A", "Sangat Baik"),
    ],
)
def test_it_grades_on_the_converted_value_at_the_boundaries(value, letter, label):
    assert tuple(grade(Decimal(value))) == (letter, label)


def test_it_rounds_half_up_only_at_the_end():
    assert round_half_up(Fraction(76605, 1000)) == Decimal("76.61")
    assert round_half_up(Fraction(88305, 1000)) == Decimal("88.31")
    assert round_half_up(2.675) == Decimal("2.68")  # the printed value, not the binary one


@pytest.mark.parametrize(("served", "target"), [(100, 80), (1000, 278), (1_000_000, 384), (0, 0), (1, 1)])
def test_it_computes_the_krejcie_morgan_sample_target(served, target):
    assert sample_target(served) == target


@given(st.integers(min_value=1, max_value=10**7))
def test_it_never_asks_for_more_people_than_were_served_nor_more_than_385(served):
    target = sample_target(served)

    assert 1 <= target <= min(served, 385)
    assert sample_target(served + 1) >= target


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 50)), min_size=9, max_size=9))
def test_it_keeps_ikm_between_25_and_100(mean_and_count):
    sums = [mean * count for mean, count in mean_and_count]
    counts = [count for _, count in mean_and_count]

    ikm = ikm_from_sums(sums, counts)

    assert Decimal(25) <= ikm <= Decimal(100)
    expected = round_half_up(Fraction(sum(mean for mean, _ in mean_and_count) * 25, 9))
    assert ikm == expected
