"""Thin handlers for the unit dashboard (/admin/dashboard) and the ratings browser (/admin/ratings)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from portal.citizen.followup import local_date
from portal.kernel.replica import REPLICA_READS
from portal.kernel.web import render
from staff_admin.dashboard import ratings
from staff_admin.dashboard.service import dashboard, rescore
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, PeriodQuery, StaffDep, StaffRequest, UnitQuery
from staff_admin.kit.pages import form_text, redirect_to
from staff_admin.kit.problems import Invalid

CounterQuery = Annotated[str | None, QueryParameter(name="counter")]


def _query(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


def _browse_page(request: Request, staff: StaffRequest) -> Template:
    page = ratings.browse(staff.db, staff.principal, _query(request), staff.timezone, request.state.language)
    context = {"page": page, "principal": staff.principal}
    return render(request, "staff_admin/dashboard/ratings.html", context, 400 if page.errors else 200)


def _dashboard_page(
    request: Request,
    staff: StaffRequest,
    period: str | None,
    unit: str | None,
    failed: Invalid | None = None,
    counter: str | None = None,
) -> Template:
    today = local_date(staff.now(), staff.timezone)
    page = dashboard(staff.db, staff.principal, period, unit or None, today, counter)
    status = 422 if failed else page.problem.status if page.problem else 200
    context = {"page": page, "principal": staff.principal, "problems": failed.problems if failed else []}
    return render(request, "staff_admin/dashboard/dashboard.html", context, status)


class DashboardController(StaffArea):
    path = "/admin/dashboard"

    @get("/", name="staff:dashboard", sync_to_thread=True, opt=REPLICA_READS)
    def show(
        self,
        request: Request,
        staff: StaffDep,
        period: PeriodQuery = None,
        unit: UnitQuery = None,
        counter: CounterQuery = None,
    ) -> Template:
        return _dashboard_page(request, staff, period, unit, counter=counter)

    @post("/score", name="staff:dashboard_score", sync_to_thread=True, status_code=303)
    def score(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        """Queues scoring of the shown period again and comes back to the same view at once."""
        period, unit = form_text(data, "period"), form_text(data, "unit")
        try:
            rescore(staff.db, staff.principal, period, staff.now())
        except Invalid as failed:
            return _dashboard_page(request, staff, period, unit, failed)
        query = urlencode({"period": period, **({"unit": unit} if unit else {})})
        return redirect_to(request, "staff:dashboard", f"?{query}")


class RatingsController(StaffArea):
    path = "/admin/ratings"

    @get("/", name="staff:ratings", sync_to_thread=True, opt=REPLICA_READS)
    def browse(self, request: Request, staff: StaffDep) -> Template:
        return _browse_page(request, staff)

    @get("/export.csv", name="staff:ratings_export", sync_to_thread=True, opt=REPLICA_READS)
    def export(self, request: Request, staff: StaffDep) -> Response | Template:
        try:
            export = ratings.export(staff.sessions, staff.principal, _query(request), staff.timezone)
        except ratings.InvalidFilters:
            return _browse_page(request, staff)
        return Stream(
            export.chunks,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename}"',
                "Cache-Control": "no-store",
            },
        )
