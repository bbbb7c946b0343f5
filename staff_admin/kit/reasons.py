"""The detector's reason codes as people read them: a short label (an English msgid, translated when
the page renders) and the plain-language explanation (scoring.reasons, in the page's language). Pages
show these, never the raw code (`slow_stuffing`); the code stays an identifier for files and tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.citizen.forms import N_
from scoring.reasons import REASON_ORDER, REASONS

MANUAL = "manual"  # flagged without a detector reason (what scoring.db.store counts for a person's exclusion)
LABELS = {
    "burst": N_("Burst from one device"),
    "device_rotation": N_("Many new devices on one network"),
    "sabotage": N_("Repeated lowest ratings"),
    "bot_speed": N_("Faster than a person"),
    "bot_off_hours": N_("Script outside opening hours"),
    "slow_stuffing": N_("One device on many days"),
    "officer_anomaly": N_("Unusual week for the officer"),
    MANUAL: N_("No detector reason"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    label: str  # msgid: `{{ _(reason.label) }}`
    text: str  # already in the page's language


def reason_codes(text: str | None) -> list[str]:
    """The codes of a rating's `reasons` column ("burst;sabotage"), in the detector's order."""
    codes = [c for c in (text or "").split(";") if c]
    return sorted(codes, key=lambda c: REASON_ORDER.index(c) if c in REASON_ORDER else len(REASON_ORDER))


def explain(codes: Iterable[str], language: str) -> list[Reason]:
    """Label and explanation of each code; an unknown code is shown as it is rather than hidden."""
    lang = language if language in ("id", "en") else "id"
    return [Reason(code, LABELS.get(code, code), REASONS.get(code, {}).get(lang, "")) for code in codes]
