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

    # --- slow stuffing: one device rating one officer on many days (a weekly regular has 2 in 14) ---
    slow_stuffing_window_days: int = 14
    slow_stuffing_min_days: int = 4

    # --- repeat visits: one phone rating one officer on many separate visits within a few days ---
    repeat_window_hours: int = 72
    repeat_min_visits: int = 4
    visit_gap_minutes: int = 10  # ratings closer than this to the previous one are the same visit

    # --- bots: speed is a signal, never a verdict on its own ---
    bot_min_seconds: float = 2.0  # "fast": a form submitted faster than this
    bot_off_hours_min_seconds: float = 4.0  # poster ratings outside opening hours faster than this
    # a fast rating is excluded when fast ratings cluster: >= bot_device_min_fast from one device
    # within bot_device_window_hours, or >= bot_cluster_min_fast from one network, office or officer
    # within bot_window_hours (or one officer over the whole period) whose number is improbable
    # (binomial tail <= cluster_alpha) when a share max(bot_fast_share_floor, 2 x the data's fast
    # share) is honest (scoring.speed)
    bot_device_window_hours: int = 24
    bot_window_hours: int = 3
    bot_device_min_fast: int = 3
    bot_cluster_min_fast: int = 5
    bot_fast_share_floor: float = 0.02
    # off-hours: >= bot_off_hours_min_ratings such ratings at one office or network within
    # bot_off_hours_window_hours, improbable against max(floor, 2 x their share of all ratings)
    bot_off_hours_window_hours: int = 12
    bot_off_hours_min_ratings: int = 3
    bot_off_hours_share_floor: float = 0.005
    cluster_alpha: float = 1e-6

    # --- brigade: many ratings of one extreme value for one officer on a day or two consecutive days,
    # far above the officer's normal volume (scoring.volume) ---
    brigade_min_ratings: int = 8  # of the one value (1 or 4) within the window
    brigade_volume_ratio: float = 2.0  # window volume vs the officer's normal volume for that time
    brigade_extra_share: float = 0.75  # extra volume vs extra ratings of the value (a bad day: ~0)
    brigade_other_z: float = 2.0  # slack (in Poisson standard deviations) for the other ratings
    brigade_alpha: float = 1e-6  # binomial tail of that value's count against the officer's own share
    brigade_far_ratio: float = 4.0  # at this volume ratio the value's tail only needs brigade_far_alpha
    brigade_far_alpha: float = 1e-3
    brigade_far_history: int = 10  # ratings outside the window before the far test applies
    brigade_left_alpha: float = 0.01  # the same tail for what no other rule caught
    brigade_collateral: float = 0.25  # excludes only when the usual ratings of the value are at most
    # this share of the wave (else the wave is only marked for review)
    brigade_share_floor: float = 0.01  # no value is ever taken as impossible for an officer
    brigade_prior_weight: float = 20.0  # the unit's share counts as this many ratings in that share
    brigade_companion_hours: float = 48.0  # a wave phone's other ratings of the value this close join it
    # rating_surge (review only): the same test with weaker evidence
    surge_min_ratings: int = 5
    surge_volume_ratio: float = 1.3
    surge_alpha: float = 1e-3

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
    # which score the SKP category is decided on: the documented score, or the one adjusted for
    # channel and counter mix
    skp_score: str = "raw"

    # --- adjusted score: ridge priors (in ratings) of counter and channel effects ---
    adjust_counter_prior: float = 20.0
    adjust_channel_prior: float = 20.0

    # --- bias audit ---
    audit_alpha: float = 0.05  # family-wise, Holm over every group of every dimension
    audit_min_gap: float = 2.0  # points on the 25-100 scale

    def __post_init__(self) -> None:
        if not 0 <= self.office_start_hour < self.office_end_hour <= 24:
            raise ValueError("office hours must satisfy 0 <= start < end <= 24")
        if any(day not in range(7) for day in self.office_weekdays):
            raise ValueError("office_weekdays are 0 (Monday) to 6 (Sunday)")
        if self.prior_weight < 0 or self.min_ratings < 0:
            raise ValueError("prior_weight and min_ratings cannot be negative")
        if self.meets_expectation_min > self.above_expectation_min:
            raise ValueError("meets_expectation_min must not exceed above_expectation_min")
        if self.skp_score not in ("raw", "adjusted"):
            raise ValueError("skp_score is raw or adjusted")
        if not 0 < self.cluster_alpha < 1 or not 0 < self.brigade_alpha <= self.surge_alpha < 1:
            raise ValueError("alphas must be between 0 and 1 (brigade_alpha <= surge_alpha)")
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
            self.repeat_window_hours,
            self.repeat_min_visits,
            self.bot_window_hours,
            self.bot_device_window_hours,
            self.bot_device_min_fast,
            self.bot_cluster_min_fast,
            self.bot_off_hours_window_hours,
            self.bot_off_hours_min_ratings,
            self.brigade_min_ratings,
            self.surge_min_ratings,
        )
        if min(positive) < 1:
            raise ValueError("rule windows and thresholds must be at least 1")
