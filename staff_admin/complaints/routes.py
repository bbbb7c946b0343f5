"""Thin handlers for /admin/complaints: the case list, one case, and its workflow steps."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.kernel.replica import REPLICA_READS
from staff_admin.complaints import answers, service
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, StaffDep, StaffRequest
from staff_admin.kit.notes import DecisionRefused
from staff_admin.kit.pages import form_text, redirect_to, staff_page


def _case_page(
    request: Request, staff: StaffRequest, case_id: int, refused: DecisionRefused | None = None
) -> Template:
    case = service.case_detail(staff.db, staff.principal, staff.now(), staff.timezone, case_id)
    mail_on = bool(staff.portal.settings.smtp_url)
    return staff_page(
        request,
        "complaints/case.html",
        staff.principal,
        refused,
        case=case,
        mail_on=mail_on,
        channels=answers.ANSWER_CHANNELS,
    )


class ComplaintsController(StaffArea):
    path = "/admin/complaints"

    @get("/", name="complaints:list", sync_to_thread=True, opt=REPLICA_READS)
    def list_cases(
        self, request: Request, staff: StaffDep, show: FromQuery[str] = "open", page: FromQuery[int] = 1
    ) -> Template:
        cases = service.cases_page(staff.db, staff.principal, staff.now(), staff.timezone, show, page)
        return staff_page(request, "complaints/list.html", staff.principal, page=cases)

    @get("/{case_id:int}", name="complaints:case", sync_to_thread=True)
    def case(self, request: Request, case_id: FromPath[int], staff: StaffDep) -> Template:
        return _case_page(request, staff, case_id)

    @post("/{case_id:int}", name="complaints:step", sync_to_thread=True, status_code=303)
    def step(self, request: Request, case_id: FromPath[int], data: FormData, staff: StaffDep) -> Response:
        action, text = form_text(data, "action"), form_text(data, "text")
        try:
            mail = bool(staff.portal.settings.smtp_url)
            service.transition(staff.db, staff.principal, staff.now(), case_id, action, text, mail)
        except DecisionRefused as refused:
            return _case_page(request, staff, case_id, refused)
        return redirect_to(request, "complaints:case", case_id=case_id)

    @post("/{case_id:int}/answered", name="complaints:answered", sync_to_thread=True, status_code=303)
    def answered(self, request: Request, case_id: FromPath[int], data: FormData, staff: StaffDep) -> Response:
        try:
            answers.mark_answered(staff.db, staff.principal, staff.now(), case_id, form_text(data, "via"))
        except DecisionRefused as refused:
            return _case_page(request, staff, case_id, refused)
        return redirect_to(request, "complaints:case", case_id=case_id)
