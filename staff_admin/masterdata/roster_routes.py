"""Duty roster pages: the week view per counter, adding and removing shifts, and the import."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Template

from portal.citizen.forms import MAX_ID, parse_id
from staff_admin.access import Principal
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import Db, FormData, PortalDep, PrincipalDep
from staff_admin.kit.pages import redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.kit.upload import (
    MAX_APPLY_BODY_BYTES,
    MAX_PREVIEW_BODY_BYTES,
    UploadForm,
    carried_fields,
    carried_file,
    chosen_file,
)
from staff_admin.masterdata import roster


def _week(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _import_page(
    request: Request, principal: Principal, failed: Invalid | None = None, **context: object
) -> Template:
    context = {"planned": None, "done": None, **context}
    return staff_page(request, "masterdata/roster_import.html", principal, failed, **context)


def _to_week(request: Request, counter_id: int, day: date) -> Response:
    return redirect_to(request, "staff:roster", f"?counter={counter_id}&week={day.isoformat()}")


class RosterController(StaffArea):
    path = "/admin/roster"

    @get("/", name="staff:roster", sync_to_thread=True)
    def roster(
        self,
        request: Request,
        db: Db,
        principal: PrincipalDep,
        counter: Annotated[int | None, Parameter(ge=1, le=MAX_ID)] = None,
        week: FromQuery[str | None] = None,
    ) -> Template:
        view = roster.roster_page(db, principal, counter, _week(week))
        return staff_page(request, "masterdata/roster.html", principal, view=view, values={})

    @post("/shifts", name="staff:shift_add", sync_to_thread=True, status_code=303)
    def add(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        values = {key: str(data.get(key, "")).strip() for key in ("counter_id", "date")}
        try:
            roster.add_shift(db, principal, data, portal.clock())
        except Invalid as failed:
            view = roster.roster_page(db, principal, parse_id(values["counter_id"]), _week(values["date"]))
            return staff_page(
                request, "masterdata/roster.html", principal, failed, view=view, values=failed.values
            )
        # add_shift read the same stripped values: the counter id and the day are valid here
        day = date.fromisoformat(values["date"][:10])
        return _to_week(request, int(values["counter_id"]), day)

    @post("/shifts/{shift_id:int}/delete", name="staff:shift_remove", sync_to_thread=True, status_code=303)
    def remove(
        self, request: Request, shift_id: FromPath[int], db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        counter_id, day = roster.remove_shift(db, principal, shift_id, portal.clock())
        return _to_week(request, counter_id, day)

    @get("/import", name="staff:roster_import", sync_to_thread=True)
    def import_form(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        roster.roster_page(db, principal, None, None)  # access check
        done = request.query_params.get("created", "")
        return _import_page(request, principal, done=done if done.isdigit() else None)

    @post(
        "/import",
        name="staff:roster_import_preview",
        sync_to_thread=True,
        request_max_body_size=MAX_PREVIEW_BODY_BYTES,
    )
    def preview(self, request: Request, data: UploadForm, db: Db, principal: PrincipalDep) -> Template:
        try:
            filename, content = chosen_file(data.file)
            planned, problems = roster.check_roster_file(db, principal, filename, content)
        except Invalid as failed:
            return _import_page(request, principal, failed)
        found = Invalid(*problems) if problems else None
        return _import_page(request, principal, found, planned=planned, **carried_fields(filename, content))

    @post(
        "/import/apply",
        name="staff:roster_import_apply",
        sync_to_thread=True,
        status_code=303,
        request_max_body_size=MAX_APPLY_BODY_BYTES,
    )
    def apply(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        filename, content = carried_file(data)
        try:
            created = roster.apply_roster_file(db, principal, filename, content, portal.clock())
        except Invalid as failed:
            return _import_page(request, principal, failed)
        return redirect_to(request, "staff:roster_import", f"?created={created}")
