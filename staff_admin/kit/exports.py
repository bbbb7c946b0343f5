"""What every staff export (CSV or XLSX) does to its cells: text that a spreadsheet would run as a
formula, starting with = + - @ (or tab, CR), gets a leading single quote, so nothing a person typed
(a name, a citizen's comment) runs when the file is opened."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would read as a formula becomes plain text; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
