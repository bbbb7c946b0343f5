"""Users and roles (admin only)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, StaffDep
from staff_admin.kit.pages import form_page, redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.masterdata import accounts

USER_FORM = "masterdata/user_form.html"


class UsersController(StaffArea):
    path = "/admin/users"

    @get("/", name="staff:users", sync_to_thread=True)
    def users(self, request: Request, staff: StaffDep) -> Template:
        rows = accounts.list_users(staff.db, staff.principal)
        return staff_page(request, "masterdata/users.html", staff.principal, rows=rows)

    @get("/new", name="staff:user_new", sync_to_thread=True)
    def new(self, request: Request, staff: StaffDep) -> Template:
        return form_page(request, staff, USER_FORM, accounts.user_form, None)

    @post("/new", name="staff:user_create", sync_to_thread=True, status_code=303)
    def create(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        try:
            accounts.create_account(staff.db, staff.principal, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, USER_FORM, accounts.user_form, None, failed)
        return redirect_to(request, "staff:users")

    @get("/{user_id:int}", name="staff:user", sync_to_thread=True)
    def user(self, request: Request, user_id: FromPath[int], staff: StaffDep) -> Template:
        return form_page(request, staff, USER_FORM, accounts.user_form, user_id)

    @post("/{user_id:int}", name="staff:user_update", sync_to_thread=True, status_code=303)
    def update(self, request: Request, user_id: FromPath[int], data: FormData, staff: StaffDep) -> Response:
        try:
            accounts.update_account(staff.db, staff.principal, user_id, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, USER_FORM, accounts.user_form, user_id, failed)
        return redirect_to(request, "staff:users")

    @post("/{user_id:int}/deactivate", name="staff:user_deactivate", sync_to_thread=True, status_code=303)
    def deactivate(self, request: Request, user_id: FromPath[int], staff: StaffDep) -> Response:
        try:
            accounts.deactivate_account(staff.db, staff.principal, user_id, staff.now())
        except Invalid as failed:
            return form_page(request, staff, USER_FORM, accounts.user_form, user_id, failed)
        return redirect_to(request, "staff:users")
