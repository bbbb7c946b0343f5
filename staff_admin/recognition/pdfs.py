"""Many evidence sheets at once: one layout of a document whose every h1 starts a sheet, cut into one
PDF per sheet. Laying out the whole period once costs a fraction of laying out each sheet on its own
(WeasyPrint's layout, not the writing, is the expensive part), so HR's ZIP of a period stays quick."""

from __future__ import annotations

from weasyprint import HTML

from staff_admin.kit.pdf import StaticOnly


def pdf_per_h1(html: str) -> list[bytes]:
    """The PDF of each part of `html` that starts with a top-level heading (h1), in order."""
    document = HTML(string=html, base_url="file:///", url_fetcher=StaticOnly()).render()
    starts = [destination[0] for _label, destination, _children, _state in document.make_bookmark_tree()]
    ends = [*starts[1:], len(document.pages)]
    return [
        document.copy(document.pages[start:end]).write_pdf() for start, end in zip(starts, ends, strict=True)
    ]
