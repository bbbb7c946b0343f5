"""Staff members read their own writes while the staff pages read from the hot standby
(portal.kernel.replica).

After every POST (any unsafe method) in the staff area, `ReadYourWrites` asks the primary for its WAL
position, which is past the request's committed transaction, and keeps it in a signed cookie. The
staff `reads` dependency reads it back: the browser's next pages come from the primary until the
standby has replayed that far, then from the standby again. Signed so that nobody sends every read
of theirs to the primary with a made-up position; tied to no person, it names nothing but a WAL
position. Nothing is done when no standby is set.
"""

from __future__ import annotations

import logging

import anyio
from itsdangerous import BadSignature, Signer
from litestar import Request
from litestar.datastructures import Cookie
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import SQLAlchemyError

from portal.kernel.replica import ReadReplica, reads_provider
from portal.kernel.settings import Settings
from portal.kernel.web import Portal
from staff_admin.cookies import staff_cookies

WROTE = "rp_wrote"  # the primary's WAL position after this browser's last write
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger("staff_admin.replica")


def _signer(settings: Settings) -> Signer:
    return Signer(settings.secret_key, salt="rp-wrote-lsn")


def wrote_lsn(request: Request) -> int | None:
    """The WAL position of this browser's last write, when its cookie is ours."""
    settings: Settings = request.app.state.portal.settings
    token = staff_cookies(settings).read(request.cookies, WROTE)
    if token is None:
        return None
    try:
        return int(_signer(settings).unsign(token))
    except (BadSignature, ValueError):
        return None


def wrote_cookie(settings: Settings, replica: ReadReplica) -> Cookie | None:
    try:
        position = replica.primary_lsn()
    except SQLAlchemyError as error:  # the write is done; its page is sent without the cookie
        log.warning("no WAL position after a write (%s)", type(error).__name__)
        return None
    value = _signer(settings).sign(str(position)).decode()
    # Lives as long as a session can: a standby behind by more reads from the primary anyway.
    return staff_cookies(settings).make(WROTE, value, max_age=settings.staff_session_max_seconds)


class ReadYourWrites:
    """ASGI middleware of the staff area: the WAL-position cookie on the answer to every unsafe request,
    asked for when the answer starts, after the handler has committed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        portal: Portal = scope["litestar_app"].state.portal
        replica = portal.replica
        if replica is None or scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await anyio.to_thread.run_sync(wrote_cookie, portal.settings, replica)
                if cookie is not None:
                    headers = [*message.get("headers", ()), cookie.to_encoded_header()]
                    message = {**message, "headers": headers}  # type: ignore[typeddict-item]
            await send(message)

        await self.app(scope, receive, sending)


# The staff area's `reads` dependency: routed, and knowing this browser's last write.
provide_staff_reads = reads_provider(wrote_lsn)
