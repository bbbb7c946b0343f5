"""Users and roles (admin only), with a reset link for a user who forgot their password; officer
accounts for imported employees in bulk (HR and admins)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from staff_admin import passwords
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, StaffDep, StaffRequest
from staff_admin.kit.listing import local_time
from staff_admin.kit.pages import form_page, redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.masterdata import accounts, officer_accounts

USER_FORM = "masterdata/user_form.html"


def link_address(request: Request, staff: StaffRequest, link: passwords.ResetLink) -> str:
    """The full address of a reset link: the configured BASE_URL, never the request's Host."""
    path = request.app.route_reverse("staff:password_reset", token=link.token)
    return staff.portal.settings.base_url.rstrip("/") + path


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

    @post("/{user_id:int}/reset-link", name="staff:user_reset_link", sync_to_thread=True)
    def reset_link(self, request: Request, user_id: FromPath[int], staff: StaffDep) -> Response:
        """The link is in this response only: it is never stored, so there is no page to redirect to
        (a reload would issue a new link, which replaces this one)."""
        try:
            link = passwords.issue_reset_link(
                staff.db, staff.portal.settings, staff.principal, user_id, staff.now()
            )
        except Invalid as failed:
            return form_page(request, staff, USER_FORM, accounts.user_form, user_id, failed)
        return staff_page(
            request,
            "masterdata/reset_link.html",
            staff.principal,
            link=link,
            address=link_address(request, staff, link),
            valid_until=local_time(link.expires_at, staff.timezone),
        )


class OfficerAccountsController(StaffArea):
    path = "/admin/officer-accounts"

    @get("/", name="staff:officer_accounts", sync_to_thread=True)
    def page(self, request: Request, staff: StaffDep) -> Template:
        page = officer_accounts.officer_accounts_page(staff.db, staff.principal)
        return staff_page(request, "masterdata/officer_accounts.html", staff.principal, page=page)

    @post("/", name="staff:officer_accounts_create", sync_to_thread=True)
    def create(self, request: Request, staff: StaffDep) -> Response:
        """The CSV of first links is this response: shown once, kept by no cache."""
        try:
            created = officer_accounts.create_officer_accounts(
                staff.db, staff.portal.settings, staff.principal, staff.now()
            )
        except Invalid as failed:
            page = officer_accounts.officer_accounts_page(staff.db, staff.principal)
            return staff_page(request, "masterdata/officer_accounts.html", staff.principal, failed, page=page)
        addresses = {login.link.user_id: link_address(request, staff, login.link) for login in created}
        body = officer_accounts.first_logins_csv(created, addresses, staff.timezone)
        stamp = local_time(staff.now(), staff.timezone).strftime("%Y%m%d-%H%M")
        headers = {
            "Content-Disposition": f'attachment; filename="officer_accounts_{stamp}.csv"',
            "Cache-Control": "no-store",
        }
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers, status_code=200)
