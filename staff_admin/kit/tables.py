"""Reading an uploaded CSV or XLSX into rows of text keyed by lower-case header names (the imports'
checks run on these rows; kit.upload carries the file between the web steps).

Row numbers are the spreadsheet's (header = row 1), so a message can point at the cell.

An upload is bounded before it is parsed: 2 MB as sent, and for a workbook (a ZIP of XML parts) the
unpacked size of every part, of all parts, and the number of cells of each sheet, read from the ZIP's
directory and the sheet's bytes (a 56 KB workbook may unpack to a 50 MB string; zipfile stops at the
size its directory declares). Anything beyond is refused with the limit named, never parsed."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice

from portal.citizen.forms import N_
from portal.kernel.text import has_control_character
from staff_admin.kit.problems import Invalid, Problem, invalid

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100  # read of each row; further columns are ignored
MAX_CELLS = 500_000  # of one sheet, counted in its XML before parsing
MAX_PART_BYTES = 16 * 1024 * 1024  # one unpacked part of a workbook
MAX_UNPACKED_BYTES = 32 * 1024 * 1024  # all parts together
MAX_PARTS = 1_000
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


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
# Every column of both imports (codes, names, NIPs, dates, times) is one line of text.
_CONTROL_MESSAGE = N_(
    "This cell holds a control character (such as a line break or vertical tab); remove it and "
    "upload the file again."
)


def _rows(raw_rows: Iterable[list[object]], required: tuple[str, ...]) -> list[Row]:
    """`raw_rows` is read lazily: at most MAX_ROWS + 2 of them."""
    raw_iter = iter(raw_rows)
    first = next(raw_iter, None)
    if first is None:
        raise invalid("", N_("The file is empty."))
    header = [_text(cell).lower().strip().lstrip("\ufeff") for cell in first[:MAX_COLUMNS]]
    missing = [column for column in required if column not in header]
    if missing:
        raise invalid("", N_("The header row lacks the column(s): %(columns)s."), columns=", ".join(missing))
    body = list(islice(raw_iter, MAX_ROWS + 1))
    if len(body) > MAX_ROWS:
        raise invalid("", N_("The file has more than %(limit)s rows."), limit=MAX_ROWS)
    rows = []
    # No database text may hold a NUL (PostgreSQL refuses it), nor a workbook a control character;
    # nobody typed either.
    bad_cells = []
    for number, cells in enumerate(body, start=2):
        values = {name: _text(cells[i]) if i < len(cells) else "" for i, name in enumerate(header) if name}
        bad_cells += [
            Problem(name, _NUL_MESSAGE if "\x00" in text else _CONTROL_MESSAGE, row=number)
            for name, text in values.items()
            if has_control_character(text)
        ]
        if any(values.values()):
            rows.append(Row(number, values))
    if bad_cells:
        raise Invalid(*bad_cells[:20])
    return rows


def _check_workbook_parts(content: bytes) -> None:
    """Refuses a workbook whose parts would unpack beyond the limits, before any of it is parsed.
    Every part is counted for cells: the workbook's relationships, not its file names, say which
    part is a sheet."""
    unreadable = invalid("file", N_("The file is not a readable XLSX workbook."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception:
        raise unreadable from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise invalid("file", N_("The workbook has more than %(limit)s parts."), limit=MAX_PARTS)
        if any(part.file_size > MAX_PART_BYTES for part in parts):
            message = N_(
                "A part of this workbook unpacks to more than %(limit)s MB; no import needs that much."
            )
            raise invalid("file", message, limit=MAX_PART_BYTES // 2**20)
        if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            message = N_("This workbook unpacks to more than %(limit)s MB; no import needs that much.")
            raise invalid("file", message, limit=MAX_UNPACKED_BYTES // 2**20)
        for part in parts:
            try:
                data = archive.read(part)  # zipfile stops at the declared size checked above
            except Exception:
                raise unreadable from None
            if next(islice(_CELL.finditer(data), MAX_CELLS, None), None) is not None:
                raise invalid("file", N_("A sheet has more than %(limit)s cells."), limit=MAX_CELLS)


def _workbook_rows(content: bytes, required: tuple[str, ...]) -> list[Row]:
    from openpyxl import load_workbook

    _check_workbook_parts(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # max_col: a read-only sheet pads each row up to the width its <dimension> claims
            # (XFD, 16,384 columns, costs nothing to claim).
            cells = sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS)
            raw = [list(row) for row in cells]
        finally:
            workbook.close()
    except Exception:  # any damage inside the ZIP: truncated XML, missing parts, bad values
        raise invalid("file", N_("The file is not a readable XLSX workbook.")) from None
    return _rows(raw, required)


def _csv_rows(text: str) -> Iterable[list[object]]:
    # Only the delimiter is sniffed (from the header): a sniffed dialect turns off doubled quotes
    # when the header has none, and `"Dinas ""Sehat"""` would then be split into bad cells.
    delimiter = ","
    with contextlib.suppress(csv.Error):
        delimiter = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t").delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a cell beyond csv.field_size_limit(), the one error left with newline=""
            message = N_("Row %(row)s cannot be read: a cell is longer than %(limit)s characters.")
            raise Invalid(
                Problem("file", message, {"row": reader.line_num, "limit": csv.field_size_limit()})
            ) from None
        yield row[:MAX_COLUMNS]


def read_table(filename: str, content: bytes, required: tuple[str, ...]) -> list[Row]:
    """Raises Invalid (whole-file problems) for a file that is not a readable table."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", N_("The file is larger than %(limit)s MB."), limit=MAX_UPLOAD_BYTES // 2**20)
    if has_control_character(filename):  # the name is shown and audited
        raise invalid("file", N_("The file's name holds a control character; rename the file."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _workbook_rows(content, required)
    if name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise invalid("file", N_("Save the CSV file as UTF-8.")) from None
        return _rows(_csv_rows(text), required)
    raise invalid("file", N_("Upload a .csv or .xlsx file."))
