"""Reading an uploaded CSV or XLSX into rows of text keyed by lower-case header names (the imports'
checks run on these rows; kit.upload carries the file between the web steps).

Row numbers are the spreadsheet's (header = row 1), so a message can point at the cell."""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

from portal.citizen.forms import N_
from staff_admin.kit.problems import Invalid, Problem, invalid

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


_NUL_MESSAGE = N_("This cell holds a NUL character; save the file again as plain text or a workbook.")


def _rows(raw_rows: list[list[object]], required: tuple[str, ...]) -> list[Row]:
    if not raw_rows:
        raise invalid("", N_("The file is empty."))
    header = [_text(cell).lower().strip().lstrip("\ufeff") for cell in raw_rows[0]]
    missing = [column for column in required if column not in header]
    if missing:
        raise invalid("", N_("The header row lacks the column(s): %(columns)s."), columns=", ".join(missing))
    if len(raw_rows) - 1 > MAX_ROWS:
        raise invalid("", N_("The file has more than %(limit)s rows."), limit=MAX_ROWS)
    rows = []
    nul_cells = []  # no database text may hold one (PostgreSQL refuses it), and no person typed it
    for number, cells in enumerate(raw_rows[1:], start=2):
        values = {name: _text(cells[i]) if i < len(cells) else "" for i, name in enumerate(header) if name}
        nul_cells += [
            Problem(name, _NUL_MESSAGE, row=number) for name, text in values.items() if "\x00" in text
        ]
        if any(values.values()):
            rows.append(Row(number, values))
    if nul_cells:
        raise Invalid(*nul_cells[:20])
    return rows


def read_table(filename: str, content: bytes, required: tuple[str, ...]) -> list[Row]:
    """Raises Invalid (whole-file problems) for a file that is not a readable table."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", N_("The file is larger than %(limit)s MB."), limit=MAX_UPLOAD_BYTES // 2**20)
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise invalid("file", N_("The file is not a readable XLSX workbook.")) from None
        sheet = workbook.worksheets[0]
        raw = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        workbook.close()
        return _rows(raw, required)
    if name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise invalid("file", N_("Save the CSV file as UTF-8.")) from None
        # Only the delimiter is sniffed (from the header): a sniffed dialect turns off doubled quotes
        # when the header has none, and `"Dinas ""Sehat"""` would then be split into bad cells.
        delimiter = ","
        with contextlib.suppress(csv.Error):
            delimiter = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t").delimiter
        return _rows([list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)], required)
    raise invalid("file", N_("Upload a .csv or .xlsx file."))
