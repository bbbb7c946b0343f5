"""Structured access and error logs without personal data: one JSON object per line on standard error.

Access lines: `{"time", "log": "access", "method", "route", "name", "status", "duration_ms", "pid"}`.
`route` is the matched path template (`/r/{token:str}`), never the raw path, which carries counter,
ticket and kiosk tokens; null when no route matched (a 404 of the router). No client address, no
cookies, no query string, no headers: uvicorn's own access log stays off for the same reason.
Written as soon as the process has no other request in flight; under load, lines are gathered and
written together (at most 256 lines or one second old), as web servers buffer their access logs: a
write per request cost more than the rest of a small request here. A crashed process can lose the
lines of its last second.

Error lines (every logger, WARNING and above, through a handler on the root logger: the app's
`portal`, `staff_admin`, `scoring`, the libraries', uvicorn's):
`{"time", "log": "error", "level", "logger", "message", "exception", "traceback", "pid"}`, the traceback
inside the line, never as lines of its own. Litestar's logging is off (`logging_config=None` in app.py:
its default printed every logged error a second time, as text); uvicorn writes its own messages as
`"log": "server"` lines through `UVICORN_LOG_CONFIG`, which `serve` passes it. Database errors carry no
bound values (engines are made with `hide_parameters=True`), so a comment or a hash never reaches the
log through a failed statement.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path

import msgspec
from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_ENCODE = msgspec.json.Encoder().encode  # the access line's JSON: 5-10x faster than json.dumps
ERROR_LOGGERS = ("portal", "staff_admin", "scoring")
_MARK = "_rating_portal_json"
# uvicorn's logging as a file of its own (`--log-config`): uvicorn applies it in every worker it starts.
UVICORN_LOG_CONFIG = Path(__file__).with_name("uvicorn_log.json")


class Timestamps:
    """UTC times to the millisecond as the lines carry them (`2026-12-05T21:39:25.123Z`), from
    `time.time_ns()`. The date and time of day are formatted once a second, since an access line is
    written per request: 0.5 us a line against 1.8 us with `datetime` (bench/citizen_cost.py)."""

    def __init__(self) -> None:
        self._second: int | None = None
        self._prefix = ""

    def __call__(self, ns: int | None = None) -> str:
        second, fraction = divmod(time.time_ns() if ns is None else ns, 1_000_000_000)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._prefix}.{fraction // 1_000_000:03d}Z"


class JsonLines(logging.Formatter):
    """A log record as one line, its exception and traceback inside: an error line (WARNING and
    above) or a server line (uvicorn's start and stop)."""

    def __init__(self) -> None:
        super().__init__()
        self._now = Timestamps()  # its handler's lock keeps one line at a time here

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self._now(),
            "log": "error" if record.levelno >= logging.WARNING else "server",
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


class StderrLines(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def json_handler(level: int = logging.WARNING) -> logging.Handler:
    handler = StderrLines()
    handler.setFormatter(JsonLines())
    handler.setLevel(level)
    return handler


def configure_logging() -> None:
    """JSON lines for every warning and error of the process; idempotent per process."""
    root = logging.getLogger()
    if not any(getattr(h, _MARK, False) for h in root.handlers):
        handler = json_handler()
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    for name in ERROR_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.WARNING:
            logger.setLevel(logging.WARNING)


class AccessLog:
    """ASGI wrapper around the whole app (router 404s included): one access line per HTTP request."""

    MAX_LINES = 256
    MAX_AGE_SECONDS = 1.0

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._in_flight = 0
        self._lines: list[str] = []
        self._oldest = 0.0  # perf_counter() of the first line waiting
        self._now = Timestamps()
        # Asked once: a system call per line cost as much as the rest of the line. uvicorn starts
        # its workers as new processes (spawn), each making its own app and access log.
        self._pid = os.getpid()

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

        self._in_flight += 1
        try:
            await self.app(scope, receive, sending)
        except BaseException:
            status = status or 500
            raise
        finally:
            self._in_flight -= 1
            handler = scope.get("route_handler")
            entry = {
                "time": self._now(),
                "log": "access",
                "method": scope.get("method"),
                "route": scope.get("path_template") or None,
                "name": getattr(handler, "name", None),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "pid": self._pid,
            }
            self._add(_ENCODE(entry).decode() + "\n")

    def _add(self, line: str) -> None:
        now = time.perf_counter()
        if not self._lines:
            self._oldest = now
        self._lines.append(line)
        if (
            self._in_flight == 0
            or len(self._lines) >= self.MAX_LINES
            or now - self._oldest >= self.MAX_AGE_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        if self._lines:
            lines, self._lines = "".join(self._lines), []
            sys.stderr.write(lines)  # whatever sys.stderr is at the moment (test runners swap it)
            sys.stderr.flush()


def install(app: Litestar, access: bool = True) -> Litestar:
    """Turns the logs on for this process and wraps the app's ASGI handler (inside Litestar's own
    entry point, so every request passes, matched or not)."""
    configure_logging()
    if access:
        access_log = AccessLog(app.asgi_handler)
        app.asgi_handler = access_log
        app.on_shutdown.append(access_log.flush)
    return app
