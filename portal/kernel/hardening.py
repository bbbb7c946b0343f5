"""HTTP hardening in one place: security headers on every response, the cookie rule, the client address.

The headers are added by a `before_send` hook, which Litestar runs for every message the app sends:
pages, error pages (also a 404 from the router, before any handler), static files and the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.types import Message, Scope

from portal.citizen.forms import MAX_ID
from portal.kernel.security import client_address
from portal.kernel.settings import Settings

JSON_API_PREFIX = "/api/"  # the machine API (portal/citizen/api.py) reads JSON bodies only

# No inline script or style anywhere, the API documentation included (portal.citizen.api_docs): pages
# link /static files only. `data:` images are the empty favicon of base.html (and Swagger UI's icons).
# Forms post to this site only; no page may be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# The rating URL holds the counter's token: no other site may see it in a Referer.
REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# No includeSubDomains: other services of the same government domain may not be on HTTPS yet.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"

HeaderHook = Callable[[Message, Scope], Awaitable[None]]


def served_over_https(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def secure_cookies(settings: Settings) -> bool:
    """The one rule for every cookie the app sets (device, language, staff session, CSRF): `Secure`
    in production or whenever the site is served over HTTPS; plain HTTP only in development and
    tests. (Cookies are HttpOnly everywhere: no script of ours reads them.)"""
    return settings.is_production or served_over_https(settings)


def request_address(request: Request) -> str | None:
    """The client's address for network hashes and throttles: the TCP peer, or, when the peer is one
    of TRUSTED_PROXIES, the rightmost untrusted hop of its X-Forwarded-For."""
    settings: Settings = request.app.state.portal.settings
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        settings.trusted_proxies,
    )


def security_headers(settings: Settings) -> HeaderHook:
    """A `before_send` hook adding the security headers to every HTTP response start."""
    fixed = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if served_over_https(settings):
        fixed["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    # Encoded once: this runs on every response, and a header lookup per name would scan them each time.
    ours = [(name.lower().encode(), value.encode()) for name, value in fixed.items()]
    ours.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
    replaced = {name for name, _ in ours}

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = [
            (name, value) for name, value in message.get("headers", ()) if name.lower() not in replaced
        ]
        message["headers"] = [*headers, *ours]

    return add_headers


async def refuse_malformed_requests(request: Request) -> None:
    """Run before any handler reads the request (a `before_request` hook: an app-wide guard would
    cost a copy of the handler per request).

    A NUL byte is never part of a real link or form (tokens, codes and ids are printable, and nobody
    types one) and PostgreSQL cannot even compare or store text holding one: 400 for a NUL in the path,
    the query string, an urlencoded form or a multipart form's fields and file names (a file's
    content may hold any byte and is checked as a file). The multipart form is parsed here once;
    the handler reads the same parsed form.
    An integer id in the path beyond what an id column holds is no such thing: 404, instead of an
    overflow in the database driver."""
    query = request.scope.get("query_string", b"")
    if "\x00" in request.scope["path"] or b"\x00" in query or b"%00" in query:
        raise ClientException("NUL byte in the URL")
    for value in request.path_params.values():
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            raise NotFoundException("no such id")
    if request.method in ("GET", "HEAD"):
        return
    content_type = request.content_type[0]
    if request.scope["path"].startswith(JSON_API_PREFIX) and content_type not in ("", "application/json"):
        # Refused before the body is read: a multipart form parsed here would leave nothing for the
        # JSON reader of the handler (a 500 "stream consumed" instead of an answer).
        raise HTTPException(status_code=415, detail="Send the body as application/json.")
    if content_type == "application/x-www-form-urlencoded":
        body = await request.body()  # cached: the handler reads the same bytes
        if b"\x00" in body or b"%00" in body:
            raise ClientException("NUL byte in a form")
    elif content_type == "multipart/form-data":
        form = await request.form()  # cached in the connection's state for the handler
        for name, value in form.multi_items():
            text = (value.filename or "") if isinstance(value, UploadFile) else value
            if "\x00" in name or (isinstance(text, str) and "\x00" in text):
                raise ClientException("NUL byte in a form")
