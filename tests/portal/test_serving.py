"""The server settings `rating-portal serve` runs with."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import socket

import pytest
from litestar.testing import TestClient
from uvicorn.config import Config
from uvicorn.server import ServerState

from app import create_app
from portal.kernel.settings import Settings
from portal.ops.serving import GEN0_THRESHOLD, NoDelayH11Protocol, NoDelayHttpToolsProtocol


async def _accepted_connection_nodelay(protocol: type) -> int:
    """Accepts one connection on a listener bound the way uvicorn's --workers supervisor binds it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as in Config.bind_socket
    listener.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[int] = loop.create_future()

    class Probe(protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    config = Config(app=lambda scope, receive, send: None)
    server = await loop.create_server(lambda: Probe(config, ServerState(), {}), sock=listener)
    async with server:
        _, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await asyncio.wait_for(accepted, 5)
        finally:
            writer.close()
            await writer.wait_closed()


@pytest.mark.parametrize("protocol", [NoDelayHttpToolsProtocol, NoDelayH11Protocol])
def test_it_turns_nagle_off_on_connections_of_a_pre_bound_listener(protocol: type):
    # Without it, every keep-alive answer of a multi-worker server waits ~40 ms for a delayed ACK.
    assert asyncio.run(_accepted_connection_nodelay(protocol)) != 0


def test_it_tunes_the_garbage_collector_of_a_production_worker_only(settings: Settings) -> None:
    default = gc.get_threshold()
    with TestClient(create_app(dataclasses.replace(settings, env="development"))):
        assert gc.get_threshold() == default and gc.get_freeze_count() == 0
    with TestClient(create_app(dataclasses.replace(settings, env="production"))):
        assert gc.get_threshold() == (GEN0_THRESHOLD, *default[1:])
        assert gc.get_freeze_count() > 0  # what start-up made is out of every later collection
