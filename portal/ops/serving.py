"""How uvicorn serves the app: the one place for server-level settings shared by `serve` and benches.

httptools (a C HTTP parser) and uvloop (an event loop on libuv) take less CPU per request than h11
and asyncio; see docs/performance.md for the measured difference.
"""

from __future__ import annotations

import gc
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _NagleOff:
    """Nagle's algorithm off on every connection.

    With `--workers N`, uvicorn binds the listener itself with `proto=0`, so asyncio skips
    TCP_NODELAY on accepted connections and every keep-alive answer after the first waits ~40 ms for
    the client's delayed ACK (Kludex/uvicorn#3149, open). One worker is unaffected; setting the
    option again there costs one system call per connection.
    """

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[misc]


class NoDelayH11Protocol(_NagleOff, H11Protocol):
    """h11 (pure Python) with Nagle off."""


class NoDelayHttpToolsProtocol(_NagleOff, HttpToolsProtocol):
    """httptools with Nagle off: what `serve` uses."""


HTTP_PROTOCOL = f"{__name__}:NoDelayHttpToolsProtocol"
EVENT_LOOP = "uvloop"


# Collections of the youngest generation start after this many new container objects (CPython's
# default is 700): a request allocates a few thousand, so the default collects several times a request.
GEN0_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """A production worker's collector, set once its app has started (docs/performance.md): what
    start-up made stays for the life of the process, so it is frozen out of every later collection
    (`gc.freeze`, as CPython's documentation suggests for servers), and the young generation is
    collected less often. Reference counting still frees everything that is not in a cycle at once."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, middle, oldest)
