"""Thin handlers for the SKM report (/admin/reports/skm, its PDF, the follow-up plan, publishing) and
the people-served volumes (/admin/reports/volumes); the public list of published reports is in
staff_admin.public.routes."""

from __future__ import annotations

from urllib.parse import urlencode

from jinja2 import Environment
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from portal.kernel.web import render
from staff_admin.access import NotFound
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, PeriodQuery, StaffDep, StaffRequest, UnitQuery
from staff_admin.kit.pages import form_text, redirect_to
from staff_admin.kit.problems import Invalid
from staff_admin.reports import plans, publishing, volumes
from staff_admin.reports.plans import STATE_NAMES
from staff_admin.reports.service import report_page

PDF_HEADERS = {"Cache-Control": "no-store"}


def template_environment(request: Request) -> Environment:
    return request.app.template_engine.engine


def _report(
    request: Request,
    staff: StaffRequest,
    period: str | None,
    unit: str | None,
    failed: Invalid | None = None,
    **extra: object,
) -> Template:
    page = report_page(staff.db, staff.principal, period, unit or None, staff.now(), staff.timezone)
    status = 422 if failed else page.problem.status if page.problem else 200
    context = {
        "page": page,
        "principal": staff.principal,
        "problems": failed.problems if failed else [],
        "values": failed.values if failed else {},
        "state_names": STATE_NAMES,
        "notice": request.query_params.get("done", ""),
        **extra,
    }
    return render(request, "staff_admin/reports/skm.html", context, status)


def _back(request: Request, period: str, unit: str, done: str, anchor: str = "") -> Response:
    query = urlencode({"period": period, "unit": unit, "done": done})
    return redirect_to(request, "staff:report_skm", f"?{query}{anchor}")


class ReportsController(StaffArea):
    path = "/admin/reports"

    @get("/skm", name="staff:report_skm", sync_to_thread=True)
    def skm(
        self, request: Request, staff: StaffDep, period: PeriodQuery = None, unit: UnitQuery = None
    ) -> Template:
        return _report(request, staff, period, unit)

    @get("/skm.pdf", name="staff:report_skm_pdf", sync_to_thread=True)
    def pdf(
        self, request: Request, staff: StaffDep, period: PeriodQuery = None, unit: UnitQuery = None
    ) -> Response | Template:
        page = report_page(staff.db, staff.principal, period, unit or None, staff.now(), staff.timezone)
        if page.report is None:
            return _report(request, staff, period, unit)
        body = publishing.report_pdf(template_environment(request), page.report, request.state.language)
        name = publishing.file_name(page.report, "pdf")
        headers = {**PDF_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(body, media_type="application/pdf", headers=headers)

    @post("/skm/plan", name="staff:report_plan_add", sync_to_thread=True, status_code=303)
    def add_action(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        period, unit = form_text(data, "period"), form_text(data, "unit")
        page = report_page(staff.db, staff.principal, period, unit, staff.now(), staff.timezone)
        values = {name: form_text(data, name) for name in plans.ACTION_FIELDS}
        if page.report is None or page.report.unit_id is None:
            raise NotFound("a unit's scored report")
        try:
            run = page.report.run
            plans.add_action(
                staff.db, staff.principal, page.report.unit_id, run.key, run.label, values, staff.now()
            )
        except Invalid as failed:
            return _report(request, staff, period, unit, failed)
        return _back(request, period, unit, "planned", "#plan")

    @post("/skm/plan/{action_id:str}", name="staff:report_plan_update", sync_to_thread=True, status_code=303)
    def update_action(
        self, request: Request, data: FormData, staff: StaffDep, action_id: FromPath[str]
    ) -> Response:
        period, unit = form_text(data, "period"), form_text(data, "unit")
        values = {name: form_text(data, name) for name in ("state", "state_note")}
        try:
            plans.update_action(staff.db, staff.principal, action_id, values, staff.now())
        except Invalid as failed:
            return _report(request, staff, period, unit, failed)
        return _back(request, period, unit, "updated", "#plan")

    @post("/skm/publish", name="staff:report_publish", sync_to_thread=True, status_code=303)
    def publish(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        period, unit = form_text(data, "period"), form_text(data, "unit")
        language = staff.portal.settings.default_language
        try:
            publishing.publish(
                staff.db,
                staff.principal,
                template_environment(request),
                unit,
                period,
                staff.now(),
                staff.timezone,
                language,
            )
        except Invalid as failed:
            return _report(request, staff, period, unit, failed)
        return _back(request, period, unit, "published")

    @get("/volumes", name="staff:report_volumes", sync_to_thread=True)
    def volumes(self, request: Request, staff: StaffDep, unit: UnitQuery = None) -> Template:
        return _volumes(request, staff, unit)

    @post("/volumes", name="staff:report_volume_enter", sync_to_thread=True, status_code=303)
    def enter_volume(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        values = {name: form_text(data, name) for name in volumes.VOLUME_FIELDS}
        try:
            unit_id = volumes.enter_volume(staff.db, staff.principal, values, staff.now(), staff.timezone)
        except Invalid as failed:
            return _volumes(request, staff, values["unit"], failed)
        return redirect_to(
            request, "staff:report_volumes", f"?{urlencode({'unit': unit_id, 'done': 'saved'})}"
        )


def _volumes(
    request: Request, staff: StaffRequest, unit: str | None, failed: Invalid | None = None
) -> Template:
    page = volumes.volume_page(staff.db, staff.principal, unit or None, staff.now(), staff.timezone)
    context = {
        "page": page,
        "principal": staff.principal,
        "problems": failed.problems if failed else [],
        "values": failed.values if failed else {},
        "notice": request.query_params.get("done", ""),
    }
    return render(request, "staff_admin/reports/volumes.html", context, 422 if failed else 200)
