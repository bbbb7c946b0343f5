"""Thin handler for /admin/audit."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from portal.kernel.replica import REPLICA_READS
from staff_admin.audit_log.service import AuditFilters, audit_page
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import StaffDep
from staff_admin.kit.pages import staff_page


class AuditLogController(StaffArea):
    path = "/admin/audit"

    @get("/", name="audit:list", sync_to_thread=True, opt=REPLICA_READS)
    def list_entries(
        self,
        request: Request,
        staff: StaffDep,
        actor: FromQuery[str] = "",
        object_type: FromQuery[str] = "",
        object_id: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        filters = AuditFilters(actor=actor, object_type=object_type, object_id=object_id, page=page)
        result = audit_page(staff.db, staff.principal, filters, staff.timezone)
        return staff_page(request, "audit_log/list.html", staff.principal, page=result)
