"""The review queue's grouping rules and numbering plan, pure (no database, no HTTP): which flagged
ratings make one incident, how ratings flagged later join a numbered incident, and the times of day
in plain words."""

from __future__ import annotations

from datetime import date, time
from itertools import count

from staff_admin.review.incidents import Flagged, group, key_text, link_keys, plan
from staff_admin.review.service import clock_window

_ids = count(1)
DAY = date(2026, 3, 2)  # a Monday


def flagged(
    codes: str,
    device: str | None = "phone",
    officer: int | None = 7,
    network: str | None = "net",
    day: date = DAY,
    unit: int = 1,
    counter: int = 3,
) -> Flagged:
    return Flagged(next(_ids), unit, counter, officer, device, network, day, frozenset(codes.split(";")))


def known(incident: int, *ratings: Flagged) -> dict[str, int]:
    """The keys stored for an incident numbered earlier with these ratings."""
    return {key_text(key): incident for rating in ratings for key in link_keys(rating)}


def sizes(ratings: list[Flagged]) -> list[int]:
    return [len(members) for members in group(ratings)]


def test_it_keeps_one_device_rating_one_officer_in_one_incident_whatever_its_reasons() -> None:
    """Seen in the demo: 7 ratings with burst;slow_stuffing and 3 with slow_stuffing alone, all from
    one phone for one officer, were split in two incidents."""
    ratings = [flagged("burst;slow_stuffing") for _ in range(7)] + [
        flagged("slow_stuffing") for _ in range(3)
    ]
    assert sizes(ratings) == [10]


def test_it_separates_devices_officers_and_units() -> None:
    ratings = [
        flagged("burst"),
        flagged("burst", device="other phone"),
        flagged("burst", officer=8),
        flagged("burst", unit=2),
    ]
    assert sizes(ratings) == [1, 1, 1, 1]


def test_it_groups_sabotage_of_one_officer_across_devices_and_days() -> None:
    ratings = [
        flagged("burst;sabotage", device="a"),
        flagged("sabotage", device="b", day=date(2026, 3, 5)),
        flagged("sabotage", device="c", officer=8),
    ]
    assert sizes(ratings) == [2, 1]


def test_it_groups_a_script_at_one_counter_on_one_day_even_with_a_new_device_each_time() -> None:
    ratings = [flagged("bot_speed;bot_off_hours", device=f"d{i}", officer=None) for i in range(30)]
    ratings.append(flagged("bot_speed", device="d99", officer=None, day=date(2026, 3, 3)))
    assert sizes(ratings) == [30, 1]


def test_it_groups_device_rotation_by_officer_network_and_day() -> None:
    ratings = [flagged("device_rotation", device=f"new{i}") for i in range(5)]
    ratings += [flagged("device_rotation", device="x", network="other net")]
    ratings += [flagged("device_rotation", device="y", day=date(2026, 3, 3))]
    assert sizes(ratings) == [5, 1, 1]


def test_it_groups_the_review_marker_by_officer_and_week() -> None:
    ratings = [
        flagged("officer_anomaly", device="a"),
        flagged("officer_anomaly", device="b", day=date(2026, 3, 8)),  # Sunday, same ISO week
        flagged("officer_anomaly", device="c", day=date(2026, 3, 9)),  # next week
    ]
    assert sizes(ratings) == [2, 1]


def test_a_rating_without_device_or_reason_stands_alone() -> None:
    ratings = [flagged("burst", device=None), flagged("burst", device=None), flagged("", device=None)]
    assert sizes(ratings) == [1, 1, 1]


def test_ratings_flagged_later_join_their_numbered_incident_even_a_decided_one() -> None:
    earlier = flagged("burst")  # numbered 4 (and perhaps decided) before these arrive
    later = flagged("slow_stuffing")
    elsewhere = flagged("burst", device="another")
    numbering = plan([later, elsewhere], known(4, earlier))
    assert {n: [r.id for r in members] for n, members in numbering.joining.items()} == {4: [later.id]}
    assert [[r.id for r in members] for members in numbering.new] == [[elsewhere.id]]


def test_a_group_bridging_two_numbered_incidents_joins_the_lower_one_without_renumbering() -> None:
    one, two = flagged("burst", device="a"), flagged("burst", device="b")
    bridge, also = flagged("sabotage;burst", device="a"), flagged("sabotage", device="b")
    numbering = plan([bridge, also], known(5, two) | known(2, one))
    assert {n: [r.id for r in members] for n, members in numbering.joining.items()} == {
        2: [bridge.id, also.id]
    }
    assert numbering.new == []


def test_it_names_the_times_of_day_as_the_shortest_stretch_of_the_clock() -> None:
    assert clock_window([time(9, 10), time(9, 19), time(9, 12)]) == (time(9, 10), time(9, 19))
    assert clock_window([time(22, 10), time(23, 55), time(1, 5)]) == (time(22, 10), time(1, 5))
    assert clock_window([time(14, 0)]) == (time(14, 0), time(14, 0))
