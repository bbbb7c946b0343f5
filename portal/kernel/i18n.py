"""Message catalogs and language choice. Catalogs are read from the .po files at first use, so
there is no compile step to forget; English msgids, Indonesian is the default language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from portal.kernel.settings import LANGUAGES

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
LANGUAGE_COOKIE = "rp_lang"  # the remembered choice of a language switch


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


def format_decimal(language: str, value: float | Decimal | None, digits: int = 2) -> str:
    """A number with exactly `digits` decimals in the language's notation (id 88,31 / en 88.31), with
    the thousands grouped (id 1.234,50 / en 1,234.50); "" for a missing value. Rounded first the way
    the exports round (Python's round), so a page and a spreadsheet never disagree in the last digit."""
    if value is None:
        return ""
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return babel_format_decimal(round(value, digits), pattern, locale=language)


def format_number(language: str, value: int | None) -> str:
    """A count with the language's thousands separator (id 12.345 / en 12,345); "" for a missing one."""
    return "" if value is None else babel_format_decimal(value, "#,##0", locale=language)


def format_date(language: str, value: date | None, length: str = "medium") -> str:
    """A calendar date in the language's format (medium: id 1 Mar 2026 / en Mar 1, 2026)."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return babel_format_date(day, length, locale=language)


def format_datetime(language: str, value: datetime | None, zone: bool = False) -> str:
    """A moment as the date (medium) and the time to the minute, in the value's own time zone (id
    2 Mar 2026 09.00 / en Mar 2, 2026, 9:00 AM); `zone` adds its name (id WIB/WITA/WIT, en +0700).
    A naive value is taken as UTC."""
    if value is None:
        return ""
    glue = get_datetime_format("medium", locale=language).replace("'", "")
    text = glue.replace("{1}", babel_format_date(value, "medium", locale=language)).replace(
        "{0}", babel_format_time(value, "short", locale=language)
    )
    if zone:
        text += " " + babel_format_time(value, "z", locale=language)
    return text


def format_time(language: str, value: time | None) -> str:
    """A time of day to the minute (id 22.05 / en 10:05 PM); "" for a missing one."""
    return "" if value is None else babel_format_time(value, "short", locale=language)


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
    return _preferred_language(accept_language, default)


def page_language(
    query: Mapping[str, str], cookies: Mapping[str, str], headers: Mapping[str, str], default: str
) -> str:
    """The language a page is shown in, from the request's query, cookies and headers (header names
    in lower case): the one rule of every page, the app's (portal.kernel.web) and the hot path's."""
    return choose_language(
        query.get("lang"), cookies.get(LANGUAGE_COOKIE), headers.get("accept-language"), default
    )


def switch_query(query: Iterable[tuple[str, str]]) -> str:
    """A page's query string without `lang`, ready to be followed by `lang=...`: the language switch
    keeps the rest (the code of a counter's kiosk screen, a list's filters)."""
    kept = [(name, value) for name, value in query if name != "lang"]
    return urlencode(kept) + "&" if kept else ""


# Phones send a few distinct headers; each is parsed once (part of every citizen request's cost).
@lru_cache(maxsize=512)
def _preferred_language(accept_language: str | None, default: str) -> str:
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


@pass_context
def _decimal_filter(context: Context, value: float | Decimal | None, digits: int = 2) -> str:
    return format_decimal(_context_language(context), value, digits)


@pass_context
def _number_filter(context: Context, value: int | None) -> str:
    return format_number(_context_language(context), value)


@pass_context
def _date_filter(context: Context, value: date | None, length: str = "medium") -> str:
    return format_date(_context_language(context), value, length)


@pass_context
def _datetime_filter(context: Context, value: datetime | None, zone: bool = False) -> str:
    return format_datetime(_context_language(context), value, zone)


@pass_context
def _time_filter(context: Context, value: time | None) -> str:
    return format_time(_context_language(context), value)


def install_i18n(environment: Environment) -> None:
    """Jinja's i18n extension with callables that read the language of the page being rendered, and
    the filters that print numbers and dates in that language: {{ unit.ikm | decimal }} (88,31 or
    88.31), {{ count | number }}, {{ day | date }} or {{ day | date("long") }}, {{ moment | datetime }},
    {{ clock | time }} (a time of day).
    Templates print every number and date through them; exports and the API stay machine formats."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["decimal"] = _decimal_filter
    environment.filters["number"] = _number_filter
    environment.filters["date"] = _date_filter
    environment.filters["datetime"] = _datetime_filter
    environment.filters["time"] = _time_filter
    # For bilingual pages (posters): {{ gettext_in("en", "Rate our service") }}
    environment.globals["gettext_in"] = gettext
    environment.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
