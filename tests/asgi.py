"""A request straight to an ASGI app, without a server (tests/portal/test_hotpath.py,
bench/citizen_cost.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


async def asgi_call(
    app: Any,
    method: str,
    path: str,
    headers: Sequence[tuple[bytes, bytes]] = (),
    pieces: Sequence[bytes] = (b"",),
    client: str = "127.0.0.1",
) -> list[dict]:
    """The messages the app sends for one request; its body arrives in `pieces`, without a
    Content-Length unless `headers` has one (as a server hands over a chunked upload)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8000),
    }
    last = len(pieces) - 1
    messages = [{"type": "http.request", "body": p, "more_body": i < last} for i, p in enumerate(pieces)]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent
