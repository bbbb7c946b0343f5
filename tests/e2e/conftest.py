"""Browser tests: headless Chromium (Debian's `chromium`, driven by Playwright) against the real server.

The server is the production one, `uvicorn app:create_app --factory`, started once for this package on a
free loopback port, on a fresh SQLite database that the real command line migrates and fills with the
demo city (`rating-portal db upgrade`, `demo-data`, `demo-users`, `score`). One browser serves every test;
each test opens its own browser contexts (a phone, a staff desk), so cookies never leak between tests.

SQLite only, on purpose: these tests check what a person sees and does in a browser, not the database;
every database behaviour is tested on SQLite and PostgreSQL by the HTTP tests beside this folder.

Without Chromium (or Playwright, or axe-core from `npm ci --prefix tests/e2e`) the tests are skipped,
unless REQUIRE_BROWSER is set (as `.ci/run` does): then they fail.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.db import make_engine
from portal.settings import REPO_ROOT, Settings
from tests.e2e.browser import KIOSK_STEP_SECONDS, PHONE, LiveServer, run_cli

E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET = "e2e-secret-key-that-is-long-enough-0123456789"
TIMEZONE = "Asia/Jakarta"  # the demo city's counters


def _missing(what: str) -> None:
    message = f"browser tests need {what}"
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{message} (REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(message)


def month(day: date) -> str:
    return f"{day:%Y-%m}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the server did not answer {url} within {timeout} s:\n{log.read_text()}", pytrace=False)


# Package scope: started once for all browser tests and stopped as soon as the last one is done,
# rather than idling until the rest of the suite has run.
@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from app import create_app

    var = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": f"sqlite:///{var / 'portal.db'}",
        "SECRET_KEY": SECRET,
        "VAR_DIR": str(var),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "BASE_URL": base_url,
        "KIOSK_STEP_SECONDS": str(KIOSK_STEP_SECONDS),
    }
    today = datetime.now(ZoneInfo(TIMEZONE)).date()
    run_cli(env, "db", "upgrade")
    # The server starts (its imports take a while) while the demo data goes in: it reads nothing
    # before the first request, and the first request waits for the data below.
    log = var / "server.log"
    uvicorn = ["-m", "uvicorn", "app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, *uvicorn, "--no-access-log"],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        run_cli(env, "demo-data")
        logins = run_cli(env, "demo-users")
        # The demo's attacks lie 10 to 70 days back: score those months so the review queue has incidents.
        run_cli(env, "score", "--period", f"{month(today - timedelta(days=75))}..{month(today)}")
    except BaseException:
        server.kill()
        raise
    passwords = dict(re.findall(r"^\s+\S+\s+(\S+)\s+password: (\S+)", logins, re.MULTILINE))
    settings = Settings.from_env(env)
    engine = make_engine(settings.database_url)
    try:
        _wait_until_up(base_url + "/publik", server, log)
        yield LiveServer(base_url, settings, env, passwords, today, engine, create_app(settings), log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        engine.dispose()
    errors = [line for line in log.read_text().splitlines() if "Traceback" in line or " ERROR" in line]
    assert not errors, f"the server logged errors:\n{log.read_text()}"


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
