"""Unit and officer figures from used ratings, checked against hand computation."""

import math

import pytest
from scoring_factories import at, rating, score

from scoring.params import ScoringParams

MIXED = [
    [4, 4, 3, 2, 4, 3, 4, 2, 3],
    [3, 4, 3, 3, 4, 3, 3, 2, None],
    [3, 4, None, 4, 3, 3, 4, 3, None],
]


def mixed_unit():
    return [
        rating(answers=answers, submitted_at=at(day, 10), overall=3, employee_id="E1")
        for day, answers in enumerate(MIXED)
    ]


def test_it_computes_unit_nrr_and_ikm_by_hand():
    unit = score(mixed_unit()).units[0]

    assert unit["unit_id"] == "U1"
    assert (unit["n_ratings"], unit["n_used"]) == (3, 3)
    assert unit["nrr_u1"] == pytest.approx(10 / 3)
    assert unit["nrr_u3"] == 3.0  # two answers, the blank is not a zero
    assert unit["nrr_u9"] == 3.0
    assert unit["ikm"] == 80.56  # 29 / 9 * 25 = 80.555...
    assert unit["mutu"] == "B"


def test_it_leaves_excluded_ratings_out_of_the_index_but_counts_them():
    script = [
        rating(answers=[1] * 9, overall=1, device_hash="script", form_seconds=0.5, submitted_at=at(0, 11, m))
        for m in range(3)
    ]
    result = score([*mixed_unit(), *script])

    unit = result.units[0]
    assert (unit["n_ratings"], unit["n_used"], unit["ikm"]) == (6, 3, 80.56)


def test_it_uses_the_number_served_for_the_sample_target_and_never_the_number_of_ratings():
    records = mixed_unit()

    assert score(records).units[0]["sample_target"] is None
    assert score(records, served={"U1": 1000}).units[0]["sample_target"] == 278


def test_it_leaves_the_index_empty_when_only_quick_ratings_exist():
    unit = score([rating(), rating(submitted_at=at(1, 10))]).units[0]

    assert unit["ikm"] is None
    assert unit["mutu"] is None
    assert unit["nrr_u1"] is None


def two_officers():
    # E1: one full rating (4, u6 4, u7 4 -> 100) and one quick rating (2 -> 50); E2: three quick 4s (100)
    return [
        rating(employee_id="E1", overall=4, answers=[1, 1, 1, 1, 1, 4, 4, 1, 1], submitted_at=at(0, 9)),
        rating(employee_id="E1", overall=2, submitted_at=at(1, 9)),
        *(rating(employee_id="E2", overall=4, submitted_at=at(day, 11)) for day in range(3)),
    ]


def test_it_shrinks_officer_scores_toward_the_unit_mean():
    officers = {r["employee_id"]: r for r in score(two_officers()).officers}

    # unit mean C = (100 + 50 + 3 x 100) / 5 = 90; m = 10
    assert officers["E1"]["score"] == 87.5  # (2 x 75 + 10 x 90) / 12
    assert officers["E2"]["score"] == 92.31  # (3 x 100 + 10 x 90) / 13 = 92.307...
    assert officers["E1"]["mean_overall"] == 3.0


def test_it_gives_a_shrinkage_aware_95_percent_interval():
    e1 = next(r for r in score(two_officers()).officers if r["employee_id"] == "E1")

    officer_var, unit_var = 1250.0, 500.0  # sample variances of [100, 50] and [100, 50, 100, 100, 100]
    sigma2 = (1 * officer_var + 10 * unit_var) / (1 + 10)
    half_width = 1.959963984540054 * math.sqrt(sigma2 / (2 + 10))
    assert e1["score_low"] == round(87.5 - half_width, 2)
    assert e1["score_high"] == 100.0  # clipped to the scale


def test_it_marks_officers_below_the_minimum_as_insufficient_but_shows_the_shrunk_score():
    e1 = next(r for r in score(two_officers()).officers if r["employee_id"] == "E1")

    assert e1["sufficient"] is False
    assert e1["category"] == "insufficient"
    assert e1["score"] is not None


def test_it_only_uses_overall_u6_and_u7_for_the_officer():
    # u1..u5, u8, u9 all 1 (the building, the fee): must not drag the officer down
    records = [
        rating(employee_id="E1", overall=4, answers=[1, 1, 1, 1, 1, 4, 4, 1, 1], submitted_at=at(d, 9))
        for d in range(4)
    ]
    officer = score(records, ScoringParams(min_ratings=4)).officers[0]

    assert officer["score"] == 100.0
    assert officer["ikm"] == 41.67  # the SKM index still shows everything: (7 x 1 + 2 x 4) / 9 x 25


@pytest.mark.parametrize(
    ("faces", "category"),
    [
        ((4,), "di_atas_ekspektasi"),  # 100, interval well above 88.31
        ((3, 4), "sesuai_ekspektasi"),  # 87.5, interval straddles 88.31
        ((1,), "di_bawah_ekspektasi"),  # 25, interval well below 76.61
    ],
)
def test_it_categorises_sufficient_officers_on_their_interval(faces, category):
    records = [
        rating(employee_id=employee, overall=faces[d % len(faces)], submitted_at=at(d % 20, hour, d))
        for employee, hour in (("E1", 9), ("E2", 10))
        for d in range(40)
    ]

    officer = score(records, ScoringParams(min_ratings=30)).officers[0]

    assert officer["sufficient"] is True
    assert officer["category"] == category


def test_it_counts_unattributed_ratings_for_the_unit_only():
    records = [*two_officers(), rating(employee_id="", overall=1, submitted_at=at(2, 9))]
    result = score(records)

    assert {r["employee_id"] for r in result.officers} == {"E1", "E2"}
    assert result.units[0]["n_ratings"] == 6
    assert sum(r["n_ratings"] for r in result.officers) == 5


def test_it_scores_an_officer_per_unit():
    records = [
        rating(employee_id="E1", unit_id="U1", submitted_at=at(0, 9)),
        rating(employee_id="E1", unit_id="U2", counter_id="L1", submitted_at=at(0, 10)),
    ]

    rows = [(r["employee_id"], r["unit_id"]) for r in score(records).officers]

    assert rows == [("E1", "U1"), ("E1", "U2")]


def test_it_falls_back_to_the_unit_mean_when_every_rating_of_an_officer_is_excluded():
    records = [
        *two_officers(),
        *(rating(employee_id="E3", overall=1, device_hash="one", submitted_at=at(3, 9, k)) for k in range(3)),
    ]
    e3 = next(r for r in score(records).officers if r["employee_id"] == "E3")

    assert (e3["n_ratings"], e3["n_excluded"], e3["n_used"]) == (3, 3, 0)
    assert e3["mean_overall"] is None
    assert e3["score"] == 90.0
    assert e3["category"] == "insufficient"
