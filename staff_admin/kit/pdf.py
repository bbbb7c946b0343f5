"""PDF from the same HTML as a page (WeasyPrint): the SKM report and the officers' evidence sheets.

The document may load only our own static files (stylesheets, the logo): any other URL, on the
network or on disk, is refused, so text that reached a report can never make the server fetch
something. The PDF carries real text (searchable, copyable), not an image of the page.

WeasyPrint loads Pango and HarfBuzz (system libraries, installed by .ci/system-libs from `make`); it
is imported on first use, so that the rest of the app runs where they are missing and only the PDF
download says what to install.
"""

from __future__ import annotations

import mimetypes
import zipfile
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from portal.kernel.settings import REPO_ROOT

STATIC_DIR = REPO_ROOT / "static"
STATIC_PREFIX = "/static/"
MISSING_LIBRARIES = (
    "PDF needs the Pango and HarfBuzz libraries: "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
)


Item = TypeVar("Item")


class PdfResourceRefused(ValueError):
    """A document asked for something outside static/."""


class PdfUnavailable(RuntimeError):
    """The system libraries WeasyPrint needs are missing."""


def static_file(url: str) -> Path:
    """The file in static/ that a `/static/...` URL names; anything else is refused."""
    split = urlsplit(url)
    if split.scheme not in ("", "file") or not split.path.startswith(STATIC_PREFIX):
        raise PdfResourceRefused(url)
    target = (STATIC_DIR / split.path.removeprefix(STATIC_PREFIX)).resolve()
    if not target.is_relative_to(STATIC_DIR.resolve()) or not target.is_file():
        raise PdfResourceRefused(url)
    return target


@cache
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's HTML class and a fetcher that serves only static/."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError as missing:  # Pango or HarfBuzz not installed
        raise PdfUnavailable(MISSING_LIBRARIES) from missing

    class StaticOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            target = static_file(url)
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": kind})

    return HTML, StaticOnly


def html_to_pdf(html: str) -> bytes:
    """The PDF of a rendered page; `/static/...` links resolve to files in static/."""
    document, fetcher = _weasyprint()
    return document(string=html, base_url="file:///", url_fetcher=fetcher()).write_pdf()


def pdf_per_h1(html: str) -> list[bytes]:
    """One PDF per part of `html` that starts with a top-level heading (h1), in order. Laying out
    the whole document once costs a fraction of laying out each part on its own (the layout, not
    the writing, is WeasyPrint's expensive part): HR's ZIP of a period's evidence sheets."""
    document, fetcher = _weasyprint()
    laid_out = document(string=html, base_url="file:///", url_fetcher=fetcher()).render()
    starts = [destination[0] for _label, destination, _children, _state in laid_out.make_bookmark_tree()]
    ends = [*starts[1:], len(laid_out.pages)]
    return [
        laid_out.copy(laid_out.pages[start:end]).write_pdf() for start, end in zip(starts, ends, strict=True)
    ]


class _Sink:
    """What zipfile writes into, emptied after each batch: the ZIP leaves in pieces (zipfile writes
    each entry's sizes after its data when it cannot seek back)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        taken, self.parts = b"".join(self.parts), []
        return taken


def zip_of_pdfs(
    items: Sequence[Item],
    render: Callable[[Sequence[Item]], str],
    per_layout: int,
    file_name: Callable[[Item], str],
) -> Iterator[bytes]:
    """A ZIP of one PDF per item, in pieces: `per_layout` items rendered to one HTML document by
    `render` (an h1 each), laid out at once (pdf_per_h1), and sent before the next batch is laid out,
    so memory stays bounded and the first bytes leave early however many items there are."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(items), per_layout):
            batch = items[start : start + per_layout]
            for item, pdf in zip(batch, pdf_per_h1(render(batch)), strict=True):
                archive.writestr(file_name(item), pdf)
            yield sink.take()
    yield sink.take()  # the central directory
