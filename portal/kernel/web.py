"""Request plumbing shared by every package's handlers: dependencies, language, rendering."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.datastructures import Cookie, State
from litestar.response import Template
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal.kernel.clock import Clock
from portal.kernel.hardening import refuse_malformed_requests, secure_cookies
from portal.kernel.i18n import LANGUAGE_COOKIE, page_language, switch_query
from portal.kernel.security import FormSigner
from portal.kernel.settings import LANGUAGES, Settings

if TYPE_CHECKING:
    from portal.kernel.replica import ReadReplica

ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Portal:
    """Everything a handler needs besides the request and the database session. The citizen pages'
    handlers get more (portal.citizen.web.CitizenPortal, the one the app is made with)."""

    settings: Settings
    clock: Clock
    signer: FormSigner
    engine: Engine
    sessions: sessionmaker
    # The hot standby of READ_DATABASE_URL (portal.kernel.replica); None: every read on the primary
    replica: ReadReplica | None

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
    request.state.language = request_language(request)


def request_language(request: Request) -> str:
    """The language of the page a request asks for (portal.kernel.i18n.page_language)."""
    settings: Settings = request.app.state.portal.settings
    return page_language(request.query_params, request.cookies, request.headers, settings.default_language)


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
        cookies=with_language_cookie(request, cookies),
        headers={"Cache-Control": "no-store"},
    )


def with_language_cookie(request: Request, cookies: list[Cookie] | None) -> list[Cookie]:
    """`cookies` and, after an explicit ?lang= switch, the cookie that remembers it."""
    cookies = list(cookies or [])
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
        cookies.append(request.app.state.portal.cookie(LANGUAGE_COOKIE, chosen))
    return cookies
