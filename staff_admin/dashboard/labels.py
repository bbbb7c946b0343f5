"""Plain-language names for grades, SKP categories and channels (English msgids, translated in the
templates). Numbers stay numbers here: the templates print them with the language's decimal comma or
point (the `decimal` filter of portal.kernel.i18n)."""

from __future__ import annotations

from portal.citizen.forms import N_

MUTU_NAMES = {
    "A": N_("Very Good"),
    "B": N_("Good"),
    "C": N_("Less Than Good"),
    "D": N_("Not Good"),
}
CATEGORY_NAMES = {
    "di_atas_ekspektasi": N_("Above expectations"),
    "sesuai_ekspektasi": N_("Meets expectations"),
    "di_bawah_ekspektasi": N_("Below expectations"),
    "insufficient": N_("Not enough ratings"),
}
CHANNEL_NAMES = {
    "poster": N_("QR poster"),
    "kiosk": N_("Kiosk"),
    "ticket": N_("Queue ticket"),
}
