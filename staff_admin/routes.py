"""Staff pages under /admin: sign-in, sign-out, home and unit pages, the password change and the
reset-link page (the base of every staff controller, `StaffArea`, is in staff_admin.kit.area)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from portal.citizen.forms import N_
from portal.kernel.hardening import request_address
from portal.kernel.web import render
from staff_admin import account, auth, cookies, csrf, passwords, service
from staff_admin.cookies import staff_cookies
from staff_admin.kit.area import StaffArea, safe_next
from staff_admin.kit.deps import Db, FormData, PortalDep, PrincipalDep, StaffDep
from staff_admin.kit.listing import local_time
from staff_admin.kit.pages import form_text, redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.mail.messages import reset_mail
from staff_admin.mail.smtp import Mail
from staff_admin.models import User

Next = Annotated[str | None, QueryParameter(name="next")]


def _login_page(
    request: Request, target: str | None, username: str = "", error: str | None = None, **extra: Any
) -> Template:
    status = extra.pop("status_code", 200)
    context = {
        "next": safe_next(target) or "",
        "username": username,
        "error": error,
        "notice": None,
        "wait_minutes": 0,
    }
    return render(request, "staff_admin/login.html", {**context, **extra}, status_code=status)


class StaffController(StaffArea):
    @get("/login", name="staff:login", sync_to_thread=False)
    def login_form(self, request: Request, next_: Next = None) -> Template:
        expired = request.query_params.get("expired") == "1"
        error = N_("Your session has ended. Please sign in again.") if expired else None
        notice = (
            N_("Your new password is set. Sign in with it.") if request.query_params.get("reset") else None
        )
        return _login_page(request, next_, error=error, notice=notice)

    @post("/login", name="staff:login_submit", sync_to_thread=True, status_code=303)
    def login_submit(self, request: Request, data: FormData, db: Db, portal: PortalDep) -> Response:
        username, password = str(data.get("username", "")), str(data.get("password", ""))
        target = str(data.get("next", ""))
        jar = staff_cookies(portal.settings)
        try:
            signed_in = auth.login(
                db,
                portal.settings,
                portal.clock(),
                username,
                password,
                request_address(request),
                jar.read(request.cookies, cookies.KNOWN_BROWSER),
            )
        except auth.InvalidCredentials:
            error = N_("The username or password is not correct.")
            return _login_page(request, target, username, error, status_code=422)
        except auth.LoginThrottled as throttled:
            minutes = -(-throttled.retry_after_seconds // 60)
            response = _login_page(request, target, username, None, wait_minutes=minutes, status_code=429)
            response.headers["Retry-After"] = str(throttled.retry_after_seconds)
            return response
        given = [
            jar.make(cookies.SESSION, signed_in.token),
            csrf.fresh_secret_cookie(portal.settings),
            jar.make(cookies.KNOWN_BROWSER, signed_in.known_browser, max_age=auth.KNOWN_BROWSER_SECONDS),
        ]
        destination = safe_next(target) or request.app.route_reverse("staff:home")
        return Redirect(destination, status_code=303, cookies=given)

    @post("/logout", name="staff:logout", sync_to_thread=True, status_code=303)
    def logout(self, request: Request, db: Db, portal: PortalDep) -> Response:
        jar = staff_cookies(portal.settings)
        auth.logout(db, portal.settings, jar.read(request.cookies, cookies.SESSION))
        ended = [jar.expire(cookies.SESSION), csrf.fresh_secret_cookie(portal.settings)]
        return Redirect(request.app.route_reverse("staff:login"), status_code=303, cookies=ended)

    @get("/", name="staff:home", sync_to_thread=True)
    def home(self, request: Request, staff: StaffDep) -> Template:
        page = service.home(staff.db, staff.principal, staff.now(), staff.timezone, request.state.language)
        return staff_page(request, "home.html", staff.principal, page=page)

    @get("/units/{unit_id:int}", name="staff:unit", sync_to_thread=True)
    def unit(self, request: Request, unit_id: FromPath[int], staff: StaffDep) -> Template:
        page = service.unit_page(staff.db, staff.principal, unit_id)
        return staff_page(request, "unit.html", staff.principal, page=page)


def _reset_target(db: Db, portal: PortalDep, token: str) -> passwords.ResetTarget | None:
    try:
        target = passwords.reset_target(db, portal.settings, token, portal.clock())
    except passwords.LinkNotValid:
        return None
    return replace(target, expires_at=local_time(target.expires_at, portal.settings.period_timezone))


def _reset_page(
    request: Request, token: str, target: passwords.ResetTarget | None, failed: Invalid | None = None
) -> Template:
    """The form a reset link opens (every staff page is sent with no-store, this one too), or why the
    link sets no password (410)."""
    context = {"token": token, "target": target, "problems": failed.problems if failed else []}
    status = 410 if target is None else 422 if failed else 200
    return render(request, "staff_admin/password_reset.html", context, status_code=status)


class PasswordController(StaffArea):
    """The signed-in user's password change, and the page a reset link opens (no sign-in needed)."""

    @get("/password", name="staff:password", sync_to_thread=False)
    def password_form(self, request: Request, principal: PrincipalDep) -> Template:
        changed = request.query_params.get("changed", "")
        ended = int(changed) if changed.isdigit() else None
        return staff_page(request, "password.html", principal, ended=ended)

    @post("/password", name="staff:password_change", sync_to_thread=True, status_code=303)
    def change(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        settings = staff.portal.settings
        try:
            ended = passwords.change_password(
                staff.db,
                settings,
                staff.principal,
                form_text(data, "current_password"),
                form_text(data, "new_password"),
                form_text(data, "new_password_again"),
                staff_cookies(settings).read(request.cookies, cookies.SESSION),
                request_address(request),
                staff.now(),
            )
        except Invalid as failed:
            return staff_page(request, "password.html", staff.principal, failed, ended=None)
        return redirect_to(request, "staff:password", f"?changed={ended}")

    @get("/password-reset/{token:str}", name="staff:password_reset", sync_to_thread=True)
    def reset_form(self, request: Request, token: FromPath[str], db: Db, portal: PortalDep) -> Template:
        return _reset_page(request, token, _reset_target(db, portal, token))

    @post(
        "/password-reset/{token:str}",
        name="staff:password_reset_submit",
        sync_to_thread=True,
        status_code=303,
    )
    def reset(
        self, request: Request, token: FromPath[str], data: FormData, db: Db, portal: PortalDep
    ) -> Response:
        new, again = form_text(data, "new_password"), form_text(data, "new_password_again")
        try:
            passwords.reset_password(db, portal.settings, token, new, again, portal.clock())
        except passwords.LinkNotValid:
            return _reset_page(request, token, None)
        except Invalid as failed:
            return _reset_page(request, token, _reset_target(db, portal, token), failed)
        return redirect_to(request, "staff:login", "?reset=1")

    @get("/password-forgot", name="staff:password_forgot", sync_to_thread=False)
    def forgot_form(self, request: Request, portal: PortalDep) -> Template:
        sent = request.query_params.get("sent") == "1"
        context = {"sent": sent, "mail_on": bool(portal.settings.smtp_url)}
        return render(request, "staff_admin/password_forgot.html", context)

    @post("/password-forgot", name="staff:password_forgot_submit", sync_to_thread=True, status_code=303)
    def forgot(self, request: Request, data: FormData, db: Db, portal: PortalDep) -> Response:
        """The same answer whatever the address; the mail goes out after it (account.send_now)."""
        settings = portal.settings
        links = account.request_reset(db, settings, form_text(data, "email"), portal.clock())
        base = settings.base_url.rstrip("/")
        mails = []
        for link in links:
            address = db.get(User, link.user_id)
            url = base + request.app.route_reverse("staff:password_reset", token=link.token)
            until = local_time(link.expires_at, settings.period_timezone)
            mails.append(Mail(address.email, *reset_mail(link.username, url, until, address.mail_language)))
        return Redirect(
            request.app.route_reverse("staff:password_forgot") + "?sent=1",
            status_code=303,
            background=BackgroundTask(account.send_now, settings, mails),
        )


class AccountController(StaffArea):
    """The signed-in user's own settings: the e-mail address, how alerts come, the mails' language."""

    @get("/account", name="staff:account", sync_to_thread=True)
    def account_form(self, request: Request, staff: StaffDep) -> Template:
        form = account.account_settings(staff.db, staff.portal.settings, staff.principal)
        saved = request.query_params.get("saved") == "1"
        return staff_page(request, "account.html", staff.principal, form=form, saved=saved)

    @post("/account", name="staff:account_save", sync_to_thread=True, status_code=303)
    def save(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        try:
            account.save_account(
                staff.db,
                staff.principal,
                form_text(data, "email"),
                form_text(data, "mail_mode"),
                form_text(data, "mail_language"),
                staff.now(),
            )
        except Invalid as failed:
            form = account.account_settings(staff.db, staff.portal.settings, staff.principal)
            return staff_page(request, "account.html", staff.principal, failed, form=form, saved=False)
        return redirect_to(request, "staff:account", "?saved=1")
