"""Every staff form and upload a persona can reach, found by following the links of the staff area
(so a new form is covered by default), gets the hostile battery of issue 21: control characters, a
NUL byte, a field of 200,000 characters, dates in the years 1 and 9999, urlencoded and multipart;
each upload form gets a workbook bomb, a truncated workbook and unreadable CSV files. Never a 5xx,
and a refused request writes nothing at all; nothing stored holds a NUL, nor a control character
its kind of text does not allow."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.db import Base
from tests.hostile import Form, forms_on, multipart_body, page_pattern, reachable_pages
from tests.staff_admin.conftest import signed_in
from tests.staff_admin.test_hostile_input import (  # noqa: F401 (stage is a fixture)
    assert_clean_answer,
    stage,
    stored_control_characters,
    stored_nul,
)

BATTERY = {
    "vertical tab": "Dinas\x0bAlpha",
    "escape": "\x1b[31m",
    "line break": "Dinas\r\nAlpha",
    "NUL": "a\x00b",
    "huge": "x" * 200_000,
    "year 1": "0001-01-01",
    "year 9999": "9999-12-31",
    "periods 1 to 9999": "0001..9999",
}
ENCODINGS = ("urlencoded", "multipart")
# Written by a refused request too, and rightly: sign-in bookkeeping, throttles, counted rejections.
VOLATILE_TABLES = {"staff_sessions", "login_attempts", "rate_limit_hits", "rejected_proofs"}
PERSONAS = ("admin", "hr", "head_a", "officer")


@dataclass(frozen=True)
class FoundForm:
    page: str
    form: Form

    @property
    def defaults(self) -> dict[str, str]:
        """What a person who changes nothing sends: the first real choice of each field."""
        return {name: next((o for o in options if o), "") for name, options in self.form.fields.items()}

    @property
    def typed_fields(self) -> list[str]:
        return [name for name in self.form.fields if name != "_csrf_token"]


def reachable_forms(client: TestClient, persona: str) -> list[FoundForm]:
    """One of each kind of POST form on the pages the persona reaches (sign-out aside). An officer's
    few pages are all opened: only some of their ratings can still be contested."""
    officer = persona == "officer"
    found: dict[tuple, FoundForm] = {}
    for start in ["/admin/", "/admin/me"] if officer else ["/admin/"]:
        for path, response in reachable_pages(client, start, one_per_kind=not officer).items():
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            for form in forms_on(response.text):
                if form.method != "post" or "logout" in form.action:
                    continue
                kind = (page_pattern(form.action), tuple(sorted(form.fields)), tuple(form.files))
                found.setdefault(kind, FoundForm(path, form))
    return list(found.values())


def fingerprint(db: Session) -> dict[str, list[str]]:
    db.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.execute(select(table)))
        for table in Base.metadata.sorted_tables
        if table.name not in VOLATILE_TABLES
    }


def send(client: TestClient, action: str, values: dict[str, str], encoding: str, files=None):
    if encoding == "urlencoded" and not files:
        return client.post(action, data=values, follow_redirects=False)
    body, content_type = multipart_body(values, files)
    return client.post(action, content=body, headers={"Content-Type": content_type}, follow_redirects=False)


def _attempt(
    client: TestClient, db: Session, found: FoundForm, values: dict, encoding: str, files=None
) -> None:
    before = fingerprint(db)
    response = send(client, found.form.action, values, encoding, files)
    what = (found.page, found.form.action, encoding, {k: str(v)[:40] for k, v in values.items()})
    assert_clean_answer(response, what)
    if response.status_code != 303:
        assert fingerprint(db) == before, what  # refused: not a row written, changed or deleted


@pytest.mark.usefixtures("stage")
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_reachable_staff_form_survives_the_hostile_battery(
    client: TestClient, db: Session, persona: str
) -> None:
    signed_in(client, persona)
    forms = [found for found in reachable_forms(client, persona) if not found.form.files]
    assert forms, f"{persona} reaches no form"
    for found in forms:
        for encoding in ENCODINGS:
            for value in BATTERY.values():  # every field at once
                values = found.defaults | {name: value for name in found.typed_fields}
                _attempt(client, db, found, values, encoding)
            for name in found.typed_fields:  # one field at a time, the rest as the page offers it
                _attempt(client, db, found, found.defaults | {name: BATTERY["vertical tab"]}, encoding)
        assert not stored_nul(db), found.form.action
        assert not stored_control_characters(db), found.form.action
    assert client.get("/admin/").status_code == 200  # still signed in, the app still well


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet(book: bytes, sheet: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(part.filename, source.read(part))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def hostile_files() -> dict[str, tuple[str, bytes]]:
    header = ["code", "name", "parent_code", "nip", "unit_code", "counter_id", "date", "start", "end"]
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    bomb = _with_sheet(
        _workbook([header]), sheet + b"A" * (50 * 2**20) + b"</t></is></c></row></sheetData></worksheet>"
    )
    long_cell = "x" * (csv.field_size_limit() + 1)
    return {
        "string bomb": ("staff.xlsx", bomb),
        "truncated sheet": ("staff.xlsx", _with_sheet(_workbook([header]), sheet + b"nip</t>")),
        "not a zip": ("staff.xlsx", b"PK\x03\x04 broken"),
        "long CSV cell": ("staff.csv", (",".join(header) + "\n" + long_cell + "\n").encode()),
        "control characters": (
            "staff.csv",
            (",".join(header) + "\n" + ",".join(["Dinas\x0bAlpha"] * 9) + "\n").encode(),
        ),
        "far dates": ("staff.csv", (",".join(header) + "\n" + ",".join(["9999-12-31"] * 9) + "\n").encode()),
        "control character in the name": ("staff\x0b.csv", (",".join(header) + "\n").encode()),
    }


@pytest.mark.usefixtures("stage")
@pytest.mark.parametrize("persona", ["admin", "hr", "head_a"])
def test_every_reachable_upload_form_refuses_hostile_files(
    client: TestClient, db: Session, persona: str
) -> None:
    signed_in(client, persona)
    uploads = [found for found in reachable_forms(client, persona) if found.form.files]
    assert uploads, f"{persona} reaches no upload form"
    for found in uploads:
        kinds = [""] + [o for o in found.form.fields.get("kind", []) if o]
        for kind in kinds:
            for filename, content in hostile_files().values():
                values = found.defaults | ({"kind": kind} if "kind" in found.form.fields else {})
                files = {name: (filename, content) for name in found.form.files}
                before = fingerprint(db)
                response = send(client, found.form.action, values, "multipart", files)
                assert_clean_answer(response, (found.form.action, kind, filename, content[:80]))
                assert 400 <= response.status_code < 500, (found.form.action, kind, filename)
                assert fingerprint(db) == before  # a preview never writes
    assert not stored_nul(db) and not stored_control_characters(db)
