"""Staff pages under /admin: sign-in, sign-out, home and unit pages. Later staff pages subclass
`StaffArea` to inherit CSRF protection, the `principal` dependency and the error mapping."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import CSRFMiddleware
from litestar.params import Body, FromPath, QueryParameter, SkipValidation
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.hardening import request_address, secure_cookies
from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings
from portal.kernel.web import Portal, render, set_request_language
from staff_admin import auth, service
from staff_admin.access import Forbidden, NotFound, Principal

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Db = NamedDependency[SkipValidation[Session]]
PortalDep = NamedDependency[SkipValidation[Portal]]
PrincipalDep = NamedDependency[SkipValidation[Principal]]
Next = Annotated[str | None, QueryParameter(name="next")]

CSRF_COOKIE = "rp_csrf"
STAFF_PATH = "/admin"

ERRORS = {
    "csrf": (
        N_("This form has expired"),
        N_("Please go back, reload the page and submit the form again."),
    ),
    403: (N_("You may not open this page"), N_("Your account does not have access to it.")),
    404: (N_("We could not find this page"), N_("It does not exist, or it is outside your units.")),
}


class StaffCSRF:
    """Litestar's CSRF middleware for the staff area only (citizens have no session, and their
    forms carry a signed token instead); built on first use because the key comes from settings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inner: CSRFMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._inner is None:
            settings: Settings = scope["litestar_app"].state.portal.settings
            config = CSRFConfig(
                secret=keyed_hash(settings.secret_key, "csrf", "staff"),
                cookie_name=CSRF_COOKIE,
                cookie_path=STAFF_PATH,
                cookie_httponly=True,
                cookie_secure=secure_cookies(settings),
                cookie_samesite="lax",
            )
            self._inner = CSRFMiddleware(self.app, config)
        await self._inner(scope, receive, send)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no `//host` or `/\\host` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _login_url(request: Request, target: str | None = None, expired: bool = False) -> str:
    query = {"next": target} if target else {}
    if expired:
        query["expired"] = "1"
    url = request.app.route_reverse("staff:login")
    return f"{url}?{urlencode(query)}" if query else url


def _to_login(request: Request, exc: auth.NotAuthenticated) -> Response:
    target = None
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = Redirect(_login_url(request, safe_next(target), exc.expired), status_code=303)
    if exc.expired:
        response.delete_cookie(auth.SESSION_COOKIE, path=STAFF_PATH)
    return response


def _error(request: Request, key: str | int, status: int) -> Template:
    if getattr(request.state, "language", None) is None:  # failed in middleware, before the hook ran
        set_request_language(request)
    title, detail = ERRORS[key]
    context = {"status": status, "title": title, "detail": detail}
    return render(request, "staff_admin/error.html", context, status_code=status)


def _forbidden(request: Request, exc: Exception) -> Template:
    # CSRF failures arrive as PermissionDeniedException from the middleware.
    return _error(request, "csrf" if isinstance(exc, PermissionDeniedException) else 403, 403)


def _not_found(request: Request, _exc: NotFound) -> Template:
    return _error(request, 404, 404)


def provide_principal(request: Request, db: Db, portal: PortalDep) -> Principal:
    principal = auth.authenticate(
        db, portal.settings, portal.clock(), request.cookies.get(auth.SESSION_COOKIE)
    )
    db.commit()  # hand the connection back while the request waits for a thread to run its handler
    return principal


class StaffArea(Controller):
    """Base for every staff controller: set `path` below /admin and take `principal: PrincipalDep`."""

    path = STAFF_PATH
    middleware = [StaffCSRF]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal, sync_to_thread=True)}  # noqa: RUF012
    exception_handlers = {  # noqa: RUF012
        auth.NotAuthenticated: _to_login,
        Forbidden: _forbidden,
        PermissionDeniedException: _forbidden,
        NotFound: _not_found,
    }


def _login_page(
    request: Request, target: str | None, username: str = "", error: str | None = None, **extra: Any
) -> Template:
    status = extra.pop("status_code", 200)
    context = {"next": safe_next(target) or "", "username": username, "error": error, "wait_minutes": 0}
    return render(request, "staff_admin/login.html", {**context, **extra}, status_code=status)


class StaffController(StaffArea):
    @get("/login", name="staff:login", sync_to_thread=False)
    def login_form(self, request: Request, next_: Next = None) -> Template:
        expired = request.query_params.get("expired") == "1"
        error = N_("Your session has ended. Please sign in again.") if expired else None
        return _login_page(request, next_, error=error)

    @post("/login", name="staff:login_submit", sync_to_thread=True, status_code=303)
    def login_submit(self, request: Request, data: FormData, db: Db, portal: PortalDep) -> Response:
        username, password = str(data.get("username", "")), str(data.get("password", ""))
        target = str(data.get("next", ""))
        try:
            signed_in = auth.login(
                db, portal.settings, portal.clock(), username, password, request_address(request)
            )
        except auth.InvalidCredentials:
            error = N_("The username or password is not correct.")
            return _login_page(request, target, username, error, status_code=422)
        except auth.LoginThrottled as throttled:
            minutes = -(-throttled.retry_after_seconds // 60)
            response = _login_page(request, target, username, None, wait_minutes=minutes, status_code=429)
            response.headers["Retry-After"] = str(throttled.retry_after_seconds)
            return response
        cookie = Cookie(
            key=auth.SESSION_COOKIE,
            value=signed_in.token,
            path=STAFF_PATH,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(portal.settings),
        )
        destination = safe_next(target) or request.app.route_reverse("staff:home")
        return Redirect(destination, status_code=303, cookies=[cookie])

    @post("/logout", name="staff:logout", sync_to_thread=True, status_code=303)
    def logout(self, request: Request, db: Db, portal: PortalDep) -> Response:
        auth.logout(db, portal.settings, request.cookies.get(auth.SESSION_COOKIE))
        response = Redirect(request.app.route_reverse("staff:login"), status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path=STAFF_PATH)
        return response

    @get("/", name="staff:home", sync_to_thread=True)
    def home(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        page = service.home(db, principal)
        return render(request, "staff_admin/home.html", {"page": page, "principal": principal})

    @get("/units/{unit_id:int}", name="staff:unit", sync_to_thread=True)
    def unit(self, request: Request, unit_id: FromPath[int], db: Db, principal: PrincipalDep) -> Template:
        page = service.unit_page(db, principal, unit_id)
        return render(request, "staff_admin/unit.html", {"page": page, "principal": principal})
