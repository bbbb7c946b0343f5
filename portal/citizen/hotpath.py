"""The two requests nearly every citizen makes, answered beneath Litestar's request machinery.

A poster scan (`GET /r/{token}`, no query) whose counter page and blank form are kept, and a rating
(`POST /r/{token}`, an urlencoded form, no query) that parses. Under load, Litestar's routing,
parameter parsing, dependency injection and response objects cost the server more CPU than these two
handlers' own work (docs/performance.md). This answers them with the handlers' own helpers
(kept_pages, web.RenderedPages, forms) and hands every other request to the app as it came: a cache
miss, a query string, another content type, a repeated header, a cookie value to unquote, a NUL
byte, a large body, an invalid form (its body replayed).

A rating goes the app's one submit path (portal.citizen.submit): submitted once, here, and answered
here, a 303 to the thank-you page by itself and any other outcome (a refusal, a throttle, an error)
with the handler's own page for it (routes.rating_answer). So a request is handed to the app only
before its rating is submitted, and the app's handler never learns that this exists.

It sits inside the app's entry point: the `before_send` hooks (the security headers) and the access
log see its answers as the app's. What the app's configuration does before a handler, it does itself
for these two: the `before_request` hook's NUL check and language choice, the body size limit; the
compression middleware has nothing to do (a kept page is gzipped already, a redirect has no body, the
rating's route is not compressed). `HOT_PATH=false` leaves every request to the app (app.py). A
change to the two handlers' answers belongs here too: tests/portal/test_hotpath.py holds these answers
to the app's own, header for header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from litestar import Litestar, Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.citizen.forms import FormErrors, parse_rating_form
from portal.citizen.routes import BLANK_FORM, blank_form_key, rating_answer
from portal.citizen.submit import Accepted, ThanksPage, citizen_of, submit
from portal.citizen.web import CitizenPortal, kept_page_headers
from portal.kernel.i18n import page_language
from portal.kernel.security import DEVICE_COOKIE, new_device_token

FORM_ROUTE, SUBMIT_ROUTE = "portal:rate", "portal:submit"
# Counter tokens as the app issues them (portal.citizen.service); any other path segment goes to the app.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Headers the two answers depend on; a request repeating one of them goes to the app.
_READ = frozenset(
    (
        b"cookie",
        b"accept-language",
        b"accept-encoding",
        b"content-type",
        b"content-length",
        b"x-forwarded-for",
    )
)
_SLOT = "{token}"  # where a route's path takes the token
_URLENCODED = "application/x-www-form-urlencoded"
_HTML = [(b"content-type", b"text/html; charset=utf-8")]
_REDIRECT = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"0")]


@dataclass(frozen=True)
class _Asked:
    token: str
    headers: dict[str, str]  # the ones read (_READ), by lower-case name
    cookies: dict[str, str]
    language: str  # as the app's before_request hook chooses it, without a query


class HotPath:
    """An ASGI app in front of the Litestar app's own handler (`app.asgi_handler`)."""

    def __init__(self, app: ASGIApp, litestar: Litestar, portal: CitizenPortal, max_body_bytes: int) -> None:
        self.app = app
        self.portal = portal
        self.max_body_bytes = max_body_bytes
        self.answered = 0  # requests answered here rather than by the app (tests, diagnostics)
        prefix, suffix = litestar.route_reverse(FORM_ROUTE, token=_SLOT).split(_SLOT)
        if suffix or litestar.route_reverse(SUBMIT_ROUTE, token=_SLOT) != prefix + _SLOT:
            raise ValueError("the hot path expects the form and the rating at one path: /prefix/{token}")
        self.prefix = prefix
        self.thanks = ThanksPage.of(litestar)
        # What the app's router would put into the scope for the two, for the access log.
        names = {FORM_ROUTE: "GET", SUBMIT_ROUTE: "POST"}
        self.routes = {
            names[handler.name]: (handler, route.path_format)
            for route in litestar.routes
            for handler in getattr(route, "route_handlers", ())
            if handler.name in names
        }
        self.kept_headers = {
            gzipped: [(k.lower().encode(), v.encode()) for k, v in kept_page_headers(gzipped).items()]
            for gzipped in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = self._asked(scope)
        if asked is not None:
            if scope["method"] == "POST":
                await self._rating(scope, receive, send, asked)
                return
            if await self._form(scope, send, asked):
                return
        await self.app(scope, receive, send)

    def _asked(self, scope: Scope) -> _Asked | None:
        """The request as the two answers read it; None for a request the app answers."""
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] not in self.routes
            or not path.startswith(self.prefix)
            or scope.get("query_string")
            or scope.get("root_path")
            or not _TOKEN.fullmatch(path, len(self.prefix))
        ):
            return None
        headers = _read_headers(scope["headers"])
        cookies = _cookies(headers.get("cookie", "")) if headers is not None else None
        if headers is None or cookies is None:
            return None
        language = page_language({}, cookies, headers, self.portal.settings.default_language)
        return _Asked(path[len(self.prefix) :], headers, cookies, language)

    def _answering(self, scope: Scope) -> None:
        """What the app's router would have put into the scope, for the access log."""
        scope["route_handler"], scope["path_template"] = self.routes[scope["method"]]
        self.answered += 1

    async def _form(self, scope: Scope, send: Send, asked: _Asked) -> bool:
        """A poster scan from the kept pages; False when either page is not kept (the app reads and
        renders it, and keeps it for the next scans)."""
        portal = self.portal
        now = portal.clock()
        page = portal.counter_pages.get(asked.token, now)
        if page is None or portal.rendered is None:
            return False
        gzipped = "gzip" in asked.headers.get("accept-encoding", "")
        key = (BLANK_FORM, asked.language, blank_form_key(page, portal))
        form_token = portal.signer.sign(page.counter_id, now.timestamp(), None)
        body = portal.rendered.kept(key, form_token, gzipped)
        if body is None:
            return False
        answer = [*self.kept_headers[gzipped], *_HTML, (b"content-length", str(len(body)).encode())]
        if not asked.cookies.get(DEVICE_COOKIE):
            answer.append(portal.cookie(DEVICE_COOKIE, new_device_token()).to_encoded_header())
        self._answering(scope)
        await send({"type": "http.response.start", "status": 200, "headers": answer})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return True

    async def _rating(self, scope: Scope, receive: Receive, send: Send, asked: _Asked) -> None:
        """A rating that parses: submitted and answered here; any other goes to the app untouched."""
        portal, headers = self.portal, asked.headers
        content_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        declared = headers.get("content-length", "0")
        if content_type != _URLENCODED or not declared.isdigit() or int(declared) > self.max_body_bytes:
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive, self.max_body_bytes)
        if body is None:  # the client is gone
            return
        replay = _replay(body, more, receive)
        if more or b"\x00" in body or b"%00" in body:
            await self.app(scope, replay, send)
            return
        data = _form_data(body)
        try:
            rating = parse_rating_form(data) if data is not None else None
        except FormErrors:
            rating = None
        if data is None or rating is None:
            await self.app(scope, replay, send)
            return
        peer = scope["client"][0] if scope.get("client") else None
        citizen = citizen_of(portal.settings, asked.cookies, headers, peer, asked.language)
        outcome = await submit(portal, self.thanks, asked.token, rating, citizen)
        self._answering(scope)
        if not isinstance(outcome, Accepted):
            # The handler's page for it, as the app would send it (the language as its
            # before_request hook sets it).
            request = Request(scope, replay)
            request.state.language = asked.language
            response = await rating_answer(request, portal, asked.token, data, outcome)
            await response.to_asgi_response(app=None, request=request)(scope, replay, send)
            return
        answer = [(b"location", outcome.location.encode()), *_REDIRECT]
        await send({"type": "http.response.start", "status": 303, "headers": answer})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _read_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str] | None:
    """The headers the answers read, decoded as Litestar does (latin-1); None if one is repeated."""
    headers: dict[str, str] = {}
    for name, value in raw:
        name = name.lower()
        if name in _READ:
            key = name.decode("latin-1")
            if key in headers:
                return None
            headers[key] = value.decode("latin-1")
    return headers


def _cookies(header: str) -> dict[str, str] | None:
    """The cookies, as Litestar reads them (the last of a name counts); None if a value holds what
    Litestar would unquote (the app reads those)."""
    cookies = {}
    for part in header.split(";"):
        name, equals, value = part.partition("=")
        if equals:
            cookies[name.strip()] = value.strip()
    return None if any(c in value for value in cookies.values() for c in '"\\%') else cookies


async def _read_body(receive: Receive, limit: int) -> tuple[bytes | None, bool]:
    """The request body, stopped after `limit` bytes (then with more_body=True); None if the client left."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if not more or size > limit:
            return b"".join(chunks), more


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """`receive` for the app: the body read so far, then whatever is left of the request."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": more}

    return replay


def _form_data(body: bytes) -> dict[str, str] | None:
    """The form as Litestar's urlencoded parser gives it; None if a field is repeated (the app
    reads those as lists)."""
    fields = parse_qsl(body.decode("latin-1"), keep_blank_values=True, separator="&")
    data = dict(fields)
    return data if len(data) == len(fields) else None
