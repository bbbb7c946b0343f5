"""Browser tests: headless Chromium (Debian's `chromium`, driven by Playwright) against the real server.

The server is the production one, `uvicorn app:create_app --factory`, started once for this package on a
free loopback port, on a fresh SQLite database that the real command line migrates and fills with the
demo city (`rating-portal db upgrade`, `demo-data`, `demo-users`, `demo-casework`). One browser serves
every test; each test opens its own browser contexts (a phone, a staff desk), so cookies never leak
between tests.

SQLite only, on purpose: these tests check what a person sees and does in a browser, not the database;
every database behaviour is tested on SQLite and PostgreSQL by the HTTP tests beside this folder.

Without Chromium (or Playwright, or axe-core from `npm ci --prefix tests/e2e`) the tests are skipped,
unless REQUIRE_BROWSER is set (as `.ci/run` does): then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    KIOSK_STEP_SECONDS,
    PHONE,
    LiveServer,
    demo_server,
)


def _missing(what: str) -> None:
    message = f"browser tests need {what}"
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{message} (REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(message)


# Package scope: started once for all browser tests and stopped as soon as the last one is done,
# rather than idling until the rest of the suite has run. Under pytest-xdist every browser test runs on
# the same worker (tests/parallel.py), else each worker would start its own.
@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("e2e"), KIOSK_STEP_SECONDS=str(KIOSK_STEP_SECONDS)) as server:
        yield server
        errors = server.logged_errors()
    assert not errors, f"the server logged errors:\n{errors}"


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright's Python package (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def axe_source() -> str:
    if not AXE_JS.exists():
        _missing(f"axe-core in {AXE_JS.parent} (npm ci --prefix tests/e2e)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def new_context(browser: Any, live: LiveServer) -> Iterator[Any]:
    """Opens browser contexts (a fresh profile each: no cookies) and closes them after the test."""
    opened = []

    def open_context(**options: Any) -> Any:
        context = browser.new_context(base_url=live.base_url, **options)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def phone(new_context: Any) -> Any:
    """A citizen's phone: 360 x 740, touch, a new device (no cookies)."""
    return new_context(**PHONE).new_page()


@pytest.fixture
def desk(new_context: Any) -> Any:
    """A staff member's desktop browser."""
    return new_context(viewport={"width": 1280, "height": 900}).new_page()
