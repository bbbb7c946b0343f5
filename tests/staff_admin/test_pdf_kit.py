"""The PDF helper: real text from HTML, our stylesheets only."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest

from staff_admin.kit.pdf import PdfResourceRefused, html_to_pdf, static_file, zip_of_pdfs

pypdf = pytest.importorskip("pypdf")


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_it_writes_searchable_text_and_loads_our_stylesheet() -> None:
    html = (
        '<html><head><link rel="stylesheet" href="/static/css/staff.css"></head>'
        "<body><h1>Indeks Kepuasan Masyarakat</h1><p>IKM 82,45 (B)</p></body></html>"
    )
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Indeks Kepuasan Masyarakat" in text and "82,45" in text


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5432/", "file:///etc/passwd", "/static/../app.py", "/static/missing.css"],
)
def test_it_refuses_anything_but_our_static_files(url: str) -> None:
    with pytest.raises(PdfResourceRefused):
        static_file(url)


def test_it_leaves_a_refused_image_out_instead_of_fetching_it() -> None:
    pdf = html_to_pdf('<p>teks</p><img src="http://example.invalid/x.png" alt="">')
    assert "teks" in _text(pdf)


def test_it_sends_each_batch_of_sheets_before_laying_out_the_next() -> None:
    nips = [f"19850312201101201{i}" for i in range(5)]
    laid_out: list[int] = []

    def render(batch) -> str:
        laid_out.append(len(batch))
        return "".join(f"<h1>{sheet.nip}</h1><p>sheet</p>" for sheet in batch)

    sheets = [SimpleNamespace(nip=nip) for nip in nips]
    chunks = zip_of_pdfs(sheets, render, 2, lambda sheet: f"{sheet.nip}.pdf")
    first = next(chunks)
    assert laid_out == [2] and first.startswith(b"PK")  # the first two sheets left before the rest
    rest = list(chunks)
    assert laid_out == [2, 2, 1] and len(rest) == 3
    archive = zipfile.ZipFile(io.BytesIO(first + b"".join(rest)))
    assert archive.namelist() == [f"{nip}.pdf" for nip in nips] and archive.testzip() is None
