"""The imports' downloadable templates: the header row the import reads and one example row, as CSV
(UTF-8 with a byte-order mark, so Excel reads it) or XLSX (every column formatted as text, so a NIP
typed in stays 18 digits and a date or a time stays as written)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from litestar import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from staff_admin.access import NotFound
from staff_admin.kit.exports import XLSX_MEDIA_TYPE

FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MEDIA_TYPE}


@dataclass(frozen=True)
class Sample:
    """One import's template: `stem` names the file, `columns` are the header, `example` one row."""

    stem: str
    columns: Sequence[str]
    example: Sequence[str]

    def filename(self, fmt: str) -> str:
        return f"{self.stem}_template.{fmt}"


def sample_file(sample: Sample, fmt: str) -> bytes:
    """The template as a `fmt` ("csv" or "xlsx") file."""
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerows([sample.columns, sample.example])
        return text.getvalue().encode("utf-8-sig")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sample.stem
    sheet.append(list(sample.columns))
    sheet.append(list(sample.example))
    for index, column in enumerate(sample.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(12, len(column) + 4, len(sample.example[index - 1]) + 4)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def split_name(name: str) -> tuple[str, str] | None:
    """("roster", "xlsx") for "roster.xlsx"; None for a name that is no template file."""
    stem, dot, fmt = name.rpartition(".")
    return (stem, fmt) if dot and stem and fmt in FORMATS else None


def sample_download(name: str, *samples: Sample) -> Response:
    """The template file asked for by `name` ("roster.csv"), one of `samples`; NotFound (404) for
    any other name."""
    parts = split_name(name)
    chosen = next((sample for sample in samples if parts and sample.stem == parts[0]), None)
    if parts is None or chosen is None:
        raise NotFound(f"template {name}")
    fmt = parts[1]
    headers = {"Content-Disposition": f'attachment; filename="{chosen.filename(fmt)}"'}
    return Response(sample_file(chosen, fmt), media_type=FORMATS[fmt], headers=headers, status_code=200)
