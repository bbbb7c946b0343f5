"""Thin handlers for the unit dashboard (/admin/dashboard) and the ratings browser (/admin/ratings)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Stream, Template

from portal.citizen.followup import local_date
from portal.kernel.web import render
from staff_admin.dashboard import ratings
from staff_admin.dashboard.service import dashboard, rescore
from staff_admin.masterdata.problems import Invalid
from staff_admin.routes import Db, FormData, PortalDep, PrincipalDep, StaffArea

PeriodQuery = Annotated[str | None, QueryParameter(name="period")]
UnitQuery = Annotated[str | None, QueryParameter(name="unit")]


def _query(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


def _browse_page(request: Request, db: Db, principal: PrincipalDep, portal: PortalDep) -> Template:
    page = ratings.browse(
        db, principal, _query(request), portal.settings.period_timezone, request.state.language
    )
    context = {"page": page, "principal": principal}
    return render(request, "staff_admin/dashboard/ratings.html", context, 400 if page.errors else 200)


def _dashboard_page(
    request: Request,
    db: Db,
    principal: PrincipalDep,
    portal: PortalDep,
    period: str | None,
    unit: str | None,
    failed: Invalid | None = None,
) -> Template:
    today = local_date(portal.clock(), portal.settings.period_timezone)
    page = dashboard(db, principal, period, unit or None, today)
    status = 422 if failed else page.problem.status if page.problem else 200
    context = {"page": page, "principal": principal, "problems": failed.problems if failed else []}
    return render(request, "staff_admin/dashboard/dashboard.html", context, status)


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
        return _dashboard_page(request, db, principal, portal, period, unit)

    @post("/score", name="staff:dashboard_score", sync_to_thread=True, status_code=303)
    def score(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        """Queues scoring of the shown period again and comes back to the same view at once."""
        period, unit = str(data.get("period", "")), str(data.get("unit", ""))
        try:
            rescore(db, principal, period, portal.clock())
        except Invalid as failed:
            return _dashboard_page(request, db, principal, portal, period, unit, failed)
        query = urlencode({"period": period, **({"unit": unit} if unit else {})})
        return Redirect(f"{request.app.route_reverse('staff:dashboard')}?{query}", status_code=303)


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
