"""Stable reason codes attached to ratings, with plain-language text for the staff UI.

Codes are part of the public contract (flags.csv, the database, the review queue): never rename or
reuse a code; add new ones and bump ``DETECTOR_VERSION`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable

# Bump when a rule, a default threshold or a reason code changes, so stored flags can be traced to the
# detector that produced them.
DETECTOR_VERSION = "2026.3"

# Order matters only for output: reasons are always listed in this order. The bit of a code is its index.
REASON_ORDER: tuple[str, ...] = (
    "burst",
    "device_rotation",
    "sabotage",
    "bot_speed",
    "bot_off_hours",
    "slow_stuffing",
    "officer_anomaly",
    "repeat_visits",
    "brigade",
    "rating_surge",
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
        "id": "Formulir dikirim lebih cepat daripada waktu yang dibutuhkan orang untuk mengisinya, dan "
        "banyak penilaian secepat itu datang dari perangkat, jaringan, atau kantor yang sama pada waktu "
        "yang sama. Satu penilaian cepat saja tetap dihitung.",
        "en": "The form was submitted faster than a person can fill it in, and many other ratings that "
        "fast came from the same device, network or office at the same time. A single fast rating on "
        "its own still counts.",
    },
    "bot_off_hours": {
        "id": "Dikirim di luar jam layanan loket dan sangat cepat, bersama banyak penilaian serupa di "
        "kantor atau jaringan yang sama pada malam itu: pola khas program otomatis.",
        "en": "Submitted outside the counter's opening hours and very fast, together with many such "
        "ratings at the same office or network that night: a typical pattern of a script.",
    },
    "slow_stuffing": {
        "id": "Perangkat yang sama menilai petugas yang sama pada banyak hari berbeda dalam dua minggu, "
        "lebih sering daripada warga yang datang kembali (misalnya setiap minggu).",
        "en": "The same device rated the same officer on many different days within two weeks, more "
        "often than a citizen who comes back (for example every week) would.",
    },
    "officer_anomaly": {
        "id": "Jumlah atau pola penilaian petugas pada minggu ini jauh berbeda dari biasanya. Hanya "
        "penanda untuk ditinjau; penilaian tetap dihitung.",
        "en": "The officer's number or pattern of ratings this week is far from usual. A marker for "
        "review only; the rating still counts.",
    },
    "repeat_visits": {
        "id": "Ponsel yang sama menilai petugas atau loket yang sama pada banyak kunjungan terpisah dalam "
        "beberapa hari (misalnya banyak tiket antrean atau kode kios dinilai dari satu ponsel). Bukti "
        "kehadiran membuktikan ada warga yang dilayani, bukan siapa yang menilai.",
        "en": "The same phone rated the same officer or counter on many separate visits within a few "
        "days (for example many queue slips or kiosk codes rated from one phone). Proof of presence "
        "shows that someone was served, not who rated.",
    },
    "brigade": {
        "id": "Dalam satu atau dua hari petugas ini menerima jauh lebih banyak penilaian daripada "
        "biasanya, hampir semuanya bernilai ekstrem yang sama, dari banyak ponsel. Ini temuan statistik: "
        "penilaian tidak dihitung sampai seseorang memeriksanya, dan dihitung lagi jika dipulihkan.",
        "en": "Within a day or two this officer received far more ratings than on a normal day, almost "
        "all with the same extreme value, from many phones. This is a statistical finding: the ratings "
        "are left out until a person checks them, and count again if restored.",
    },
    "rating_surge": {
        "id": "Dalam satu atau dua hari petugas ini menerima lebih banyak penilaian daripada biasanya, "
        "banyak dengan nilai ekstrem yang sama. Hanya penanda untuk ditinjau; penilaian tetap dihitung.",
        "en": "Within a day or two this officer received more ratings than usual, many with the same "
        "extreme value. A marker for review only; the ratings still count.",
    },
}

# Codes that remove a rating from the figures. The others only put it in the review queue.
REVIEW_REASONS: frozenset[str] = frozenset({"officer_anomaly", "rating_surge"})
EXCLUDING_REASONS: frozenset[str] = frozenset(REASON_ORDER) - REVIEW_REASONS

REASON_BIT: dict[str, int] = {code: 1 << index for index, code in enumerate(REASON_ORDER)}
EXCLUDING_MASK: int = sum(REASON_BIT[code] for code in EXCLUDING_REASONS)
REVIEW_MASK: int = sum(REASON_BIT[code] for code in REVIEW_REASONS)


def first_excluding_reason(codes: Iterable[str]) -> str | None:
    """The first excluding code in the stable order: what a rating is counted under when each
    excluded rating is tallied once (so the tallies add up to the number excluded)."""
    return next((code for code in codes if code in EXCLUDING_REASONS), None)


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
