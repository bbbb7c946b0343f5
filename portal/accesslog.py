"""Structured access and error logs without personal data: one JSON object per line on standard error.

Access lines: `{"time", "log": "access", "method", "route", "name", "status", "duration_ms", "pid"}`.
`route` is the matched path template (`/r/{token:str}`), never the raw path, which carries counter,
ticket and kiosk tokens; null when no route matched (a 404 of the router). No client address, no
cookies, no query string, no headers: uvicorn's own access log stays off for the same reason.

Error lines (loggers `portal`, `staff_admin`, `scoring`; WARNING and above):
`{"time", "log": "error", "level", "logger", "message", "exception", "traceback", "pid"}`. Database
errors carry no bound values (engines are made with `hide_parameters=True`), so a comment or a hash
never reaches the log through a failed statement.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from datetime import UTC, datetime

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = logging.getLogger("portal.access")
ERROR_LOGGERS = ("portal", "staff_admin", "scoring")
_MARK = "_rating_portal_json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLines(logging.Formatter):
    """Access records as they are; anything else as an error line with its exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = getattr(record, "access", None)
        if entry is not None:
            return json.dumps({"time": _now(), "log": "access", **entry, "pid": os.getpid()})
        line = {
            "time": _now(),
            "log": "error",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["exception"] = type(error).__name__
            line["traceback"] = "".join(traceback.format_exception(error))
        return json.dumps(line, default=str)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(access: bool = True) -> None:
    """JSON lines for the access log and the app's warnings and errors; idempotent per process."""
    targets = [(name, logging.WARNING) for name in ERROR_LOGGERS]
    if access:
        targets.append((ACCESS.name, logging.INFO))
    for name, level in targets:
        logger = logging.getLogger(name)
        if not any(getattr(h, _MARK, False) for h in logger.handlers):
            handler = _Stderr()
            handler.setFormatter(JsonLines())
            handler.setLevel(level)
            setattr(handler, _MARK, True)
            logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
    # The access log has its own handler; the error loggers still propagate (test capture, operators'
    # own handlers on the root logger) but the access lines do not go twice.
    ACCESS.propagate = False


class AccessLog:
    """ASGI wrapper around the whole app (router 404s included): one access line per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except BaseException:
            status = status or 500
            raise
        finally:
            handler = scope.get("route_handler")
            ACCESS.info(
                "request",
                extra={
                    "access": {
                        "method": scope.get("method"),
                        "route": scope.get("path_template") or None,
                        "name": getattr(handler, "name", None),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )


def install(app: Litestar, access: bool = True) -> Litestar:
    """Turns the logs on for this process and wraps the app's ASGI handler (inside Litestar's own
    entry point, so every request passes, matched or not)."""
    configure_logging(access)
    if access:
        app.asgi_handler = AccessLog(app.asgi_handler)
    return app
