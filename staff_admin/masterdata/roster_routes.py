"""Duty roster pages: the week view per counter, adding and removing shifts, and the import."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Template

from portal.citizen.forms import MAX_ID, parse_id
from staff_admin.access import Principal
from staff_admin.kit import upload
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, StaffDep
from staff_admin.kit.inputs import day_problem, parse_day
from staff_admin.kit.pages import redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.masterdata import roster


def _to_week(request: Request, counter_id: int, day: date) -> Response:
    return redirect_to(request, "staff:roster", f"?counter={counter_id}&week={day.isoformat()}")


def _import_page(
    request: Request, principal: Principal, failed: Invalid | None = None, **context: object
) -> Template:
    context = {"planned": None, "done": None, **context}
    return staff_page(request, "masterdata/roster_import.html", principal, failed, **context)


class RosterController(StaffArea):
    path = "/admin/roster"

    @get("/", name="staff:roster", sync_to_thread=True)
    def roster(
        self,
        request: Request,
        staff: StaffDep,
        counter: Annotated[int | None, Parameter(ge=1, le=MAX_ID)] = None,
        week: FromQuery[str | None] = None,
    ) -> Template:
        day, why = day_problem(week, "week") if week else (None, None)
        view = roster.roster_page(staff.db, staff.principal, counter, day)
        failed = Invalid(why) if why else None
        return staff_page(
            request, "masterdata/roster.html", staff.principal, failed, status_code=400, view=view, values={}
        )

    @post("/shifts", name="staff:shift_add", sync_to_thread=True, status_code=303)
    def add(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        values = {key: str(data.get(key, "")).strip() for key in ("counter_id", "date")}
        try:
            roster.add_shift(staff.db, staff.principal, data, staff.now())
        except Invalid as failed:
            counter_id, day = parse_id(values["counter_id"]), parse_day(values["date"])
            view = roster.roster_page(staff.db, staff.principal, counter_id, day)
            return staff_page(
                request, "masterdata/roster.html", staff.principal, failed, view=view, values=failed.values
            )
        # add_shift read the same stripped values: the counter id and the day are valid here
        return _to_week(request, int(values["counter_id"]), date.fromisoformat(values["date"][:10]))

    @post("/shifts/{shift_id:int}/delete", name="staff:shift_remove", sync_to_thread=True, status_code=303)
    def remove(self, request: Request, shift_id: FromPath[int], staff: StaffDep) -> Response:
        counter_id, day = roster.remove_shift(staff.db, staff.principal, shift_id, staff.now())
        return _to_week(request, counter_id, day)

    @get("/import", name="staff:roster_import", sync_to_thread=True)
    def import_form(self, request: Request, staff: StaffDep) -> Template:
        roster.roster_page(staff.db, staff.principal, None, None)  # access check
        done = request.query_params.get("created", "")
        return _import_page(request, staff.principal, done=done if done.isdigit() else None)

    @upload.preview_post("/import", "staff:roster_import_preview")
    def preview(self, request: Request, data: upload.UploadForm, staff: StaffDep) -> Template:
        try:
            filename, content = upload.chosen_file(data.file)
            planned, problems = roster.check_roster_file(staff.db, staff.principal, filename, content)
        except Invalid as failed:
            return _import_page(request, staff.principal, failed)
        found = Invalid(*problems) if problems else None
        carried = upload.carried_fields(filename, content)
        return _import_page(request, staff.principal, found, planned=planned, **carried)

    @upload.apply_post("/import/apply", "staff:roster_import_apply")
    def apply(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        filename, content = upload.carried_file(data)
        try:
            created = roster.apply_roster_file(staff.db, staff.principal, filename, content, staff.now())
        except Invalid as failed:
            return _import_page(request, staff.principal, failed)
        return redirect_to(request, "staff:roster_import", f"?created={created}")
