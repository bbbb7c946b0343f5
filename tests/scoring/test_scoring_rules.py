"""Each rule catches its attack and leaves the honest look-alike alone."""

import random

import numpy as np
import pytest
from scoring_factories import WIT, at, common_network_background, excluded_ids, rating, reasons_by_id, score

from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.reasons import EXCLUDING_REASONS, REASON_ORDER, REASONS
from scoring.table import RatingTable


def test_it_describes_every_reason_in_indonesian_and_english():
    assert set(REASONS) == set(REASON_ORDER)
    for text in REASONS.values():
        assert set(text) == {"id", "en"}
        assert text["id"].strip()
        assert text["en"].strip()
    assert set(REASON_ORDER) > EXCLUDING_REASONS


def test_it_excludes_a_burst_from_one_device_for_one_officer():
    burst = [rating(device_hash="phone", overall=4, submitted_at=at(0, 10, 2 * k)) for k in range(4)]

    result = score(burst)

    assert excluded_ids(result) == {r["rating_id"] for r in burst}
    assert all("burst" in reasons for reasons in reasons_by_id(result).values())


def test_it_keeps_a_double_submit_and_a_citizen_who_comes_back_twice():
    double_submit = [rating(device_hash="slow-3g", submitted_at=at(0, 10, 0, s)) for s in (0, 40)]
    returning = [rating(device_hash="regular", submitted_at=at(day, 10)) for day in (0, 6, 13)]

    assert excluded_ids(score(double_submit + returning)) == set()


def test_it_never_judges_tickets_by_device():
    # each ticket is a single-use, server-issued proof of a visit
    records = [rating(channel="ticket", device_hash="shared", submitted_at=at(0, 10, k)) for k in range(8)]
    records += [
        rating(channel="ticket", device_hash="shared", overall=1, submitted_at=at(d, 11)) for d in range(6)
    ]

    assert excluded_ids(score(records)) == set()


def test_it_judges_kiosk_ratings_by_the_phone_that_scanned_the_screen():
    # the rotating code proves presence, not that one phone rates once: a burst is still a burst
    burst = [rating(channel="kiosk", device_hash="one-phone", submitted_at=at(0, 10, k)) for k in range(8)]

    result = score(burst)

    assert excluded_ids(result) == {r["rating_id"] for r in burst}
    assert set(reasons_by_id(result)[burst[0]["rating_id"]]) >= {"burst"}


def rotation(network: str, n: int = 6) -> list[dict]:
    return [
        rating(device_hash=f"fresh{k}", network_hash=network, overall=4, submitted_at=at(0, 13, 5 * k))
        for k in range(n)
    ]


def test_it_excludes_many_new_devices_from_one_uncommon_network():
    attack = rotation("someones-home")

    result = score(common_network_background("carrier-a") + attack)

    assert excluded_ids(result) == {r["rating_id"] for r in attack}
    assert reasons_by_id(result)[attack[0]["rating_id"]] == ("device_rotation",)


def test_it_keeps_a_busy_hour_crowd_on_the_office_wifi():
    crowd = rotation("office-wifi", n=12)

    assert excluded_ids(score(common_network_background("office-wifi") + crowd)) == set()


def test_it_keeps_four_devices_from_one_home_network():
    assert excluded_ids(score(rotation("family", n=4))) == set()


def test_it_excludes_repeated_bottom_ratings_from_one_device():
    sabotage = [
        rating(device_hash="rival", overall=1, submitted_at=at(day, hour))
        for day, hour in ((0, 9), (0, 14), (1, 10))
    ]
    honest = rating(overall=4, submitted_at=at(0, 12))

    result = score([*sabotage, honest])

    assert excluded_ids(result) == {r["rating_id"] for r in sabotage}
    assert reasons_by_id(result)[sabotage[0]["rating_id"]] == ("sabotage",)


def test_it_keeps_an_unhappy_citizen_who_complains_on_three_separate_weeks():
    unhappy = [rating(device_hash="unhappy", overall=1, submitted_at=at(day, 10)) for day in (0, 7, 14)]

    assert excluded_ids(score(unhappy)) == set()


def test_it_keeps_bottom_ratings_from_many_different_people():
    bad_day = [rating(overall=1, submitted_at=at(0, 9, 3 * k)) for k in range(15)]

    assert excluded_ids(score(common_network_background("carrier-a") + bad_day)) == set()


def test_it_treats_networks_named_in_the_settings_as_common():
    crowd = rotation("registered-office-wifi", n=12)

    assert excluded_ids(score(crowd)) == {r["rating_id"] for r in crowd}
    trusted = ScoringParams(trusted_networks=frozenset({"registered-office-wifi"}))
    assert excluded_ids(score(crowd, trusted)) == set()


def test_it_excludes_one_device_rating_one_officer_day_after_day():
    daily = [rating(device_hash="fan", overall=4, submitted_at=at(day, 9)) for day in range(0, 6)]

    result = score(daily)

    assert excluded_ids(result) == {r["rating_id"] for r in daily}
    assert set(reasons_by_id(result).values()) == {("slow_stuffing",)}


@pytest.mark.parametrize("channel", ["poster", "kiosk", "ticket"])
def test_it_excludes_impossibly_fast_forms_on_every_channel(channel):
    record = rating(channel=channel, form_seconds=1.2)

    assert reasons_by_id(score([record]))[record["rating_id"]] == ("bot_speed",)


def test_it_excludes_fast_ratings_at_night_but_keeps_a_late_careful_one():
    script = rating(form_seconds=3.0, submitted_at=at(0, 23))
    late_but_human = rating(form_seconds=25.0, submitted_at=at(0, 21))
    daytime_quick = rating(form_seconds=3.0, submitted_at=at(0, 10))

    result = score([script, late_but_human, daytime_quick])

    assert excluded_ids(result) == {script["rating_id"]}
    assert reasons_by_id(result)[script["rating_id"]] == ("bot_off_hours",)


def test_it_judges_office_hours_in_the_offices_own_time_zone():
    # 08:30 in Jayapura (UTC+9) is 23:30 UTC the day before
    morning_in_papua = rating(form_seconds=3.0, submitted_at=at(0, 8, 30, tz=WIT))

    assert excluded_ids(score([morning_in_papua])) == set()


def test_it_prefers_the_recorded_outside_hours_flag():
    open_late = rating(form_seconds=3.0, submitted_at=at(0, 23), outside_hours=0)
    closed_early = rating(form_seconds=3.0, submitted_at=at(0, 10), outside_hours=1)

    assert excluded_ids(score([open_late, closed_early])) == {closed_early["rating_id"]}


def test_it_keeps_straight_liners():
    records = [
        rating(overall=value, answers=[value] * 9, form_seconds=6.0, submitted_at=at(k % 5, 9, k))
        for k, value in enumerate([1, 4] * 10)
    ]

    assert excluded_ids(score(records)) == set()


def attack_mix():
    burst = [rating(device_hash="phone", overall=4, submitted_at=at(1, 10, k)) for k in range(5)]
    honest = [rating(submitted_at=at(k % 7, 9, k), overall=1 + k % 4) for k in range(40)]
    bots = [rating(form_seconds=0.5, submitted_at=at(2, 3, k)) for k in range(5)]
    return burst + honest + bots + rotation("home-x")


def test_it_scores_anomalies_between_0_and_1_with_half_meaning_a_rule_fired():
    flags = score(attack_mix()).flags

    assert np.all((flags.anomaly_score >= 0) & (flags.anomaly_score <= 1))
    assert np.array_equal(flags.anomaly_score >= 0.5, flags.excluded)


def test_it_gives_the_same_flags_whatever_the_row_order():
    records = attack_mix()
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)

    first, second = score(records), score(shuffled)

    assert first.flags.by_rating_id() == second.flags.by_rating_id()
    assert first.officers == second.officers
    assert first.units == second.units


def steady_weeks_with_a_spike() -> tuple[list[dict], list[dict]]:
    """Eight officers, ten ordinary ratings a week for six weeks; then one officer's fourth week gets
    60 extra top ratings from fresh devices behind carrier networks (invisible to the device rules)."""
    ordinary = [
        rating(
            employee_id=f"E{officer}",
            counter_id=f"L{officer}",
            overall=1 + (officer + k) % 4,
            network_hash=f"carrier-{k % 5}",
            submitted_at=at(7 * week + k % 5, 8 + k % 7, officer),
        )
        for officer in range(8)
        for week in range(6)
        for k in range(10)
    ]
    spike = [
        rating(employee_id="E0", counter_id="L0", overall=4, network_hash=f"carrier-{k % 5}",
               submitted_at=at(21 + k % 5, 8 + k % 8, k))
        for k in range(60)
    ]  # fmt: skip
    return ordinary, spike


def test_it_marks_an_officer_week_far_above_its_baseline_for_review_only():
    ordinary, spike = steady_weeks_with_a_spike()

    result = score(ordinary + spike)

    marked = {rid for rid, reasons in reasons_by_id(result).items() if "officer_anomaly" in reasons}
    assert {r["rating_id"] for r in spike} <= marked
    assert len(marked - {r["rating_id"] for r in spike}) <= 10  # at most E0's own ordinary week
    assert excluded_ids(result) == set()


def test_it_marks_nothing_for_review_in_steady_weeks():
    ordinary, _ = steady_weeks_with_a_spike()

    assert all("officer_anomaly" not in reasons for reasons in reasons_by_id(score(ordinary)).values())


def test_it_accepts_integer_ids_and_treats_them_as_strings():
    table = RatingTable.from_records([rating(rating_id=7, unit_id=12, employee_id=19800101, counter_id=3)])

    result = score_table(table)

    assert next(iter(result.flags)).rating_id == "7"
    assert result.officers[0]["employee_id"] == "19800101"
