"""Thin handlers for /admin/complaints: the case list, one case, and its workflow steps."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.kernel.web import Portal, render
from staff_admin.access import Principal
from staff_admin.complaints import service
from staff_admin.review.service import DecisionRefused
from staff_admin.routes import Db, FormData, PortalDep, PrincipalDep, StaffArea


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


class ComplaintsController(StaffArea):
    path = "/admin/complaints"

    @get("/", name="complaints:list", sync_to_thread=True)
    def list_cases(
        self,
        request: Request,
        db: Db,
        portal: PortalDep,
        principal: PrincipalDep,
        show: FromQuery[str] = "open",
    ) -> Template:
        page = service.cases_page(db, principal, portal.clock(), portal.settings.period_timezone, show)
        return render(request, "staff_admin/complaints/list.html", {"page": page, "principal": principal})

    @get("/{case_id:int}", name="complaints:case", sync_to_thread=True)
    def case(
        self, request: Request, case_id: FromPath[int], db: Db, portal: PortalDep, principal: PrincipalDep
    ) -> Template:
        return _case_page(request, db, portal, principal, case_id)

    @post("/{case_id:int}", name="complaints:step", sync_to_thread=True, status_code=303)
    def step(
        self,
        request: Request,
        case_id: FromPath[int],
        data: FormData,
        db: Db,
        portal: PortalDep,
        principal: PrincipalDep,
    ) -> Response:
        try:
            service.transition(
                db, principal, portal.clock(), case_id, _text(data, "action"), _text(data, "text")
            )
        except DecisionRefused as refused:
            return _case_page(request, db, portal, principal, case_id, refused.message, 422)
        return Redirect(request.app.route_reverse("complaints:case", case_id=case_id), status_code=303)


def _case_page(
    request: Request,
    db: Db,
    portal: Portal,
    principal: Principal,
    case_id: int,
    error: str | None = None,
    status: int = 200,
) -> Template:
    case = service.case_detail(db, principal, portal.clock(), portal.settings.period_timezone, case_id)
    context = {"case": case, "principal": principal, "error": error}
    return render(request, "staff_admin/complaints/case.html", context, status_code=status)
