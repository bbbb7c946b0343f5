"""/admin/alerts: every alert the signed-in person is told of (the home page shows the newest)."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from staff_admin.alerts.service import alerts_page
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import StaffDep
from staff_admin.kit.pages import staff_page


class AlertsController(StaffArea):
    path = "/admin/alerts"

    @get("/", name="alerts:list", sync_to_thread=True)
    def list_alerts(self, request: Request, staff: StaffDep) -> Template:
        rows = alerts_page(staff.db, staff.principal, staff.timezone, request.state.language)
        return staff_page(request, "alerts/list.html", staff.principal, alerts=rows)
