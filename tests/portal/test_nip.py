from __future__ import annotations

from datetime import date

import pytest

from portal.kernel.nip import NipError, is_valid_nip, parse_nip


def test_it_reads_birth_date_appointment_gender_and_sequence() -> None:
    nip = parse_nip("198503122010012003")
    assert nip.birth_date == date(1985, 3, 12)
    assert nip.appointed == (2010, 1)
    assert nip.gender == "F"
    assert nip.sequence == 3


def test_it_accepts_the_spaced_form_people_paste() -> None:
    assert parse_nip("19850312 201001 1 003").value == "198503122010011003"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("19850312201001100", "exactly 18 digits"),
        ("1985031220100110034", "exactly 18 digits"),
        ("19850312201001100a", "exactly 18 digits"),
        ("１９８５０３１２２０１００１１００３", "exactly 18 digits"),  # full-width digits
        ("198502302010011003", "valid birth date"),  # 30 February
        ("198503122010131003", "appointment month"),
        ("198503121990011003", "18 years after"),
        ("198503122010013003", "1 (male) or 2 (female)"),
        ("198503122010011000", "starting at 001"),
    ],
)
def test_it_rejects_an_invalid_nip_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(NipError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_nip(raw)
    assert not is_valid_nip(raw)
