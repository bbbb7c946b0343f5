"""Thin handler for /admin/periods/{id}/bias-audit."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from portal.kernel.web import render
from staff_admin.audit_bias.service import bias_audit_page
from staff_admin.routes import Db, PrincipalDep, StaffArea


class BiasAuditController(StaffArea):
    path = "/admin/periods"

    @get("/{period_id:int}/bias-audit", name="staff:period_bias_audit", sync_to_thread=True)
    def page(self, request: Request, period_id: FromPath[int], db: Db, principal: PrincipalDep) -> Template:
        audit = bias_audit_page(db, principal, period_id)
        return render(request, "staff_admin/audit_bias/page.html", {"audit": audit, "principal": principal})
