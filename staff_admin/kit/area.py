"""The staff area below /admin: every staff controller subclasses `StaffArea` to inherit CSRF
protection, the `principal` dependency (a signed-in staff member, or a redirect to sign in), the
`staff` dependency (kit.deps.StaffRequest: session, principal and app together) and the error pages
(403, 404, an expired form). A handler that only reads says so with `opt=REPLICA_READS`: its
`staff.db` and `staff.sessions` then read from the hot standby when one is set (kit.replica)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from litestar import Controller, Request, Response
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from portal.citizen.forms import N_
from portal.kernel.deps import Reads
from portal.kernel.replica import read_sessions
from portal.kernel.web import render, set_request_language
from staff_admin import auth, cookies
from staff_admin.access import Forbidden, NotFound, Principal
from staff_admin.cookies import STAFF_PATH, staff_cookies
from staff_admin.csrf import StaffCSRF
from staff_admin.kit.deps import Db, PortalDep, PrincipalDep, StaffRequest
from staff_admin.kit.replica import ReadYourWrites, provide_staff_reads, wrote_lsn

ERRORS = {
    "csrf": (
        N_("This form has expired"),
        N_("Please go back, reload the page and submit the form again."),
    ),
    403: (N_("You may not open this page"), N_("Your account does not have access to it.")),
    404: (N_("We could not find this page"), N_("It does not exist, or it is outside your units.")),
}


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
        # from the scope, not request.url, which fails on a malformed Host header
        query = request.scope.get("query_string", b"").decode("latin-1")
        target = request.scope["path"] + (f"?{query}" if query else "")
    expire = [staff_cookies(request.app.state.portal.settings).expire(cookies.SESSION)] if exc.expired else []
    return Redirect(_login_url(request, safe_next(target), exc.expired), status_code=303, cookies=expire)


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
    token = staff_cookies(portal.settings).read(request.cookies, cookies.SESSION)
    try:
        principal = auth.authenticate(db, portal.settings, portal.clock(), token)
    except auth.NotAuthenticated:
        # Litestar cleans up no dependency when one of them raises: give the connection back now.
        db.rollback()
        raise
    db.commit()  # hand the connection back while the request waits for a thread to run its handler
    return principal


def provide_staff(request: Request, reads: Reads, portal: PortalDep, principal: PrincipalDep) -> StaffRequest:
    """`reads` is the request's `db` unless the handler is marked to read from the standby."""
    return StaffRequest(reads, principal, portal, read_sessions(request, portal, wrote_lsn))


class StaffArea(Controller):
    """Base for every staff controller: set `path` below /admin and take `staff: StaffDep` (or
    `principal: PrincipalDep` alone)."""

    path = STAFF_PATH
    middleware = [StaffCSRF, ReadYourWrites]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        # Always the primary's session (`db`): a session revoked there ends at once.
        "principal": Provide(provide_principal, sync_to_thread=True),
        "reads": Provide(provide_staff_reads),
        "staff": Provide(provide_staff, sync_to_thread=False),
    }
    exception_handlers = {  # noqa: RUF012
        auth.NotAuthenticated: _to_login,
        Forbidden: _forbidden,
        PermissionDeniedException: _forbidden,
        NotFound: _not_found,
    }
