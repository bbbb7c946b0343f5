"""Users and roles (admin only)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from staff_admin.access import Principal
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import Db, FormData, PortalDep, PrincipalDep
from staff_admin.kit.pages import redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.masterdata import accounts


def _user_form(
    request: Request, db: Db, principal: Principal, user_id: int | None, failed: Invalid | None = None
) -> Template:
    form = accounts.user_form(db, principal, user_id)
    return staff_page(request, "masterdata/user_form.html", principal, failed, form=form)


class UsersController(StaffArea):
    path = "/admin/users"

    @get("/", name="staff:users", sync_to_thread=True)
    def users(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        rows = accounts.list_users(db, principal)
        return staff_page(request, "masterdata/users.html", principal, rows=rows)

    @get("/new", name="staff:user_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return _user_form(request, db, principal, None)

    @post("/new", name="staff:user_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            accounts.create_account(db, principal, data, portal.clock())
        except Invalid as failed:
            return _user_form(request, db, principal, None, failed)
        return redirect_to(request, "staff:users")

    @get("/{user_id:int}", name="staff:user", sync_to_thread=True)
    def user(self, request: Request, user_id: FromPath[int], db: Db, principal: PrincipalDep) -> Template:
        return _user_form(request, db, principal, user_id)

    @post("/{user_id:int}", name="staff:user_update", sync_to_thread=True, status_code=303)
    def update(
        self,
        request: Request,
        user_id: FromPath[int],
        data: FormData,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
    ) -> Response:
        try:
            accounts.update_account(db, principal, user_id, data, portal.clock())
        except Invalid as failed:
            return _user_form(request, db, principal, user_id, failed)
        return redirect_to(request, "staff:users")

    @post("/{user_id:int}/deactivate", name="staff:user_deactivate", sync_to_thread=True, status_code=303)
    def deactivate(
        self, request: Request, user_id: FromPath[int], db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            accounts.deactivate_account(db, principal, user_id, portal.clock())
        except Invalid as failed:
            return _user_form(request, db, principal, user_id, failed)
        return redirect_to(request, "staff:users")
