"""Explainable exclusion rules. Each returns, per rating in table order, whether it fires and a 0..1
strength (0.5 at the rule's threshold) that feeds the anomaly score.

Channel trust: device-based rules (burst, device_rotation, sabotage, slow_stuffing, repeat_visits)
judge every rating with a device hash, whatever its channel: a kiosk code or a queue ticket proves that
someone was served, not who rated, and the officer whose score it is is the most motivated attacker.
The speed rules (scoring.speed) need corroboration; brigades are in scoring.volume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.features import (
    SortedGroups,
    dense_groups,
    device_rule_rows,
    distinct_count,
    group_max,
    local_day,
    mark_ranges,
    pair_key,
    rule_strength,
    targets,
    window_starts,
    windowed_sum,
)
from scoring.params import ScoringParams
from scoring.reasons import REASON_BIT
from scoring.speed import bot_off_hours, bot_speed
from scoring.table import RatingTable
from scoring.volume import brigades


@dataclass(frozen=True, slots=True)
class RuleHit:
    fired: np.ndarray  # bool per rating
    strength: np.ndarray  # float 0..1 per rating


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    reason_mask: np.ndarray  # uint16 per rating, bits from reasons.REASON_BIT
    strength: np.ndarray  # max strength over rules, 0..1


def _repeat_rule(rows: np.ndarray, key: np.ndarray, ts: np.ndarray, window: int, threshold: int, n: int):
    """Rows of one key with >= threshold ratings inside some `window` seconds."""
    sorted_rows = SortedGroups(rows, key, ts)
    starts = window_starts(sorted_rows.groups, sorted_rows.ts, window)
    counts = np.arange(len(starts)) - starts + 1
    fired = mark_ranges(starts, counts >= threshold)
    strength = rule_strength(group_max(sorted_rows.groups, counts), threshold)
    return RuleHit(sorted_rows.scatter(n, fired, False), sorted_rows.scatter(n, strength, 0.0))


def burst(table: RatingTable, params: ScoringParams, target: np.ndarray) -> RuleHit:
    """One device, one officer or counter, >= burst_min_ratings within burst_window_minutes."""
    rows = np.flatnonzero(device_rule_rows(table))
    key = pair_key(np.maximum(table.device, 0), target)
    window = params.burst_window_minutes * 60
    return _repeat_rule(rows, key, table.ts, window, params.burst_min_ratings, len(table))


def sabotage(table: RatingTable, params: ScoringParams, target: np.ndarray) -> RuleHit:
    """One device giving one officer >= sabotage_min_bottom_ratings bottom ratings within
    sabotage_window_hours. Only the bottom ratings are flagged."""
    rows = np.flatnonzero(device_rule_rows(table) & (table.overall <= params.sabotage_bottom_max))
    key = pair_key(np.maximum(table.device, 0), target)
    window = params.sabotage_window_hours * 3600
    return _repeat_rule(rows, key, table.ts, window, params.sabotage_min_bottom_ratings, len(table))


def common_networks(table: RatingTable, params: ScoringParams, target: np.ndarray, day: np.ndarray):
    """Per network code: True when shared by many people (carrier NAT, office Wi-Fi), judged from the
    data: enough distinct devices, distinct local days and distinct officers/counters."""
    n_networks = int(table.network.max(initial=-1)) + 1
    has_network = table.network >= 0
    with_device = has_network & (table.device >= 0)
    devices = distinct_count(table.network[with_device], table.device[with_device], n_networks)
    days = distinct_count(table.network[has_network], day[has_network] - day.min(initial=0), n_networks)
    target_count = distinct_count(table.network[has_network], target[has_network], n_networks)
    common = (
        (devices >= params.common_network_min_devices)
        & (days >= params.common_network_min_days)
        & (target_count >= params.common_network_min_targets)
    )
    if params.trusted_networks:
        common |= np.isin(table.network_labels, list(params.trusted_networks))
    return common


def device_rotation(
    table: RatingTable, params: ScoringParams, target: np.ndarray, day: np.ndarray
) -> RuleHit:
    """On an uncommon network, >= rotation_min_devices distinct devices rating one officer or counter
    within rotation_window_minutes. All ratings of that network and officer in the window are flagged."""
    n = len(table)
    common = common_networks(table, params, target, day)
    eligible = device_rule_rows(table) & (table.network >= 0)
    eligible[eligible] = ~common[table.network[eligible]]
    rows = np.flatnonzero(eligible)
    key = pair_key(np.maximum(table.network, 0), target)
    sorted_rows = SortedGroups(rows, key, table.ts)
    device = table.device[sorted_rows.order]
    first_of_device = np.unique(pair_key(sorted_rows.groups, device), return_index=True)[1]
    fresh = np.zeros(len(device), dtype=np.int64)
    fresh[first_of_device] = 1  # a device counts once, at its first rating in this group
    starts = window_starts(sorted_rows.groups, sorted_rows.ts, params.rotation_window_minutes * 60)
    devices_in_window = windowed_sum(starts, fresh)
    fired = mark_ranges(starts, devices_in_window >= params.rotation_min_devices)
    strength = rule_strength(group_max(sorted_rows.groups, devices_in_window), params.rotation_min_devices)
    return RuleHit(sorted_rows.scatter(n, fired, False), sorted_rows.scatter(n, strength, 0.0))


def slow_stuffing(table: RatingTable, params: ScoringParams, target: np.ndarray, day: np.ndarray) -> RuleHit:
    """One device rating one officer on >= slow_stuffing_min_days distinct local days within
    slow_stuffing_window_days. Every rating of that device for that officer on those days is flagged."""
    n = len(table)
    rows = np.flatnonzero(device_rule_rows(table))
    key = pair_key(np.maximum(table.device, 0), target)
    sorted_rows = SortedGroups(rows, key, table.ts)
    rating_day = day[sorted_rows.order]
    # rows are in time order within a group, so (group, day) pairs come out sorted
    day_of_row = dense_groups(pair_key(sorted_rows.groups, rating_day - rating_day.min(initial=0)))
    first_rows = (
        np.flatnonzero(np.r_[True, day_of_row[1:] != day_of_row[:-1]]) if len(day_of_row) else day_of_row
    )
    day_groups, days = sorted_rows.groups[first_rows], rating_day[first_rows]
    starts = window_starts(day_groups, days, params.slow_stuffing_window_days - 1)
    day_counts = np.arange(len(starts)) - starts + 1
    fired_days = mark_ranges(starts, day_counts >= params.slow_stuffing_min_days)
    strength_days = rule_strength(group_max(day_groups, day_counts), params.slow_stuffing_min_days)
    fired, strength = fired_days[day_of_row], strength_days[day_of_row]
    return RuleHit(sorted_rows.scatter(n, fired, False), sorted_rows.scatter(n, strength, 0.0))


def repeat_visits(table: RatingTable, params: ScoringParams, target: np.ndarray) -> RuleHit:
    """One device, one officer or counter, >= repeat_min_visits separate visits (a rating more than
    visit_gap_minutes after the device's previous rating of that target) within repeat_window_hours.
    Every rating of those visits is flagged."""
    n = len(table)
    rows = np.flatnonzero(device_rule_rows(table))
    key = pair_key(np.maximum(table.device, 0), target)
    sorted_rows = SortedGroups(rows, key, table.ts)
    groups, ts = sorted_rows.groups, sorted_rows.ts
    new_visit = np.ones(len(ts), dtype=np.int64)
    if len(ts):
        same_group = groups[1:] == groups[:-1]
        new_visit[1:] = ~same_group | (np.diff(ts) > params.visit_gap_minutes * 60)
    starts = window_starts(groups, ts, params.repeat_window_hours * 3600)
    visits = windowed_sum(starts, new_visit)
    fired = mark_ranges(starts, visits >= params.repeat_min_visits)
    strength = rule_strength(group_max(groups, visits), params.repeat_min_visits)
    return RuleHit(sorted_rows.scatter(n, fired, False), sorted_rows.scatter(n, strength, 0.0))


def run_rules(table: RatingTable, params: ScoringParams) -> RuleOutcome:
    """All rules (rating_surge only marks for review); a rating may carry several reasons."""
    target = targets(table)
    day = local_day(table)
    hits = {
        "burst": burst(table, params, target),
        "device_rotation": device_rotation(table, params, target, day),
        "sabotage": sabotage(table, params, target),
        "bot_speed": RuleHit(*bot_speed(table, params, target)),
        "bot_off_hours": RuleHit(*bot_off_hours(table, params)),
        "slow_stuffing": slow_stuffing(table, params, target, day),
        "repeat_visits": repeat_visits(table, params, target),
    }
    # brigades are waves of people: what the speed rules caught (scripts) is no part of one; what the
    # device rules caught (sabotage by some of the wave's phones) counts toward the wave's volume,
    # but only ratings no rule caught are flagged (scoring.volume)
    left = ~np.logical_or.reduce([hit.fired for hit in hits.values()])
    people = ~(hits["bot_speed"].fired | hits["bot_off_hours"].fired)
    volume = brigades(table, params, target, left, people)
    hits["brigade"] = RuleHit(volume.brigade, np.where(volume.brigade, volume.strength, 0.0))
    hits["rating_surge"] = RuleHit(volume.surge, np.where(volume.surge, volume.strength, 0.0))
    mask = np.zeros(len(table), dtype=np.uint16)
    strength = np.zeros(len(table), dtype=np.float64)
    for code, hit in hits.items():
        mask[hit.fired] |= np.uint16(REASON_BIT[code])
        # near misses stay below 0.5 so that 0.5 and above always means some rule fired
        np.maximum(strength, np.where(hit.fired, hit.strength, np.minimum(hit.strength, 0.49)), out=strength)
    return RuleOutcome(mask, strength)
