"""Thin handler for /admin/audit."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from portal.kernel.web import render
from staff_admin.audit_log.service import AuditFilters, audit_page
from staff_admin.routes import Db, PortalDep, PrincipalDep, StaffArea


class AuditLogController(StaffArea):
    path = "/admin/audit"

    @get("/", name="audit:list", sync_to_thread=True)
    def list_entries(
        self,
        request: Request,
        db: Db,
        portal: PortalDep,
        principal: PrincipalDep,
        actor: FromQuery[str] = "",
        object_type: FromQuery[str] = "",
        object_id: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        filters = AuditFilters(actor=actor, object_type=object_type, object_id=object_id, page=page)
        result = audit_page(db, principal, filters, portal.settings.period_timezone)
        return render(request, "staff_admin/audit_log/list.html", {"page": result, "principal": principal})
