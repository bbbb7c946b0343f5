"""Stable reason codes attached to ratings, with plain-language text for the staff UI.

Codes are part of the public contract (flags.csv, the database, the review queue): never rename or
reuse a code; add new ones and bump ``DETECTOR_VERSION`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable

# Bump when a rule, a default threshold or a reason code changes, so stored flags can be traced to the
# detector that produced them.
DETECTOR_VERSION = "2025.1"

# Order matters only for output: reasons are always listed in this order. The bit of a code is its index.
REASON_ORDER: tuple[str, ...] = (
    "burst",
    "device_rotation",
    "sabotage",
    "bot_speed",
    "bot_off_hours",
    "slow_stuffing",
    "officer_anomaly",
)

REASONS: dict[str, dict[str, str]] = {
    "burst": {
        "id": "Perangkat yang sama mengirim banyak penilaian untuk petugas atau loket yang sama dalam "
        "hitungan menit. Satu orang hanya dihitung sekali per kunjungan.",
        "en": "The same device sent many ratings for the same officer or counter within minutes. "
        "One person counts once per visit.",
    },
    "device_rotation": {
        "id": "Banyak perangkat baru dari satu jaringan yang jarang dipakai (bukan jaringan operator "
        "seluler atau Wi-Fi kantor) menilai petugas yang sama dalam waktu singkat.",
        "en": "Many new devices from one little-used network (not a mobile carrier or the office Wi-Fi) "
        "rated the same officer within a short time.",
    },
    "sabotage": {
        "id": "Beberapa perangkat yang sama berulang kali memberi nilai terendah kepada petugas yang "
        "sama dalam beberapa hari.",
        "en": "The same few devices repeatedly gave the lowest rating to the same officer within a few days.",
    },
    "bot_speed": {
        "id": "Formulir dikirim terlalu cepat untuk diisi oleh manusia.",
        "en": "The form was submitted faster than a person can fill it in.",
    },
    "bot_off_hours": {
        "id": "Dikirim di luar jam layanan loket dan sangat cepat, pola khas program otomatis.",
        "en": "Submitted outside the counter's opening hours and very fast, a typical pattern of a script.",
    },
    "slow_stuffing": {
        "id": "Perangkat yang sama menilai petugas yang sama pada banyak hari berbeda dalam beberapa "
        "minggu, lebih dari kunjungan ulang yang wajar.",
        "en": "The same device rated the same officer on many different days over a few weeks, more "
        "than normal return visits.",
    },
    "officer_anomaly": {
        "id": "Jumlah atau pola penilaian petugas pada minggu ini jauh berbeda dari biasanya. Hanya "
        "penanda untuk ditinjau; penilaian tetap dihitung.",
        "en": "The officer's number or pattern of ratings this week is far from usual. A marker for "
        "review only; the rating still counts.",
    },
}

# Codes that remove a rating from the figures. The others only put it in the review queue.
EXCLUDING_REASONS: frozenset[str] = frozenset(REASON_ORDER) - {"officer_anomaly"}

REASON_BIT: dict[str, int] = {code: 1 << index for index, code in enumerate(REASON_ORDER)}
EXCLUDING_MASK: int = sum(REASON_BIT[code] for code in EXCLUDING_REASONS)


def reasons_from_mask(mask: int) -> tuple[str, ...]:
    """Reason codes set in a bit mask, in the stable output order."""
    return tuple(code for code in REASON_ORDER if mask & REASON_BIT[code])


def mask_from_reasons(codes: Iterable[str]) -> int:
    """Bit mask for reason codes; unknown codes are an error, not silently dropped."""
    mask = 0
    for code in codes:
        if code not in REASON_BIT:
            raise ValueError(f"unknown reason code {code!r}")
        mask |= REASON_BIT[code]
    return mask
