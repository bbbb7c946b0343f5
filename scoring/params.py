"""Tunable parameters of detection and aggregation. The web app's Settings fill these; the defaults
are documented in docs/scoring.md and are what the CSV command uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoringParams:
    # --- counter opening hours, used when a rating carries no outside_hours value (local time) ---
    office_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5)  # Monday=0 .. Saturday=5
    office_start_hour: int = 7
    office_end_hour: int = 17  # exclusive: 17:00 local is outside

    # --- burst: one device, one officer/counter, many ratings in minutes ---
    burst_window_minutes: int = 60
    burst_min_ratings: int = 3

    # --- device rotation: many new devices from one uncommon network for one officer ---
    rotation_window_minutes: int = 60
    rotation_min_devices: int = 5
    # a network is "common" (carrier NAT, office Wi-Fi) when seen with this many devices, on this many
    # distinct local days, for this many distinct officers/counters; common networks never trigger rotation
    common_network_min_devices: int = 10
    common_network_min_days: int = 5
    common_network_min_targets: int = 2
    # network hashes known to be shared (e.g. the office Wi-Fi registered by an admin): always common
    trusted_networks: frozenset[str] = frozenset()

    # --- sabotage: one device giving the bottom rating to one officer again and again ---
    sabotage_window_hours: int = 72
    sabotage_min_bottom_ratings: int = 3
    sabotage_bottom_max: int = 1  # overall <= this counts as a bottom rating

    # --- slow stuffing: one device rating one officer on many days ---
    slow_stuffing_window_days: int = 28
    slow_stuffing_min_days: int = 4

    # --- bots ---
    bot_min_seconds: float = 2.0  # any channel, any time: nobody fills the form faster
    bot_off_hours_min_seconds: float = 4.0  # poster ratings outside opening hours faster than this

    # --- officer-week anomaly (IsolationForest): review marker only, never excludes ---
    anomaly_window_days: int = 7
    anomaly_min_windows: int = 16  # fewer officer-weeks than this: skip the model
    anomaly_min_window_ratings: int = 10
    anomaly_min_volume_ratio: float = 2.0  # window volume vs the officer's median week
    anomaly_score_threshold: float = 0.6  # IsolationForest score (0..1, 0.5 ~ ordinary)
    anomaly_n_estimators: int = 100
    anomaly_random_state: int = 0

    # --- officer score (25-100) ---
    prior_weight: float = 10.0  # m in (v R + m C) / (v + m): the unit mean counts as m ratings
    min_ratings: int = 30  # fewer usable ratings: sufficient=0, category "insufficient"
    confidence_z: float = 1.959963984540054  # 95% two-sided normal quantile
    # SKP category on the 95% interval: above when its lower end reaches above_expectation_min;
    # below when its upper end stays under meets_expectation_min; otherwise as expected.
    above_expectation_min: float = 88.31
    meets_expectation_min: float = 76.61

    def __post_init__(self) -> None:
        if not 0 <= self.office_start_hour < self.office_end_hour <= 24:
            raise ValueError("office hours must satisfy 0 <= start < end <= 24")
        if any(day not in range(7) for day in self.office_weekdays):
            raise ValueError("office_weekdays are 0 (Monday) to 6 (Sunday)")
        if self.prior_weight < 0 or self.min_ratings < 0:
            raise ValueError("prior_weight and min_ratings cannot be negative")
        if self.meets_expectation_min > self.above_expectation_min:
            raise ValueError("meets_expectation_min must not exceed above_expectation_min")
        positive = (
            self.burst_min_ratings,
            self.rotation_min_devices,
            self.sabotage_min_bottom_ratings,
            self.slow_stuffing_min_days,
            self.burst_window_minutes,
            self.rotation_window_minutes,
            self.sabotage_window_hours,
            self.slow_stuffing_window_days,
            self.anomaly_window_days,
        )
        if min(positive) < 1:
            raise ValueError("rule windows and thresholds must be at least 1")
