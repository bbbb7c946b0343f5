"""Request plumbing shared by every package's handlers: dependencies, language, rendering."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, State
from litestar.response import Template
from sqlalchemy.orm import Session, sessionmaker

from portal.hardening import secure_cookies
from portal.i18n import choose_language
from portal.security import FormSigner
from portal.service import Clock
from portal.settings import LANGUAGES, Settings

LANGUAGE_COOKIE = "rp_lang"
ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Portal:
    """Everything a handler needs besides the request and the database session."""

    settings: Settings
    clock: Clock
    signer: FormSigner
    sessions: sessionmaker

    def cookie(self, key: str, value: str, max_age: int = ONE_YEAR, http_only: bool = True) -> Cookie:
        return Cookie(
            key=key,
            value=value,
            max_age=max_age,
            httponly=http_only,
            samesite="lax",
            secure=secure_cookies(self.settings),
            path="/",
        )


def provide_portal(state: State) -> Portal:
    return state.portal


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


async def set_request_language(request: Request) -> None:
    """before_request hook: every page knows its language before it renders."""
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
    cookies = list(cookies or [])
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
        cookies.append(request.app.state.portal.cookie(LANGUAGE_COOKIE, chosen))
    return Template(
        template_name=template_name,
        context={"lang": request.state.language, **(context or {})},
        status_code=status_code,
        cookies=cookies,
        headers={"Cache-Control": "no-store"},
    )
