"""Pages for HR and admins: periods (create, score, close after a summary), the HR export and the HR
import."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from portal.kernel.replica import REPLICA_READS
from staff_admin.access import Principal
from staff_admin.kit import upload
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, PrincipalDep, StaffDep, StaffRequest
from staff_admin.kit.exports import XLSX_MEDIA_TYPE
from staff_admin.kit.pages import form_text, redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.kit.samples import sample_download
from staff_admin.periods import closing, export, hr_import, service


def _periods_page(request: Request, staff: StaffRequest, failed: Invalid | None = None) -> Template:
    periods = service.list_periods(staff.db, staff.principal, staff.timezone)
    values = failed.values if failed else {}
    closed = request.query_params.get("closed", "")
    just_closed = next((p for p in periods if str(p.id) == closed and p.status == "closed"), None)
    return staff_page(
        request,
        "periods/list.html",
        staff.principal,
        failed,
        periods=periods,
        values=values,
        closed=just_closed,
    )


def _closing_page(
    request: Request, staff: StaffRequest, period_id: int, failed: Invalid | None = None
) -> Template:
    summary = closing.close_summary(staff.db, staff.principal, period_id, staff.timezone)
    values = failed.values if failed else {}
    return staff_page(request, "periods/close.html", staff.principal, failed, summary=summary, values=values)


class PeriodsController(StaffArea):
    path = "/admin/periods"

    @get("/", name="staff:periods", sync_to_thread=True)
    def periods(self, request: Request, staff: StaffDep) -> Template:
        return _periods_page(request, staff)

    @post("/", name="staff:period_create", sync_to_thread=True, status_code=303)
    def create(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        text = str(data.get("period", ""))
        try:
            service.create_period(staff.db, staff.principal, text, staff.now())
        except Invalid as failed:
            failed.values = {"period": text}
            return _periods_page(request, staff, failed)
        return redirect_to(request, "staff:periods")

    @post("/{period_id:int}/score", name="staff:period_score", sync_to_thread=True, status_code=303)
    def score(self, request: Request, period_id: FromPath[int], staff: StaffDep) -> Response:
        try:
            service.queue_score(staff.db, staff.principal, period_id, staff.now())
        except Invalid as failed:
            return _periods_page(request, staff, failed)
        return redirect_to(request, "staff:periods")

    @get("/{period_id:int}/close", name="staff:period_closing", sync_to_thread=True)
    def close_page(self, request: Request, period_id: FromPath[int], staff: StaffDep) -> Template:
        return _closing_page(request, staff, period_id)

    @post("/{period_id:int}/close", name="staff:period_close", sync_to_thread=True, status_code=303)
    def close(self, request: Request, period_id: FromPath[int], data: FormData, staff: StaffDep) -> Response:
        choices = {"confirmed": data.get("confirm") == "yes", "override": data.get("override") == "yes"}
        try:
            closing.close(
                staff.db,
                staff.principal,
                period_id,
                staff.now(),
                staff.timezone,
                **choices,
                note=form_text(data, "note"),
            )
        except Invalid as failed:
            return _closing_page(request, staff, period_id, failed)
        return redirect_to(request, "staff:periods", f"?closed={period_id}")

    def _export(self, request: Request, staff: StaffRequest, period_id: int, fmt: str) -> Response:
        try:
            result = export.period_export(staff.db, staff.principal, period_id, staff.timezone)
        except Invalid as failed:
            return _periods_page(request, staff, failed)
        if fmt == "csv":
            body, media_type = export.to_csv(result), "text/csv; charset=utf-8"
        else:
            body, media_type = export.to_xlsx(result), XLSX_MEDIA_TYPE
        headers = {
            "Content-Disposition": f'attachment; filename="{result.filename_stem}.{fmt}"',
            "Cache-Control": "no-store",  # NIPs and individual scores: never kept by a browser or proxy
        }
        return Response(body, media_type=media_type, headers=headers)

    @get(
        "/{period_id:int}/export.csv", name="staff:period_export_csv", sync_to_thread=True, opt=REPLICA_READS
    )
    def export_csv(self, request: Request, period_id: FromPath[int], staff: StaffDep) -> Response:
        return self._export(request, staff, period_id, "csv")

    @get(
        "/{period_id:int}/export.xlsx",
        name="staff:period_export_xlsx",
        sync_to_thread=True,
        opt=REPLICA_READS,
    )
    def export_xlsx(self, request: Request, period_id: FromPath[int], staff: StaffDep) -> Response:
        return self._export(request, staff, period_id, "xlsx")


def _import_page(
    request: Request, principal: Principal, failed: Invalid | None = None, **context: object
) -> Template:
    context = {"kind": "", "preview": None, "done": None, **context}
    return staff_page(request, "periods/import.html", principal, failed, **context)


class HrImportController(StaffArea):
    path = "/admin/import"

    @get("/", name="staff:hr_import", sync_to_thread=True)
    def form(self, request: Request, principal: PrincipalDep) -> Template:
        hr_import.check_access(principal)
        done = {key: request.query_params.get(key, "") for key in ("created", "updated")}
        return _import_page(
            request, principal, done=done if all(v.isdigit() for v in done.values()) else None
        )

    @get("/templates/{file:str}", name="staff:hr_import_template", sync_to_thread=False)
    def template(self, file: FromPath[str], principal: PrincipalDep) -> Response:
        return sample_download(file, *hr_import.import_samples(principal))

    @upload.preview_post("/", "staff:hr_import_preview")
    def preview(self, request: Request, data: upload.UploadForm, staff: StaffDep) -> Template:
        try:
            filename, content = upload.chosen_file(data.file)
            preview = hr_import.preview_import(staff.db, staff.principal, data.kind, filename, content)
        except Invalid as failed:
            return _import_page(request, staff.principal, failed, kind=data.kind)
        found = Invalid(*preview.problems) if preview.problems else None
        carried = upload.carried_fields(filename, content)
        return _import_page(request, staff.principal, found, kind=data.kind, preview=preview, **carried)

    @upload.apply_post("/apply", "staff:hr_import_apply")
    def apply(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        kind = str(data.get("kind", ""))
        filename, content = upload.carried_file(data)
        try:
            applied = hr_import.apply_import(staff.db, staff.principal, kind, filename, content, staff.now())
        except Invalid as failed:
            return _import_page(request, staff.principal, failed, kind=kind)
        done = f"?created={applied.creates}&updated={applied.updates}"
        return redirect_to(request, "staff:hr_import", done)
