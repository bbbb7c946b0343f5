"""Keeps the message catalogs in step with the code: `python -m portal.ops.catalogs` extracts every
marked string, adds new ones to each language's .po file and drops obsolete ones. The msgids are
English, so a new message gets its msgid as its English text (edit it there to reword the English);
Indonesian translations are written by hand. tests/test_translations.py fails on any gap."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from portal.kernel.i18n import TRANSLATIONS_DIR
from portal.kernel.settings import LANGUAGES, REPO_ROOT

SOURCE_LANGUAGE = "en"  # the language of the msgids
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "gettext_in": (2,)}


def extract() -> Catalog:
    with (REPO_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(project="rating-portal")
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(REPO_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message, locations=[(filename, lineno)], context=context)
    return template


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def po_path(language: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"


def update() -> list[str]:
    template = extract()
    report = []
    for language in LANGUAGES:
        path = po_path(language)
        if path.exists():
            with path.open("rb") as po_file:
                catalog = read_po(po_file, locale=language)
        else:
            catalog = Catalog(locale=language, project="rating-portal")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == SOURCE_LANGUAGE:
            for message in catalog:
                if message.id and not any(_strings(message)):
                    message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        catalog.fuzzy = False  # the header is reviewed, and a fuzzy header would be dropped from the catalog
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po_file:
            write_po(po_file, catalog, omit_header=False, no_location=True, sort_output=True, width=0)
        missing = [m.id for m in catalog if m.id and not all(_strings(m))]
        report.append(f"{language}: {len(catalog)} messages, {len(missing)} untranslated")
    return report


if __name__ == "__main__":
    print("\n".join(update()))
    sys.exit(0)
