"""Thin handlers for /admin/targets: the year's targets of the units one may see, one form per unit
and counter."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Template

from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, StaffDep, StaffRequest
from staff_admin.kit.listing import local_time
from staff_admin.kit.pages import form_text, redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.targets import service

FIELDS = ("unit_id", "counter_id", "year", "ikm_target", "officer_target")


def _page(
    request: Request, staff: StaffRequest, year: int, failed: Invalid | None = None, **extra: object
) -> Template:
    page = service.targets_page(staff.db, staff.principal, year, staff.timezone)
    return staff_page(request, "targets/list.html", staff.principal, failed, page=page, **extra)


class TargetsController(StaffArea):
    path = "/admin/targets"

    @get("/", name="targets:list", sync_to_thread=True)
    def list_targets(self, request: Request, staff: StaffDep, year: FromQuery[str] = "") -> Template:
        this_year = local_time(staff.now(), staff.timezone).year
        try:
            chosen = service.check_year(year, this_year)
        except Invalid as failed:
            return _page(request, staff, this_year, failed, status_code=400)
        return _page(request, staff, chosen, saved=request.query_params.get("saved") == "1")

    @post("/", name="targets:set", sync_to_thread=True, status_code=303)
    def set_target(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        form = {name: form_text(data, name) for name in FIELDS}
        this_year = local_time(staff.now(), staff.timezone).year
        try:
            year = service.set_target(staff.db, staff.principal, form, staff.now())
        except Invalid as failed:
            staff.db.rollback()
            failed.values = form
            try:
                year = service.check_year(form["year"], this_year)
            except Invalid:
                year = this_year
            return _page(request, staff, year, failed, failed_form=form)
        return redirect_to(request, "targets:list", f"?year={year}&saved=1")
