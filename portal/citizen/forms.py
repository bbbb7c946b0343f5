"""Rating form parsing (pure): a submitted mapping becomes a RatingInput or field errors.

Error messages are English msgids marked with N_ and translated when the page is rendered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.kernel.models import SKM_ELEMENTS
from portal.kernel.profile import PROFILE_CODES, PROFILE_FIELDS

COMMENT_MAX_LENGTH = 1000
HONEYPOT_FIELD = "website"


def N_(message: str) -> str:
    return message


MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


def parse_id(raw: object) -> int | None:
    """A database id sent in a form or a query string, or None. ASCII digits only: str.isdigit()
    also accepts "²" or "١", which int() refuses or reads; and within the range ids have, so a huge
    number is "no such thing" rather than an overflow in the database driver."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


@dataclass(frozen=True)
class RatingInput:
    overall: int
    answers: dict[str, int | None]
    comment: str | None
    form_token: str
    honeypot_filled: bool = False
    contact: ContactInput | None = None  # only with explicit consent (portal.citizen.followup)
    # The optional respondent profile (portal.kernel.profile): field -> code, None when not given.
    profile: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactInput:
    """A citizen's request for a reply: stored only because they ticked the consent box."""

    name: str | None
    phone: str | None
    email: str | None


@dataclass
class FormErrors(Exception):
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def _first(data: Mapping[str, object], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _score(raw: str) -> int | None:
    return int(raw) if raw in {"1", "2", "3", "4"} else None


def clean_comment(raw: str) -> str | None:
    """Normalises and strips control characters (but keeps line breaks); empty becomes None."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C").strip()
    return text or None


def parse_rating_form(data: Mapping[str, object]) -> RatingInput:
    """Raises FormErrors with everything the citizen typed, so the page can show it again."""
    values = {
        name: _first(data, name)
        for name in ("overall", *SKM_ELEMENTS, "comment", *CONTACT_FIELDS, *PROFILE_FIELDS)
    }
    errors: dict[str, str] = {}

    overall = _score(values["overall"].strip())
    if overall is None:
        errors["overall"] = (
            N_("Please choose one of the four faces.")
            if not values["overall"]
            else N_("That answer is not one of the choices.")
        )
    answers: dict[str, int | None] = {}
    for element in SKM_ELEMENTS:
        raw = values[element].strip()
        answers[element] = _score(raw)
        if raw and answers[element] is None:
            errors[element] = N_("That answer is not one of the choices.")
    comment = clean_comment(values["comment"])
    if comment is not None and len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = N_("Please keep the comment to 1000 characters or fewer.")
    contact = parse_contact(values, errors)
    profile: dict[str, str | None] = {}
    for name in PROFILE_FIELDS:
        raw = values[name].strip()
        profile[name] = raw if raw in PROFILE_CODES[name] else None
        if raw and profile[name] is None:
            errors[name] = N_("That answer is not one of the choices.")
    form_token = _first(data, "form_token")
    if not form_token:
        errors["form"] = N_("This form is incomplete. Please submit it again.")
    if errors:
        raise FormErrors(errors, values)
    return RatingInput(
        overall=overall,  # type: ignore[arg-type]
        answers=answers,
        comment=comment,
        form_token=form_token,
        honeypot_filled=bool(_first(data, HONEYPOT_FIELD).strip()),
        contact=contact,
        profile=profile,
    )


CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "contact_consent")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")
# No control characters (a NUL byte cannot even be stored in PostgreSQL text).
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]{2,}$")


def parse_contact(values: Mapping[str, str], errors: dict[str, str]) -> ContactInput | None:
    """Contact details count only with the consent box ticked; without it they are dropped."""
    if not values.get("contact_consent"):
        return None
    name = clean_comment(values.get("contact_name", "")) or None
    phone = values.get("contact_phone", "").strip() or None
    email = values.get("contact_email", "").strip() or None
    if phone is None and email is None:
        errors["contact_phone"] = N_("Please give a phone number or an e-mail address so we can reply.")
    if phone is not None and not _PHONE.match(phone):
        errors["contact_phone"] = N_("Please check the phone number.")
    if email is not None and (len(email) > 200 or not _EMAIL.match(email)):
        errors["contact_email"] = N_("Please check the e-mail address.")
    if name is not None and len(name) > 200:
        errors["contact_name"] = N_("Please keep the name to 200 characters or fewer.")
    return ContactInput(name=name, phone=phone, email=email)
