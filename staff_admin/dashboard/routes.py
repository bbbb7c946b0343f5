"""Thin handlers for the unit dashboard (/admin/dashboard) and the ratings browser (/admin/ratings)."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Stream, Template

from portal.citizen.followup import local_date
from portal.kernel.web import render
from staff_admin.dashboard import ratings
from staff_admin.dashboard.service import dashboard
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import Db, PeriodQuery, PortalDep, PrincipalDep, UnitQuery


def _query(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


def _browse_page(request: Request, db: Db, principal: PrincipalDep, portal: PortalDep) -> Template:
    page = ratings.browse(
        db, principal, _query(request), portal.settings.period_timezone, request.state.language
    )
    context = {"page": page, "principal": principal}
    return render(request, "staff_admin/dashboard/ratings.html", context, 400 if page.errors else 200)


class DashboardController(StaffArea):
    path = "/admin/dashboard"

    @get("/", name="staff:dashboard", sync_to_thread=True)
    def show(
        self,
        request: Request,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
        period: PeriodQuery = None,
        unit: UnitQuery = None,
    ) -> Template:
        today = local_date(portal.clock(), portal.settings.period_timezone)
        page = dashboard(db, principal, period, unit, today)
        status = page.problem.status if page.problem else 200
        return render(
            request, "staff_admin/dashboard/dashboard.html", {"page": page, "principal": principal}, status
        )


class RatingsController(StaffArea):
    path = "/admin/ratings"

    @get("/", name="staff:ratings", sync_to_thread=True)
    def browse(self, request: Request, db: Db, principal: PrincipalDep, portal: PortalDep) -> Template:
        return _browse_page(request, db, principal, portal)

    @get("/export.csv", name="staff:ratings_export", sync_to_thread=True)
    def export(
        self, request: Request, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response | Template:
        try:
            export = ratings.export(
                portal.sessions, principal, _query(request), portal.settings.period_timezone
            )
        except ratings.InvalidFilters:
            return _browse_page(request, db, principal, portal)
        return Stream(
            export.chunks,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename}"',
                "Cache-Control": "no-store",
            },
        )
