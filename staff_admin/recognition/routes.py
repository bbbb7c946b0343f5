"""Thin handlers: /admin/recognition (HR's recognition and development lists of a closed period) and
/admin/evidence (the officers' evidence sheets as PDF, one by one or, for HR, all of a period in one
ZIP named by NIP, streamed as its sheets are laid out)."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Stream, Template

from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import StaffDep
from staff_admin.kit.pages import staff_page
from staff_admin.kit.pdf import html_to_pdf, zip_of_pdfs
from staff_admin.recognition import service

SHEET_TEMPLATE = "staff_admin/recognition/sheet.html"
SHEETS_TEMPLATE = "staff_admin/recognition/sheets.html"  # many sheets, laid out at once
# Sheets laid out together: one layout of many costs a fraction of each on its own, and batches keep a
# city of thousands of officers within memory and send the ZIP's first bytes after the first batch.
SHEETS_PER_LAYOUT = 25
Sheets = Sequence[service.EvidenceSheet]
PRIVATE = {"Cache-Control": "no-store"}  # NIPs and individual scores: never kept by a browser or proxy


def sheet_pdf(request: Request, sheet: service.EvidenceSheet) -> bytes:
    """The sheet's page, rendered in the request's language, as a PDF with real text."""
    template = request.app.template_engine.get_template(SHEET_TEMPLATE)
    html = template.render(sheet=sheet, labels=service.LABELS, lang=request.state.language)
    return html_to_pdf(html)


def _stem(label: str) -> str:
    return label.replace("..", "_to_").replace("/", "-")


class RecognitionController(StaffArea):
    path = "/admin/recognition"

    @get("/", name="recognition:list", sync_to_thread=True)
    def lists(self, request: Request, staff: StaffDep, period: FromQuery[str] = "") -> Template:
        page = service.recognition_page(staff.db, staff.principal, period)
        return staff_page(request, "recognition/list.html", staff.principal, page=page, labels=service.LABELS)


class EvidenceController(StaffArea):
    path = "/admin/evidence"

    @get("/", name="evidence:list", sync_to_thread=True)
    def sheets(self, request: Request, staff: StaffDep, period: FromQuery[str] = "") -> Template:
        page = service.evidence_list(staff.db, staff.principal, period)
        return staff_page(
            request, "recognition/evidence.html", staff.principal, page=page, labels=service.LABELS
        )

    @get("/{period_id:int}/officers/{employee_id:int}/sheet.pdf", name="evidence:sheet", sync_to_thread=True)
    def sheet(
        self, request: Request, period_id: FromPath[int], employee_id: FromPath[int], staff: StaffDep
    ) -> Response:
        base_url = staff.portal.settings.base_url
        sheet = service.evidence_sheet(
            staff.db, staff.principal, period_id, employee_id, base_url, staff.timezone
        )
        name = f"bukti_dukung_{sheet.nip}_{_stem(sheet.period.label)}.pdf"
        headers = {"Content-Disposition": f'attachment; filename="{name}"', **PRIVATE}
        return Response(sheet_pdf(request, sheet), media_type="application/pdf", headers=headers)

    @get("/{period_id:int}/sheets.zip", name="evidence:zip", sync_to_thread=True)
    def all_sheets(self, request: Request, period_id: FromPath[int], staff: StaffDep) -> Response:
        base_url = staff.portal.settings.base_url
        sheets = service.all_evidence_sheets(staff.db, staff.principal, period_id, base_url, staff.timezone)
        label = sheets[0].period.label if sheets else str(period_id)
        name = f"bukti_dukung_{_stem(label)}.zip"
        headers = {"Content-Disposition": f'attachment; filename="{name}"', **PRIVATE}
        template = request.app.template_engine.get_template(SHEETS_TEMPLATE)
        language = request.state.language

        def render(batch: Sheets) -> str:
            return template.render(sheets=batch, labels=service.LABELS, lang=language)

        return Stream(
            zip_of_pdfs(sheets, render, SHEETS_PER_LAYOUT, lambda sheet: f"{sheet.nip}.pdf"),
            media_type="application/zip",
            headers=headers,
        )
