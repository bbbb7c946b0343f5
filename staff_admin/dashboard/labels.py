"""Plain-language names for grades, SKP categories and channels (English msgids, translated in the
templates), and the 2-decimal number format shared by the dashboard and the public page."""

from __future__ import annotations

from portal.forms import N_

MUTU_NAMES = {
    "A": N_("Very Good"),
    "B": N_("Good"),
    "C": N_("Less Than Good"),
    "D": N_("Not Good"),
}
CATEGORY_NAMES = {
    "di_atas_ekspektasi": N_("Above expectation"),
    "sesuai_ekspektasi": N_("Meets expectation"),
    "di_bawah_ekspektasi": N_("Below expectation"),
    "insufficient": N_("Not enough ratings"),
}
CHANNEL_NAMES = {
    "poster": N_("QR poster"),
    "kiosk": N_("Kiosk"),
    "ticket": N_("Queue ticket"),
}


def two_decimals(value: float | None) -> str:
    """ "" for a missing value; otherwise 2 decimals (locale formatting is another issue's work)."""
    return "" if value is None else f"{value:.2f}"
