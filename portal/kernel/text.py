"""The one rule for control characters in what people type or import (issue 21, item 4).

Nobody means a C0 control character (U+0000-U+001F) or DEL in a name, a code or a date: they come
from a paste or a broken file, PostgreSQL cannot store a NUL, and XML, so XLSX, cannot hold most of
them (a vertical tab in a unit name broke every workbook export of its period). A multi-line field
(a textarea) allows the tab and the line breaks; a single-line field allows none of them."""

from __future__ import annotations

import re

_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_character(text: str, multiline: bool = False) -> bool:
    return (_MULTI_LINE if multiline else _SINGLE_LINE).search(text) is not None


def without_control_characters(text: str) -> str:
    """For text that is only shown or logged, never refused (an uploaded file's name)."""
    return _SINGLE_LINE.sub("", text)
