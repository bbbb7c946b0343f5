"""Request plumbing shared by every package's handlers: dependencies, language, rendering."""

from __future__ import annotations

import re
import secrets
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie, State
from litestar.enums import MediaType
from litestar.middleware.compression import CompressionMiddleware
from litestar.response import Template
from litestar.types import Message, Scope, Send
from markupsafe import escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal.citizen.kept_pages import CounterPages
from portal.citizen.service import Clock
from portal.citizen.writer import RatingIntake
from portal.kernel.hardening import refuse_malformed_requests, secure_cookies
from portal.kernel.i18n import choose_language, switch_query
from portal.kernel.security import FormSigner
from portal.kernel.settings import LANGUAGES, Settings

LANGUAGE_COOKIE = "rp_lang"
# A handler's opt key: its answers are not compressed. The rating POST: mostly a bare redirect, and a
# form shown again is within the citizen page budget uncompressed (tests/portal/test_page_weight.py).
NO_COMPRESSION = "no_compression"
GZIP_LEVEL = 6  # citizen pages (app.py's compression config and the kept form)
ONE_YEAR = 365 * 24 * 3600
# The scope state key of a rating that the hot path submitted and leaves the app to answer (a refusal,
# a throttle): its outcome, so the handler does not submit it a second time.
SUBMITTED = "portal.hotpath:submitted"


class RenderedPages:
    """Pages rendered once and served many times, with at most one per-request value put in: the
    error-free rating form of a counter, whose only per-request value is its signed form token, and
    the thank-you page after a rating.

    The key is everything else that went into the page (language, the counter page as looked up for
    this request: names, officer on duty, opening state; the form's action, settings shown), so a
    changed roster, name or token gives another key, never a stale page; nothing of the citizen's is
    in the cached text. Bounded (least recently used entries go first); safe across worker threads.

    A page is kept gzip-compressed too (`_KeptPage`): a phone that accepts gzip gets it without the
    page being compressed again for every citizen, which cost more than the rest of the form's GET
    (bench/citizen_cost.py, docs/performance.md).
    """

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        # Put where the per-request value goes: random, so no counter name or message can contain it.
        self.placeholder = "rp-slot-" + secrets.token_hex(16)
        self._pages: OrderedDict[Hashable, _KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def page(
        self, key: Hashable, render_page: Callable[[str], str], value: str | None, gzipped: bool = False
    ) -> bytes:
        """The page for `key` with `value` (HTML-escaped) where `render_page(placeholder)` put the
        placeholder (None: a page without one), as UTF-8 or as a gzip stream; renders on a miss."""
        page = self.kept(key, value, gzipped)
        if page is not None:
            return page
        before, *after = render_page(self.placeholder).split(self.placeholder)
        if len(after) != (value is not None):
            raise ValueError("the page must show the per-request value exactly once, if it has one")
        kept = _KeptPage.of(before.encode(), after[0].encode() if after else b"")
        with self._lock:
            self._pages[key] = kept
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return kept.filled(value, gzipped)

    def kept(self, key: Hashable, value: str | None, gzipped: bool = False) -> bytes | None:
        """`page(...)` if the page for `key` is kept, else None."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            self._pages.move_to_end(key)
        return kept.filled(value, gzipped)

    def __len__(self) -> int:
        return len(self._pages)


# A gzip member's header: deflate, no name or time, unknown OS (RFC 1952, 2.3).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@dataclass(frozen=True)
class _KeptPage:
    """A page around its slot, also as the deflate data of the two parts: `before` compressed up to a
    flush, which leaves the stream at a byte boundary, and `after` compressed on its own as the
    stream's last blocks. A request's gzip stream is the header, those two with the slot between them
    as a stored (uncompressed) block, and the trailer (RFC 1951 3.2.4, RFC 1952 2.3.1): one
    compression per page, not per citizen, and the form token is never compressed with the page."""

    before: bytes
    after: bytes
    deflated_before: bytes
    deflated_after: bytes
    crc_before: int

    @classmethod
    def of(cls, before: bytes, after: bytes) -> _KeptPage:
        head = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        tail = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(
            before=before,
            after=after,
            deflated_before=head.compress(before) + head.flush(zlib.Z_SYNC_FLUSH),
            deflated_after=tail.compress(after) + tail.flush(zlib.Z_FINISH),
            crc_before=zlib.crc32(before),
        )

    def filled(self, value: str | None, gzipped: bool) -> bytes:
        """The page with `value` (HTML-escaped) in its slot, as UTF-8 or as a gzip stream."""
        slot = b"" if value is None else str(escape(value)).encode()
        return self.gzipped(slot) if gzipped else self.before + slot + self.after

    def gzipped(self, slot: bytes) -> bytes:
        if len(slot) > 0xFFFF:
            raise ValueError("a slot value must fit one stored block")
        stored = b"\x00" + struct.pack("<HH", len(slot), len(slot) ^ 0xFFFF) + slot  # not the last block
        crc = zlib.crc32(self.after, zlib.crc32(slot, self.crc_before))
        size = len(self.before) + len(slot) + len(self.after)
        trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
        return b"".join((_GZIP_HEADER, self.deflated_before, stored, self.deflated_after, trailer))


@dataclass(frozen=True)
class Portal:
    """Everything a handler needs besides the request and the database session."""

    settings: Settings
    clock: Clock
    signer: FormSigner
    engine: Engine
    sessions: sessionmaker
    intake: RatingIntake
    counter_pages: CounterPages = field(compare=False)
    # None: every page rendered afresh (development, so template edits show at once)
    rendered: RenderedPages | None = field(default=None, compare=False)

    def cookie(self, key: str, value: str, max_age: int = ONE_YEAR, http_only: bool = True) -> Cookie:
        return PreparedCookie(
            key=key,
            value=value,
            max_age=max_age,
            httponly=http_only,
            samesite="lax",
            secure=secure_cookies(self.settings),
            path="/",
        )


# A value that Set-Cookie carries as it is (SimpleCookie would quote anything else).
_PLAIN_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]+")


class PreparedCookie(Cookie):
    """A cookie whose Set-Cookie text is Litestar's own, made once per set of attributes: encoding
    it anew through the standard library's SimpleCookie cost 15 times as much (bench/citizen_cost.py)."""

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        if self.expires is not None or not _PLAIN_COOKIE_VALUE.fullmatch(self.value or ""):
            return super().to_encoded_header()  # an expiry date is written at the moment of sending
        attributes = (self.path, self.domain, self.max_age, self.secure, self.httponly, self.samesite)
        before, after = _set_cookie_around_value(self.key, attributes)
        return b"set-cookie", f"{before}{self.value}{after}".encode("latin-1")


@lru_cache(maxsize=64)
def _set_cookie_around_value(key: str, attributes: tuple[Any, ...]) -> tuple[str, str]:
    names = ("path", "domain", "max_age", "secure", "httponly", "samesite")
    placeholder = "rp-cookie-value"
    cookie = Cookie(key=key, value=placeholder, **dict(zip(names, attributes, strict=True)))
    before, after = cookie.to_encoded_header()[1].decode("latin-1").split(placeholder)
    return before, after


def portal_provider(portal: Portal) -> Callable[[], Portal]:
    """The `portal` dependency: the app's one Portal, given without reading anything of the request
    (a provider with parameters has them parsed on every request)."""

    def provide_portal() -> Portal:
        return portal

    return provide_portal


async def provide_db(state: State) -> AsyncGenerator[Session, None]:
    """One session per request, closed on the event loop.

    Async on purpose: Litestar runs a sync generator's cleanup in the worker-thread pool, so under load
    every pool thread could wait for a connection that only a queued cleanup would give back (deadlock).
    """
    session: Session = state.portal.sessions()
    try:
        yield session
    finally:
        session.close()


async def prepare_request(request: Request) -> None:
    """The app's `before_request` hook (Litestar keeps the nearest layer's one only): refuses a
    malformed request, then settles the page's language."""
    await refuse_malformed_requests(request)
    set_request_language(request)


def set_request_language(request: Request) -> None:
    """Every page knows its language before it renders."""
    settings: Settings = request.app.state.portal.settings
    request.state.language = choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
        settings.default_language,
    )


def render(
    request: Request,
    template_name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    """A page in the request's language; an explicit ?lang= switch is remembered in a cookie."""
    return Template(
        template_name=template_name,
        context={
            "lang": request.state.language,
            "language_query": switch_query(request.query_params.multi_items()),
            **(context or {}),
        },
        status_code=status_code,
        cookies=_with_language_cookie(request, cookies),
        headers={"Cache-Control": "no-store"},
    )


def render_kept(
    request: Request,
    template_name: str,
    context: Callable[[], Mapping[str, Any]],
    key: Hashable,
    slot: tuple[str, str] | None = None,
    cookies: list[Cookie] | None = None,
) -> Response:
    """`render(...)` of a page whose context differs between requests at most in one `slot` (name,
    value), from the portal's rendered pages: the same page and headers as `render` (gzipped when
    asked for), rendered once per `key` and language. The key must hold everything that
    `context()`, called only to render, depends on. Without rendered pages (development), `render`
    itself."""
    rendered: RenderedPages | None = request.app.state.portal.rendered
    name, value = slot or (None, None)
    if rendered is None:
        return render(
            request, template_name, {**context(), **({name: value} if name else {})}, cookies=cookies
        )

    def render_page(placeholder: str) -> str:
        # The page is everyone's: its language switch keeps nothing of this request's query.
        filled = {name: placeholder} if name else {}
        page = render(request, template_name, {**context(), **filled, "language_query": ""})
        template = request.app.template_engine.get_template(template_name)
        return template.render(**page.create_template_context(request))

    # Litestar's compression middleware asks the same of the header; it lets this answer through
    # as it is (PassEncoded).
    gzipped = "gzip" in request.headers.get("accept-encoding", "")
    return Response(
        rendered.page((template_name, request.state.language, key), render_page, value, gzipped),
        media_type=MediaType.HTML,
        cookies=_with_language_cookie(request, cookies),
        headers=kept_page_headers(gzipped),
    )


def kept_page_headers(gzipped: bool) -> dict[str, str]:
    """A kept page's own headers (`render_kept`, portal.citizen.hotpath)."""
    headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    return (headers | {"Content-Encoding": "gzip"}) if gzipped else headers


class PassEncoded(CompressionMiddleware):
    """Litestar's compression middleware, but an answer that is already encoded (a kept page,
    gzipped once per page) is sent as it is, without a compressor set up for it, instead of being
    compressed a second time."""

    def create_compression_send_wrapper(self, send: Send, compression_encoding: Any, scope: Scope) -> Send:
        compressing = super().create_compression_send_wrapper
        target: Send | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal target
            if message["type"] == "http.response.start":
                headers = message["headers"]
                encoded = any(name.lower() == b"content-encoding" for name, _ in headers)
                target = send if encoded else compressing(send, compression_encoding, scope)
            await (target or send)(message)

        return send_wrapper


def _with_language_cookie(request: Request, cookies: list[Cookie] | None) -> list[Cookie]:
    cookies = list(cookies or [])
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
        cookies.append(request.app.state.portal.cookie(LANGUAGE_COOKIE, chosen))
    return cookies
