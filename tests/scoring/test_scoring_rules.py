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


def test_it_judges_ticket_ratings_by_device_like_the_others():
    # a ticket proves that someone was served, not who rated: one phone rating many slips is one person
    slips = [
        rating(channel="ticket", device_hash="officers-phone", overall=4, submitted_at=at(0, 10, k))
        for k in range(8)
    ]

    result = score(slips)

    assert excluded_ids(result) == {r["rating_id"] for r in slips}
    assert "burst" in reasons_by_id(result)[slips[0]["rating_id"]]


def test_it_excludes_one_phone_rating_many_tickets_of_one_officer_over_days():
    # a few collected slips a day, each more than an hour apart: never a burst, still one phone
    slips = [
        rating(channel="ticket", device_hash="officers-phone", overall=4, submitted_at=at(day, hour))
        for day in range(3)
        for hour in (9, 11, 14)
    ]

    result = score(slips)

    assert excluded_ids(result) == {r["rating_id"] for r in slips}
    assert all("repeat_visits" in reasons for reasons in reasons_by_id(result).values())


def ordinary_days(days: range, per_day: int = 12, employee: str = "E1") -> list[dict]:
    """An officer's usual traffic: per_day ratings a day from different people, values 2-4 mixed,
    behind four carrier networks that a colleague's citizens (E9, four a day) use as well."""
    values = [4, 3, 4, 3, 2, 4, 3, 4, 2, 3, 4, 3]
    own = [
        rating(
            employee_id=employee,
            overall=values[k % len(values)],
            network_hash=f"carrier-{k % 4}",
            submitted_at=at(day, 8 + k * 7 // per_day, k),
        )
        for day in days
        for k in range(per_day)
    ]
    colleague = [
        rating(
            employee_id="E9", counter_id="L9", network_hash=f"carrier-{k}", submitted_at=at(day, 9, 10 * k)
        )
        for day in days
        for k in range(4)
    ]
    return own + colleague


def test_it_excludes_an_officer_rating_their_own_counter_from_the_kiosk_between_citizens():
    citizens = [r | {"channel": "kiosk"} for r in ordinary_days(range(4))]
    own = [
        rating(
            channel="kiosk",
            device_hash="officer",
            overall=4,
            network_hash="office-wifi",
            submitted_at=at(day, hour, 30),
        )
        for day in range(4)
        for hour in (9, 12, 15)
    ]

    result = score(citizens + own)

    assert excluded_ids(result) == {r["rating_id"] for r in own}


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
    crowd = [r | {"overall": 3 + k % 2} for k, r in enumerate(rotation("office-wifi", n=12))]

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


def test_it_keeps_a_bad_day_with_low_ratings_at_the_officers_normal_volume():
    # the signal the system exists for: an officer's whole day rated low by as many people as usual
    bad_day = [rating(overall=1 if k % 3 else 2, submitted_at=at(7, 8 + k // 2, 3 * k)) for k in range(12)]

    result = score(ordinary_days(range(0, 7)) + bad_day + ordinary_days(range(8, 14)))

    assert excluded_ids(result) == set()
    assert all(not reasons for reasons in reasons_by_id(result).values())


def test_it_excludes_a_brigade_of_new_phones_far_above_the_officers_volume():
    brigade = [
        rating(
            device_hash=f"friend{k}",
            network_hash=f"carrier-{k % 4}",
            overall=1,
            submitted_at=at(7, 10 + k // 6, 9 * (k % 6)),
        )
        for k in range(30)
    ]

    result = score(ordinary_days(range(0, 14)) + brigade)

    assert excluded_ids(result) == {r["rating_id"] for r in brigade}
    assert reasons_by_id(result)[brigade[0]["rating_id"]] == ("brigade",)


def test_it_only_marks_for_review_a_smaller_wave_of_bottom_ratings():
    wave = [
        rating(device_hash=f"friend{k}", overall=1, submitted_at=at(7, 10 + k // 3, 15 * (k % 3)))
        for k in range(8)
    ]

    result = score(ordinary_days(range(0, 14)) + wave)

    assert excluded_ids(result) == set()
    assert {rid for rid, reasons in reasons_by_id(result).items() if "rating_surge" in reasons} == {
        r["rating_id"] for r in wave
    }


def test_it_treats_networks_named_in_the_settings_as_common():
    crowd = rotation("registered-office-wifi", n=12)

    assert excluded_ids(score(crowd)) == {r["rating_id"] for r in crowd}
    trusted = ScoringParams(trusted_networks=frozenset({"registered-office-wifi"}))
    assert excluded_ids(score(crowd, trusted)) == set()


def test_it_excludes_one_device_rating_one_officer_day_after_day():
    daily = [rating(device_hash="fan", overall=4, submitted_at=at(day, 9)) for day in (0, 2, 4, 6, 8)]

    result = score(daily)

    assert excluded_ids(result) == {r["rating_id"] for r in daily}
    assert set(reasons_by_id(result).values()) == {("slow_stuffing",)}


def test_it_keeps_a_regular_who_comes_back_every_week():
    regular = [rating(device_hash="regular", overall=3, submitted_at=at(7 * week, 10)) for week in range(8)]
    with_a_slip = [
        rating(device_hash="regular2", channel="ticket", submitted_at=at(7 * w + w % 2, 9)) for w in range(8)
    ]

    assert excluded_ids(score(regular + with_a_slip)) == set()


def test_it_keeps_a_single_fast_rating_from_a_phone_that_rated_nothing_else():
    # one face, send: a second on a phone is normal for a quick rating
    quick = [
        rating(channel=channel, form_seconds=1.2, submitted_at=at(0, 10, k))
        for k, channel in enumerate(["poster", "kiosk", "ticket"])
    ]

    result = score(quick)

    assert excluded_ids(result) == set()
    assert all(flag.anomaly_score < 0.5 for flag in result.flags)


@pytest.mark.parametrize("channel", ["poster", "kiosk", "ticket"])
def test_it_excludes_fast_ratings_when_one_device_sends_several(channel):
    script = [
        rating(
            channel=channel,
            device_hash="script",
            form_seconds=1.2,
            employee_id=f"E{k}",
            submitted_at=at(0, 10 + k),
        )
        for k in range(3)
    ]

    result = score(script)

    assert excluded_ids(result) == {r["rating_id"] for r in script}
    assert reasons_by_id(result)[script[0]["rating_id"]] == ("bot_speed",)


def test_it_excludes_fast_ratings_crowding_one_network_but_keeps_the_network_s_other_fast_raters():
    background = ordinary_days(range(5), per_day=40)
    # the same network's honest quick tappers, one a day (three hours or more from the script)
    honest_fast = [
        rating(network_hash="carrier-1", form_seconds=1.5, submitted_at=at(day, 9, 30)) for day in range(5)
    ]
    script = [
        rating(
            device_hash=f"fresh{k}", network_hash="carrier-1", form_seconds=0.8, submitted_at=at(2, 13, 2 * k)
        )
        for k in range(12)
    ]

    result = score(background + honest_fast + script)

    assert excluded_ids(result) == {r["rating_id"] for r in script}


def test_it_excludes_fast_ratings_at_night_when_several_come_but_keeps_a_late_quick_one():
    script = [
        rating(
            device_hash=f"n{k}",
            network_hash=f"carrier-{k % 4}",
            form_seconds=3.0,
            submitted_at=at(5, 23, 4 * k),
        )
        for k in range(8)
    ]
    late_quick = rating(form_seconds=3.0, submitted_at=at(2, 21))
    late_but_human = rating(form_seconds=25.0, submitted_at=at(0, 21))
    daytime = ordinary_days(range(6), per_day=20)

    result = score([*script, late_quick, late_but_human, *daytime])

    assert excluded_ids(result) == {r["rating_id"] for r in script}
    assert reasons_by_id(result)[script[0]["rating_id"]] == ("bot_off_hours",)


def test_it_judges_office_hours_in_the_offices_own_time_zone():
    # 08:30 in Jayapura (UTC+9) is 23:30 UTC the day before
    morning_in_papua = rating(form_seconds=3.0, submitted_at=at(0, 8, 30, tz=WIT))

    assert excluded_ids(score([morning_in_papua])) == set()


def test_it_prefers_the_recorded_outside_hours_flag():
    def quick(day: int, hour: int, outside_hours: int) -> list[dict]:
        return [
            rating(
                device_hash=f"{day}-{k}",
                network_hash=f"carrier-{k % 4}",
                form_seconds=3.0,
                submitted_at=at(day, hour, k),
                outside_hours=outside_hours,
            )
            for k in range(12)
        ]

    open_late, closed_early = quick(1, 23, outside_hours=0), quick(2, 10, outside_hours=1)
    background = [r | {"outside_hours": None} for r in ordinary_days(range(4), per_day=20)]

    result = score(open_late + closed_early + background)

    assert excluded_ids(result) == {r["rating_id"] for r in closed_early}


def test_it_keeps_straight_liners():
    records = [
        rating(overall=value, answers=[value] * 9, form_seconds=6.0, submitted_at=at(k % 5, 9, k))
        for k, value in enumerate([1, 4] * 10)
    ]

    assert excluded_ids(score(records)) == set()


def attack_mix():
    burst = [rating(device_hash="phone", overall=4, submitted_at=at(1, 10, k)) for k in range(5)]
    honest = [rating(submitted_at=at(k % 7, 9, k), overall=1 + k % 4) for k in range(40)]
    bots = [rating(device_hash=f"b{k}", form_seconds=0.5, submitted_at=at(2, 3, k)) for k in range(8)]
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
    40 extra good ratings (3s and 4s, so no wave of one value) from fresh devices behind carrier
    networks: invisible to every rule."""
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
        rating(employee_id="E0", counter_id="L0", overall=3 + k % 2, network_hash=f"carrier-{k % 5}",
               submitted_at=at(21 + k % 5, 8 + k % 8, k))
        for k in range(40)
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


def _marked(result) -> set[str]:
    return {rid for rid, reasons in reasons_by_id(result).items() if "rating_surge" in reasons}


def test_it_marks_a_wave_phone_that_rated_the_officer_twice_while_the_wave_lasted():
    # three friends caught as sabotage (three 1s each), and a fourth who gave only two
    caught = [
        rating(device_hash=f"friend{k}", overall=1, submitted_at=at(7, 10 + k, 10 * j))
        for k in range(3)
        for j in range(3)
    ]
    # ... spread so that no one- or two-day window holds three of the wave's uncaught 1s
    twice = [rating(device_hash="friend3", overall=1, submitted_at=at(7, 15)), rating(
        device_hash="friend3", overall=1, submitted_at=at(9, 10))]  # fmt: skip
    once = [rating(device_hash="passer-by", overall=1, submitted_at=at(8, 11))]
    later = [rating(device_hash="regular", overall=1, submitted_at=at(day, 11)) for day in (12, 13)]

    result = score(ordinary_days(range(0, 14)) + caught + twice + once + later)

    assert {r["rating_id"] for r in caught} <= excluded_ids(result)
    assert _marked(result) == {r["rating_id"] for r in twice}  # counted until a person decides
    assert not excluded_ids(result) & {r["rating_id"] for r in twice + once + later}


def test_it_leaves_a_citizen_who_rates_twice_without_any_wave_alone():
    twice = [rating(device_hash="back-again", overall=1, submitted_at=at(7, hour)) for hour in (9, 15)]

    result = score(ordinary_days(range(0, 14)) + twice)

    assert not (_marked(result) | excluded_ids(result)) & {r["rating_id"] for r in twice}
