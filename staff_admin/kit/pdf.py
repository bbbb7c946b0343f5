"""PDF from the same HTML as a page (WeasyPrint): the SKM report and the officers' evidence sheets.

The document may load only our own static files (stylesheets, the logo): any other URL, on the
network or on disk, is refused, so text that reached a report can never make the server fetch
something. The PDF carries real text (searchable, copyable), not an image of the page.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.kernel.settings import REPO_ROOT

STATIC_DIR = REPO_ROOT / "static"
STATIC_PREFIX = "/static/"


class PdfResourceRefused(ValueError):
    """A document asked for something outside static/."""


def static_file(url: str) -> Path:
    """The file in static/ that a `/static/...` URL names; anything else is refused."""
    split = urlsplit(url)
    if split.scheme not in ("", "file") or not split.path.startswith(STATIC_PREFIX):
        raise PdfResourceRefused(url)
    target = (STATIC_DIR / split.path.removeprefix(STATIC_PREFIX)).resolve()
    if not target.is_relative_to(STATIC_DIR.resolve()) or not target.is_file():
        raise PdfResourceRefused(url)
    return target


class StaticOnly(URLFetcher):
    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        target = static_file(url)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": kind})


def html_to_pdf(html: str) -> bytes:
    """The PDF of a rendered page; `/static/...` links resolve to files in static/."""
    return HTML(string=html, base_url="file:///", url_fetcher=StaticOnly()).write_pdf()
