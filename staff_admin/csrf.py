"""CSRF protection of the staff area: a form token bound to the browser and to its staff session.

The browser holds a random secret in an HttpOnly cookie; every staff form carries
`HMAC(SECRET_KEY, secret : session cookie)`. A POST passes only with the token of this browser's
secret *and* its current session, so a token from before sign-in, or from another session or
browser, is refused; sign-in and sign-out also give the browser a new secret. Nobody can compute a
token without the server's key, and the session cookie it is bound to never leaves the browser.

Any malformed token (too long, not ASCII, a file part instead of a field) is a plain refusal, 403,
like a wrong one: the framework's own middleware raised on such input, a 500 with a traceback
(issue 21)."""

from __future__ import annotations

import secrets
from hmac import compare_digest

from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings
from staff_admin import cookies
from staff_admin.cookies import StaffCookies, staff_cookies

FIELD = "_csrf_token"  # the form field Litestar's `csrf_input` writes
HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_LENGTH = 64  # hex of HMAC-SHA256
_SECRET_LENGTH = len(secrets.token_urlsafe(32))
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def is_secret(value: str | None) -> bool:
    return value is not None and len(value) == _SECRET_LENGTH and set(value) <= _URLSAFE


def form_token(settings: Settings, secret: str, session_token: str | None) -> str:
    return keyed_hash(settings.secret_key, "staff-csrf", f"{secret}:{session_token or ''}")


def token_matches(submitted: object, expected: str) -> bool:
    """Only a string of the right length and alphabet is compared: `compare_digest` raises on
    non-ASCII text, and a file part of a multipart form is no string at all."""
    return (
        isinstance(submitted, str)
        and len(submitted) == TOKEN_LENGTH
        and submitted.isascii()
        and compare_digest(submitted, expected)
    )


class StaffCSRF:
    """ASGI middleware of every staff controller (`StaffArea`); citizens have no session, and their
    forms carry a signed stamp instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings: Settings = scope["litestar_app"].state.portal.settings
        jar = staff_cookies(settings)
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        secret = jar.read(request.cookies, cookies.CSRF)
        session_token = jar.read(request.cookies, cookies.SESSION)
        state = ScopeState.from_scope(scope)
        if scope["method"] in SAFE_METHODS:
            if not is_secret(secret):
                secret = new_secret()
                send = _setting_cookie(send, jar, secret)
            state.csrf_token = form_token(settings, secret, session_token)
            await self.app(scope, receive, send)
            return
        submitted: object = request.headers.get(HEADER)
        form = None
        if not submitted and request.content_type[0] in (
            RequestEncodingType.URL_ENCODED,
            RequestEncodingType.MULTI_PART,
        ):
            form = await request.form()  # cached: the handler reads the same form
            submitted = form.get(FIELD)
        if not is_secret(secret) or not token_matches(submitted, form_token(settings, secret, session_token)):
            if form is not None:
                await form.close()  # its uploads: the route, which would close them, never runs
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = submitted  # type: ignore[assignment]
        await self.app(scope, receive, send)


def _setting_cookie(send: Send, jar: StaffCookies, secret: str) -> Send:
    header = jar.make(cookies.CSRF, secret).to_header(header="").encode("latin-1")

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (b"set-cookie", header)]
        await send(message)

    return sending


def fresh_secret_cookie(settings: Settings) -> Cookie:
    """A new secret for the browser (at sign-in and sign-out): every token it had is void."""
    return staff_cookies(settings).make(cookies.CSRF, new_secret())
