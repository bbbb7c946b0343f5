"""HEAD answered as GET without a body (RFC 9110, 9.3.2): uptime monitors, link checkers and `curl -I`
ask with HEAD, and Litestar routes a `@get` handler for GET alone (a 405 otherwise).

An ASGI wrapper around the app (inside the access log): the request goes on as a GET, in a copy of
the scope, and the body of the answer is dropped; status and headers, Content-Length included, are
the GET's. The server's own scope keeps saying HEAD, so it sends no body either."""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

# What the router writes into the scope and the access log reads back (portal.ops.accesslog).
_ROUTE_KEYS = ("route_handler", "path_template")


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        as_get: Scope = {**scope, "method": "GET"}  # type: ignore[typeddict-item]

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await self.app(as_get, receive, headers_only)
        finally:
            for key in _ROUTE_KEYS:
                if key in as_get:
                    scope[key] = as_get[key]  # type: ignore[literal-required]
