"""Duty roster pages: the week view per counter, adding and removing shifts, and the import."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, Parameter
from litestar.response import Redirect, Template

from portal.citizen.forms import MAX_ID, N_, parse_id
from staff_admin.inputs import day_problem, parse_day
from staff_admin.masterdata import roster
from staff_admin.masterdata.problems import Invalid, invalid
from staff_admin.masterdata.routes import page
from staff_admin.masterdata.tabular import MAX_APPLY_BODY_BYTES, MAX_UPLOAD_BYTES, read_upload
from staff_admin.routes import Db, FormData, PortalDep, PrincipalDep, StaffArea


@dataclass
class RosterUpload:
    file: UploadFile | None = None


def _week_url(request: Request, counter_id: int, day: date) -> str:
    return request.app.route_reverse("staff:roster") + f"?counter={counter_id}&week={day.isoformat()}"


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
        day, why = day_problem(week, "week") if week else (None, None)
        view = roster.roster_page(db, principal, counter, day)
        failed = Invalid(why) if why else None
        return page(request, "roster.html", principal, failed, status_code=400, view=view, values={})

    @post("/shifts", name="staff:shift_add", sync_to_thread=True, status_code=303)
    def add(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        values = {key: str(data.get(key, "")).strip() for key in ("counter_id", "date")}
        try:
            roster.add_shift(db, principal, data, portal.clock())
        except Invalid as failed:
            counter_id, day = parse_id(values["counter_id"]), parse_day(values["date"])
            view = roster.roster_page(db, principal, counter_id, day)
            return page(request, "roster.html", principal, failed, view=view, values=failed.values)
        # add_shift read the same stripped values: the counter id and the day are valid here
        day = date.fromisoformat(values["date"][:10])
        return Redirect(_week_url(request, int(values["counter_id"]), day), status_code=303)

    @post("/shifts/{shift_id:int}/delete", name="staff:shift_remove", sync_to_thread=True, status_code=303)
    def remove(
        self, request: Request, shift_id: FromPath[int], db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        counter_id, day = roster.remove_shift(db, principal, shift_id, portal.clock())
        return Redirect(_week_url(request, counter_id, day), status_code=303)

    @get("/import", name="staff:roster_import", sync_to_thread=True)
    def import_form(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        roster.roster_page(db, principal, None, None)  # access check
        done = request.query_params.get("created", "")
        return page(
            request, "roster_import.html", principal, planned=None, done=done if done.isdigit() else None
        )

    @post(
        "/import",
        name="staff:roster_import_preview",
        sync_to_thread=True,
        request_max_body_size=MAX_UPLOAD_BYTES + 65536,
    )
    def preview(
        self,
        request: Request,
        data: Annotated[RosterUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        db: Db,
        principal: PrincipalDep,
    ) -> Template:
        filename, content = read_upload(data.file)
        try:
            if not filename:
                raise invalid("file", N_("Choose a file to upload."))
            planned, problems = roster.check_roster_file(db, principal, filename, content)
        except Invalid as failed:
            return page(request, "roster_import.html", principal, failed, planned=None, done=None)
        context = {
            "planned": planned,
            "done": None,
            "filename": filename,
            "content": base64.b64encode(content).decode(),
        }
        return page(
            request, "roster_import.html", principal, Invalid(*problems) if problems else None, **context
        )

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
        filename = str(data.get("filename", ""))
        try:
            content = base64.b64decode(str(data.get("content", "")), validate=True)
        except (binascii.Error, ValueError):  # not base64, or not even ASCII
            content = b""
        try:
            created = roster.apply_roster_file(db, principal, filename, content, portal.clock())
        except Invalid as failed:
            return page(request, "roster_import.html", principal, failed, planned=None, done=None)
        url = request.app.route_reverse("staff:roster_import") + f"?created={created}"
        return Redirect(url, status_code=303)
