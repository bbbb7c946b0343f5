"""The bias audit: gender and age from the NIP, channel from the ratings, Welch intervals, Holm."""

from datetime import date

import pytest

from scoring.audit import AUDIT_COLUMNS, NipError, age_band, bias_audit, read_nip
from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.sim.simulate import SimConfig, simulate

PARAMS = ScoringParams()


def test_it_reads_the_birth_date_and_gender_from_the_nip():
    person = read_nip("19850312 201001 2 003")

    assert (person.birth, person.female) == (date(1985, 3, 12), True)
    assert not read_nip("199001012015011001").female
    assert age_band(person, date(2015, 3, 11)) == "<30"  # 29 the day before the 30th birthday
    assert age_band(person, date(2015, 3, 12)) == "30-39"
    assert age_band(person, date(2035, 3, 12)) == "50+"


@pytest.mark.parametrize("nip", ["1985031220100120", "19851312201001200x", "198503122010013003"])
def test_it_refuses_a_nip_that_is_not_one(nip):
    with pytest.raises(NipError):
        read_nip(nip)


def officer(employee: str, score: float, n_used: int = 50) -> dict:
    return {
        "employee_id": employee,
        "score": score,
        "score_adjusted": score,
        "n_used": n_used,
        "sufficient": True,
    }


def nip(female: bool, year: int = 1985) -> str:
    return f"{year}0312201001{2 if female else 1}003"


def audit(officers: list[dict], nips: dict[str, str]) -> dict[tuple[str, str], dict]:
    rows = bias_audit(
        officers, nips, {o["employee_id"]: "poster" for o in officers}, date(2026, 6, 30), PARAMS
    )
    assert [list(row) for row in rows] == [list(AUDIT_COLUMNS)] * 9
    return {(row["dimension"], row["group"]): row for row in rows}


def test_it_flags_a_clear_gap_and_gives_its_interval():
    officers = [officer(f"F{k}", 80 + k % 3) for k in range(20)] + [
        officer(f"M{k}", 86 + k % 3) for k in range(20)
    ]
    nips = {o["employee_id"]: nip(o["employee_id"].startswith("F")) for o in officers}

    rows = audit(officers, nips)

    female = rows[("gender", "female")]
    assert (female["officers"], female["gap"], female["flagged"]) == (20, -6.0, True)
    assert female["gap_low"] < -6.0 < female["gap_high"] < -4
    assert rows[("gender", "male")]["flagged"]
    assert not any(row["flagged"] for key, row in rows.items() if key[0] != "gender")


def test_it_does_not_flag_a_sure_gap_smaller_than_two_points():
    officers = [officer(f"F{k}", 80 + k % 2 * 0.2) for k in range(30)] + [
        officer(f"M{k}", 81.5 + k % 2 * 0.2) for k in range(30)
    ]
    nips = {o["employee_id"]: nip(o["employee_id"].startswith("F")) for o in officers}

    female = audit(officers, nips)[("gender", "female")]

    assert female["gap_high"] < 0  # the gap is sure ...
    assert not female["flagged"]  # ... but too small to be a finding


def test_it_leaves_out_officers_without_a_sufficient_score_or_a_valid_nip():
    officers = [officer(f"F{k}", 80.0) for k in range(3)] + [officer(f"M{k}", 90.0) for k in range(3)]
    officers.append(officer("new", 30.0) | {"sufficient": False})
    nips = {o["employee_id"]: nip(o["employee_id"].startswith("F")) for o in officers} | {"M0": "not a nip"}

    rows = audit(officers, nips)

    assert (rows[("gender", "female")]["officers"], rows[("gender", "male")]["officers"]) == (3, 2)
    assert rows[("channel", "poster")]["officers"] == 6  # channel needs no NIP
    assert rows[("channel", "poster")]["gap"] is None  # nobody to compare with


def simulated_audit(seed: int, female_shift: float) -> dict[tuple[str, str], dict]:
    config = SimConfig(
        seed=seed, n_honest=40_000, n_units=30, weeks=4, attacks=False, female_shift=female_shift
    )
    sim = simulate(config)
    nips = dict(zip(sim.employees["employee_id"], sim.employees["nip"], strict=True))
    result = score_table(sim.table(), PARAMS, employees=nips)
    return {(row["dimension"], row["group"]): row for row in result.audit}


@pytest.mark.parametrize("seed", [1, 2])
def test_it_flags_a_planted_gap_of_several_points(seed):
    # female officers' ratings are planted 0.3 lower on the 1-4 face scale: about 7 points
    rows = simulated_audit(seed, female_shift=-0.3)

    female = rows[("gender", "female")]
    assert female["flagged"] and rows[("gender", "male")]["flagged"]
    assert -10 < female["gap"] < -4


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_it_flags_nothing_without_a_real_gap(seed):
    rows = simulated_audit(seed, female_shift=0.0)

    assert not [key for key, row in rows.items() if row["flagged"]]
