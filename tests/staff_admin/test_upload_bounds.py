"""Uploads are bounded before they are parsed, and a file that cannot be read is refused with the
reason (issue 21, items 2 and 3): the HR import and the roster import alike, at the preview and at
the apply step (which posts the checked file back), with a 4xx naming the limit and nothing written."""

from __future__ import annotations

import base64
import csv
import io
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from httpx import Response
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import DutyShift, Employee, Unit
from tests import factories
from tests.staff_admin.conftest import World, csrf_token, signed_in

SHEET = "xl/worksheets/sheet1.xml"
MB = 2**20


@dataclass(frozen=True)
class Import:
    page: str
    fields: dict[str, str]
    header: list[str]

    @property
    def apply(self) -> str:
        return self.page.rstrip("/") + "/apply"


IMPORTS = {
    "hr": Import("/admin/import/", {"kind": "employees"}, ["nip", "name", "unit_code"]),
    "roster": Import("/admin/roster/import", {}, ["counter_id", "nip", "date", "start", "end"]),
}


def upload(client: TestClient, target: Import, filename: str, content: bytes) -> Response:
    token = csrf_token(client, target.page)
    return client.post(
        target.page + "?lang=en",
        data={**target.fields, "_csrf_token": token},
        files={"file": (filename, content)},
    )


def apply_directly(client: TestClient, target: Import, filename: str, content: bytes) -> Response:
    """The apply step posted with a file its preview never accepted."""
    data = {
        **target.fields,
        "_csrf_token": csrf_token(client, target.page),
        "filename": filename,
        "content": base64.b64encode(content).decode(),
    }
    return client.post(target.apply + "?lang=en", data=data, follow_redirects=False)


def counts(db: Session) -> tuple[int, ...]:
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Unit, Employee, DutyShift))


def peak_bytes(action: Callable[[], Response]) -> tuple[Response, int]:
    """The action's answer and the most memory Python held at once while the app answered it."""
    tracemalloc.start()
    try:
        response = action()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_part(book: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (or added), compressed as spreadsheet programs do."""
    source = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            if part.filename != name:
                archive.writestr(part.filename, source.read(part))
        archive.writestr(name, content)
    return out.getvalue()


def sheet_xml(rows: bytes, dimension: str = "A1:E2") -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="' + dimension.encode() + b'"/><sheetData>' + rows + b"</sheetData></worksheet>"
    )


def inline_row(number: int, cells: list[str]) -> bytes:
    columns = "ABCDEFGHIJ"
    return (
        f'<row r="{number}">'.encode()
        + b"".join(
            f'<c r="{columns[i]}{number}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
            for i, text in enumerate(cells)
        )
        + b"</row>"
    )


@pytest.fixture(scope="module")
def string_bomb() -> bytes:
    """A 56 KB workbook whose sheet holds one 50 MB string."""
    header = IMPORTS["hr"].header
    rows = inline_row(1, header) + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    rows += b"A" * (50 * MB) + b"</t></is></c></row>"
    book = with_part(workbook([header]), SHEET, sheet_xml(rows))
    assert len(book) < 100_000
    return book


@pytest.mark.parametrize("which", sorted(IMPORTS))
def test_it_refuses_a_small_workbook_holding_a_huge_string_without_parsing_it(
    client: TestClient, db: Session, world: World, string_bomb: bytes, which: str
) -> None:
    target = IMPORTS[which]
    signed_in(client, "admin")
    before = counts(db)
    preview, peak = peak_bytes(lambda: upload(client, target, "staff.xlsx", string_bomb))
    assert preview.status_code == 422, preview.text
    assert "A part of this workbook unpacks to more than 16 MB" in preview.text
    assert peak < 20 * MB  # parsing it would hold the 50 MB string
    applied = apply_directly(client, target, "staff.xlsx", string_bomb)
    assert applied.status_code == 422 and "unpacks to more than 16 MB" in applied.text
    assert counts(db) == before


def test_it_refuses_a_workbook_whose_parts_together_unpack_beyond_the_limit(
    client: TestClient, world: World
) -> None:
    book = workbook([IMPORTS["hr"].header])
    for n in range(3):  # each part below the part limit, together above the workbook's
        book = with_part(book, f"xl/media/filler{n}.xml", b" " * (15 * MB))
    signed_in(client, "hr")
    response = upload(client, IMPORTS["hr"], "staff.xlsx", book)
    assert response.status_code == 422
    assert "This workbook unpacks to more than 32 MB" in response.text


@pytest.mark.parametrize("which", sorted(IMPORTS))
def test_it_counts_the_cells_of_a_sheet_before_parsing_it(
    client: TestClient, world: World, which: str
) -> None:
    target = IMPORTS[which]
    cells = b'<row r="2">' + b"<c/>" * 500_001 + b"</row>"
    book = with_part(workbook([target.header]), SHEET, sheet_xml(inline_row(1, target.header) + cells))
    signed_in(client, "admin")
    response = upload(client, target, "wide.xlsx", book)
    assert response.status_code == 422
    assert "A sheet has more than 500000 cells." in response.text


def test_it_reads_only_the_columns_it_knows_however_wide_a_sheet_claims_to_be(
    client: TestClient, db: Session, world: World
) -> None:
    """A read-only sheet fills every row up to the width its <dimension> claims: 16,384 columns,
    claimed in a few bytes, were 16,384 cells a row."""
    header = IMPORTS["hr"].header
    rows = inline_row(1, header) + b"".join(
        inline_row(n, [factories.valid_nip(n), f"Pegawai {n}", world.unit_a.code]) for n in range(2, 302)
    )
    book = with_part(workbook([header]), SHEET, sheet_xml(rows, dimension="A1:XFD1048576"))
    signed_in(client, "hr")
    preview, peak = peak_bytes(lambda: upload(client, IMPORTS["hr"], "staff.xlsx", book))
    assert preview.status_code == 200, preview.text
    assert "300 to create, 0 to update." in preview.text
    assert peak < 20 * MB  # 300 rows of 16,384 cells held 40 MB of row lists alone


@pytest.mark.parametrize("which", sorted(IMPORTS))
def test_it_refuses_a_truncated_worksheet_inside_a_valid_zip(
    client: TestClient, db: Session, world: World, which: str
) -> None:
    target = IMPORTS[which]
    whole = sheet_xml(inline_row(1, target.header) + inline_row(2, ["1"] * len(target.header)))
    book = with_part(workbook([target.header]), SHEET, whole[: len(whole) // 2])
    signed_in(client, "admin")
    before = counts(db)
    response = upload(client, target, "cut.xlsx", book)
    assert response.status_code == 422
    assert "The file is not a readable XLSX workbook." in response.text
    assert apply_directly(client, target, "cut.xlsx", book).status_code == 422
    assert counts(db) == before


@pytest.mark.parametrize("which", sorted(IMPORTS))
def test_it_refuses_a_csv_cell_beyond_the_csv_field_limit_naming_the_row(
    client: TestClient, db: Session, world: World, which: str
) -> None:
    target = IMPORTS[which]
    long_cell = "x" * (csv.field_size_limit() + 1)
    content = (",".join(target.header) + "\n" + "1," * (len(target.header) - 1) + long_cell + "\n").encode()
    signed_in(client, "admin")
    before = counts(db)
    response = upload(client, target, "long.csv", content)
    assert response.status_code == 422
    assert "Row 2 cannot be read: a cell is longer than 131072 characters" in response.text
    assert apply_directly(client, target, "long.csv", content).status_code == 422
    assert counts(db) == before
