"""Message catalogs and language choice. Catalogs are read from the .po files at first use, so
there is no compile step to forget; English msgids, Indonesian is the default language."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from portal.settings import LANGUAGES

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


@cache
def translations(language: str) -> Translations:
    po_path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(fp=mo)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def parse_accept_language(header: str | None) -> list[str]:
    """Primary language tags in order of preference ("en-US,id;q=0.8" -> ["en", "id"])."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            ranked.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(
    explicit: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """An explicit switch wins, then the remembered choice, then the browser's preference."""
    for candidate in (explicit, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for tag in parse_accept_language(accept_language):
        if tag in LANGUAGES:
            return tag
        if tag in {"ms", "jv", "su"}:  # Malay, Javanese, Sundanese readers: Indonesian is closer
            return "id"
    return default


def _context_language(context: Context) -> str:
    if "lang" in context:
        return context["lang"]
    return context["request"].state.language


@pass_context
def _gettext(context: Context, message: str) -> str:
    return gettext(_context_language(context), message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(_context_language(context)).ngettext(singular, plural, n)


def install_i18n(environment: Environment) -> None:
    """Jinja's i18n extension with callables that read the language of the page being rendered."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    # For bilingual pages (posters): {{ gettext_in("en", "Rate our service") }}
    environment.globals["gettext_in"] = gettext
    environment.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
