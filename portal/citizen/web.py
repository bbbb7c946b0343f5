"""The citizen pages' own plumbing: the portal their handlers get, pages rendered once and served
many times (gzipped once, too), and the compression that lets those through as they are."""

from __future__ import annotations

import secrets
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Message, Scope, Send
from markupsafe import escape

from portal.citizen.kept_pages import CounterPages
from portal.citizen.writer import RatingIntake
from portal.kernel.web import Portal, render, with_language_cookie

# A handler's opt key: its answers are not compressed. The rating POST: mostly a bare redirect, and a
# form shown again is within the citizen page budget uncompressed (tests/portal/test_page_weight.py).
NO_COMPRESSION = "no_compression"
GZIP_LEVEL = 6  # citizen pages (app.py's compression config and the kept form)


@dataclass(frozen=True)
class CitizenPortal(Portal):
    """The app's Portal, with what the citizen pages need besides: the rating writer, the counter
    pages and the rendered pages kept. Staff handlers see it as a Portal (portal.kernel.web), so
    they do not depend on the rating writer."""

    intake: RatingIntake
    counter_pages: CounterPages = field(compare=False)
    # None: every page rendered afresh (development, so template edits show at once)
    rendered: RenderedPages | None = field(default=None, compare=False)


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
    rendered = request.app.state.portal.rendered
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
        cookies=with_language_cookie(request, cookies),
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
