"""How uvicorn serves the app: the one place for server-level settings shared by `serve` and benches."""

from __future__ import annotations

import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """HTTP/1.1 with Nagle's algorithm off on every connection.

    With `--workers N`, uvicorn binds the listener itself with `proto=0`, so asyncio skips
    TCP_NODELAY on accepted connections and every keep-alive answer after the first waits ~40 ms for
    the client's delayed ACK (Kludex/uvicorn#3149, open). One worker is unaffected; setting the
    option again there costs one system call per connection.
    """

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP_PROTOCOL = f"{__name__}:NoDelayH11Protocol"
