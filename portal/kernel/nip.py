"""NIP (Nomor Induk Pegawai) validation: 18 digits = birth date YYYYMMDD + first appointment YYYYMM
+ gender digit (1 male, 2 female) + 3-digit sequence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: date
    appointed: tuple[int, int]  # (year, month)
    gender: str  # "M" or "F"
    sequence: int


class NipError(ValueError):
    """The message is an English msgid; callers translate it."""


def parse_nip(raw: str) -> Nip:
    value = "".join(raw.split())  # people paste NIPs as "19850312 201001 1 003"
    if len(value) != 18 or not value.isascii() or not value.isdigit():
        raise NipError("A NIP has exactly 18 digits.")
    try:
        birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise NipError("The first 8 digits of a NIP must be a valid birth date (YYYYMMDD).") from None
    year, month = int(value[8:12]), int(value[12:14])
    if not 1 <= month <= 12:
        raise NipError("Digits 9-14 of a NIP must be a valid appointment month (YYYYMM).")
    # Civil servants are appointed at 18 at the earliest.
    if (year, month) < (birth.year + 18, birth.month):
        raise NipError("The appointment date in a NIP must be at least 18 years after the birth date.")
    if value[14] not in "12":
        raise NipError("Digit 15 of a NIP must be 1 (male) or 2 (female).")
    sequence = int(value[15:18])
    if sequence == 0:
        raise NipError("The last 3 digits of a NIP are a sequence number starting at 001.")
    return Nip(value, birth, (year, month), "M" if value[14] == "1" else "F", sequence)


def is_valid_nip(raw: str) -> bool:
    try:
        parse_nip(raw)
    except NipError:
        return False
    return True
