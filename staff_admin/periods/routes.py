"""Pages for HR and admins: periods (create, score, close), the HR export and the HR import."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from portal.citizen.forms import N_
from portal.kernel.web import render
from staff_admin.masterdata.problems import Invalid, invalid
from staff_admin.masterdata.tabular import MAX_APPLY_BODY_BYTES, MAX_UPLOAD_BYTES, read_upload
from staff_admin.periods import export, hr_import, service
from staff_admin.routes import Db, FormData, PortalDep, PrincipalDep, StaffArea


def _periods_page(
    request: Request, db: Db, principal: PrincipalDep, failed: Invalid | None = None
) -> Template:
    timezone = request.app.state.portal.settings.period_timezone
    context = {
        "principal": principal,
        "periods": service.list_periods(db, principal, timezone),
        "problems": failed.problems if failed else [],
        "values": failed.values if failed else {},
    }
    return render(request, "staff_admin/periods/list.html", context, status_code=422 if failed else 200)


class PeriodsController(StaffArea):
    path = "/admin/periods"

    @get("/", name="staff:periods", sync_to_thread=True)
    def periods(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return _periods_page(request, db, principal)

    @post("/", name="staff:period_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        text = str(data.get("period", ""))
        try:
            service.create_period(db, principal, text, portal.clock())
        except Invalid as failed:
            failed.values = {"period": text}
            return _periods_page(request, db, principal, failed)
        return Redirect(request.app.route_reverse("staff:periods"), status_code=303)

    @post("/{period_id:int}/score", name="staff:period_score", sync_to_thread=True, status_code=303)
    def score(
        self, request: Request, period_id: FromPath[int], db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            service.queue_score(db, principal, period_id, portal.clock())
        except Invalid as failed:
            return _periods_page(request, db, principal, failed)
        return Redirect(request.app.route_reverse("staff:periods"), status_code=303)

    @post("/{period_id:int}/close", name="staff:period_close", sync_to_thread=True, status_code=303)
    def close(
        self,
        request: Request,
        period_id: FromPath[int],
        data: FormData,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
    ) -> Response:
        try:
            service.close(db, principal, period_id, data.get("confirm") == "yes", portal.clock())
        except Invalid as failed:
            return _periods_page(request, db, principal, failed)
        return Redirect(request.app.route_reverse("staff:periods"), status_code=303)

    def _export(
        self, request: Request, db: Db, principal: PrincipalDep, period_id: int, fmt: str
    ) -> Response:
        try:
            result = export.period_export(db, principal, period_id)
        except Invalid as failed:
            return _periods_page(request, db, principal, failed)
        if fmt == "csv":
            body, media_type = export.to_csv(result), "text/csv; charset=utf-8"
        else:
            body, media_type = export.to_xlsx(result), export.XLSX_MEDIA_TYPE
        disposition = f'attachment; filename="{result.filename_stem}.{fmt}"'
        return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})

    @get("/{period_id:int}/export.csv", name="staff:period_export_csv", sync_to_thread=True)
    def export_csv(
        self, request: Request, period_id: FromPath[int], db: Db, principal: PrincipalDep
    ) -> Response:
        return self._export(request, db, principal, period_id, "csv")

    @get("/{period_id:int}/export.xlsx", name="staff:period_export_xlsx", sync_to_thread=True)
    def export_xlsx(
        self, request: Request, period_id: FromPath[int], db: Db, principal: PrincipalDep
    ) -> Response:
        return self._export(request, db, principal, period_id, "xlsx")


@dataclass
class ImportUpload:
    kind: str = ""
    file: UploadFile | None = None


Multipart = Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)]


def _import_page(request: Request, principal: PrincipalDep, **context: object) -> Template:
    status = 422 if context.get("problems") else 200
    context = {"principal": principal, "kind": "", "preview": None, "problems": [], "done": None, **context}
    return render(request, "staff_admin/periods/import.html", context, status_code=status)


class HrImportController(StaffArea):
    path = "/admin/import"

    @get("/", name="staff:hr_import", sync_to_thread=True)
    def form(self, request: Request, principal: PrincipalDep) -> Template:
        hr_import.check_access(principal)
        done = {key: request.query_params.get(key, "") for key in ("created", "updated")}
        return _import_page(
            request, principal, done=done if all(v.isdigit() for v in done.values()) else None
        )

    @post(
        "/",
        name="staff:hr_import_preview",
        sync_to_thread=True,
        request_max_body_size=MAX_UPLOAD_BYTES + 65536,
    )
    def preview(self, request: Request, data: Multipart, db: Db, principal: PrincipalDep) -> Template:
        filename, content = read_upload(data.file)  # first: the upload is closed whatever happens
        try:
            if not filename:
                raise invalid("file", N_("Choose a file to upload."))
            preview = hr_import.preview_import(db, principal, data.kind, filename, content)
        except Invalid as failed:
            return _import_page(request, principal, kind=data.kind, problems=failed.problems)
        encoded = base64.b64encode(content).decode()
        return _import_page(
            request,
            principal,
            kind=data.kind,
            preview=preview,
            problems=preview.problems,
            filename=filename,
            content=encoded,
        )

    @post(
        "/apply",
        name="staff:hr_import_apply",
        sync_to_thread=True,
        status_code=303,
        request_max_body_size=MAX_APPLY_BODY_BYTES,
    )
    def apply(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        kind, filename = str(data.get("kind", "")), str(data.get("filename", ""))
        try:
            content = base64.b64decode(str(data.get("content", "")), validate=True)
        except (binascii.Error, ValueError):  # not base64, or not even ASCII
            content = b""
        try:
            applied = hr_import.apply_import(db, principal, kind, filename, content, portal.clock())
        except Invalid as failed:
            return _import_page(request, principal, kind=kind, problems=failed.problems)
        done = f"?created={applied.creates}&updated={applied.updates}"
        return Redirect(request.app.route_reverse("staff:hr_import") + done, status_code=303)
