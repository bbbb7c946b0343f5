"""What the browser tests share: the live server's handle, signing in, filling the citizen form, and
axe-core checks."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.db import make_sessionmaker
from portal.models import Counter, Rating, Unit
from portal.settings import Settings

SKM = [f"u{i}" for i in range(1, 10)]
KIOSK_STEP_SECONDS = 10  # the smallest step the settings accept: the kiosk test waits for one change
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "id-ID"}


def run_cli(env: dict[str, str], *args: str) -> str:
    """`rating-portal ARGS` through the command line's own entry point (`app.main`, what the console
    script calls), in this process with the server's environment: a process per command would spend
    2-3 s on imports each. Returns what the command printed."""
    from app import main

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        for name, value in env.items():
            patch.setenv(name, value)
        code = main(list(args))
    assert code == 0, f"rating-portal {' '.join(args)} exited with {code}:\n{printed.getvalue()}"
    return printed.getvalue()


@dataclass
class LiveServer:
    """The running server, its database and the demo personas' passwords."""

    base_url: str
    settings: Settings
    env: dict[str, str]
    passwords: dict[str, str]
    today: date  # in the demo city's time zone, as the demo data was generated
    engine: Engine
    app: Any  # the same app built in-process, only to turn route names into paths
    log: Path
    _sessions: Any = field(default=None, repr=False)

    def path(self, name: str, **params: Any) -> str:
        return self.app.route_reverse(name, **params)

    def url(self, name: str, **params: Any) -> str:
        return self.base_url + self.path(name, **params)

    @contextlib.contextmanager
    def db(self) -> Iterator[Session]:
        """A session beside the server's, to arrange data and check what was stored."""
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
        with self._sessions() as session:
            yield session

    def counter(self, unit_code: str = "DUKCAPIL", index: int = 0) -> Counter:
        with self.db() as db:
            counters = db.scalars(
                select(Counter)
                .join(Unit, Unit.id == Counter.unit_id)
                .where(Unit.code == unit_code, Counter.active.is_(True))
                .order_by(Counter.id)
            ).all()
            return counters[index]


def sign_in(page: Any, live: LiveServer, username: str, start: str = "/admin") -> None:
    """Signs in through the real form, starting where the person would."""
    page.goto(start)
    if "/admin/login" not in page.url:
        page.goto(live.path("staff:login"))
    page.fill("#username", username)
    page.fill("#password", live.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/admin/login" not in page.url, f"sign-in as {username} failed: {page.url}"


def axe_violations(page: Any, axe_source: str) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line per node."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)  # evaluated through the DevTools protocol: no CSP exception needed
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node}"
        for v in result
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"][:5]
    ]


def check_axe(page: Any, axe_source: str) -> None:
    problems = axe_violations(page, axe_source)
    assert not problems, f"axe-core on {page.url}:\n" + "\n".join(problems)


def latest_rating(live: LiveServer) -> Rating:
    with live.db() as db:
        return db.scalars(select(Rating).order_by(Rating.id.desc()).limit(1)).one()


def fill_rating(
    page: Any, overall: int, details: dict[str, int] | None = None, comment: str = "", touch: bool = False
) -> None:
    """A citizen's taps on the open rating form: one face, optionally the nine questions and a comment."""
    face = page.locator(f"label.face-{overall}")
    face.tap() if touch else face.click()
    if details:
        summary = page.locator("details:not(.reply) > summary")
        summary.tap() if touch else summary.click()
        for element, answer in details.items():
            option = page.locator(f"label:has(#{element}-{answer})")
            option.tap() if touch else option.click()
    if comment:
        page.fill("#comment", comment)


def submit(page: Any, button: str = "#submit") -> None:
    with page.expect_navigation():
        page.locator(button).click()
