"""What the browser tests (and the browser scripts in bench/) share: the demo server on loopback, signing
in, filling the citizen form, and axe-core checks."""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.models import Counter, Rating, Unit
from portal.kernel.settings import REPO_ROOT, Settings

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
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
SKM = [f"u{i}" for i in range(1, 10)]
KIOSK_STEP_SECONDS = 10  # the smallest step the settings accept: the kiosk test waits for one change
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "id-ID"}


def run_cli(env: dict[str, str], *args: str) -> str:
    """`rating-portal ARGS` through the command line's own entry point (`app.main`, what the console
    script calls), in this process with the server's environment: a process per command would spend
    2-3 s on imports each. Returns what the command printed."""
    from app import main

    printed, saved = io.StringIO(), dict(os.environ)
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(printed):
            code = main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if code != 0:
        raise RuntimeError(f"rating-portal {' '.join(args)} exited with {code}:\n{printed.getvalue()}")
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

    def scored_period(self) -> int:
        """HR's period (status scored, as if scored on the periods page) for the run `demo_server`
        made: its close page shows the whole summary, with the demo's attacks waiting for review."""
        from scoring.db.models import ScoringRun
        from staff_admin.periods.models import ScoringPeriod

        with self.db() as db:
            closed = select(ScoringPeriod.key).where(ScoringPeriod.status == "closed")  # the demo closes two
            run = db.scalars(
                select(ScoringRun).where(ScoringRun.period_key.not_in(closed)).order_by(ScoringRun.id)
            ).first()
            period = db.scalars(select(ScoringPeriod).where(ScoringPeriod.key == run.period_key)).first()
            if period is None:
                period = ScoringPeriod(
                    key=run.period_key,
                    label=run.period_label,
                    start_date=run.period_start,
                    end_date=run.period_end,
                    status="scored",
                    created_at=run.finished_at,
                    scored_at=run.finished_at,
                    input_hash=run.input_hash,
                    detector_version=run.detector_version,
                )
                db.add(period)
                db.commit()
            return period.id

    def logged_errors(self) -> str:
        """The server's log, if it holds a traceback or an error line; else ''."""
        text = self.log.read_text()
        return text if "Traceback" in text or " ERROR" in text else ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {timeout} s:\n{log.read_text()}")


@contextlib.contextmanager
def demo_server(var: Path, **extra_env: str) -> Iterator[LiveServer]:
    """The production server (`uvicorn app:create_app --factory`) on a free loopback port, on a new
    SQLite database in `var` that the command line migrates and fills with the demo city
    (`rating-portal db upgrade`, `demo-data`, `demo-users`, `demo-casework`, as `make run` does),
    with `rating-portal worker` running the scoring jobs queued from the staff pages.
    `extra_env` adds settings (KIOSK_STEP_SECONDS=...)."""
    from app import create_app

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
        **extra_env,
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
        # and the scoring worker beside it, as `make run` starts it
        worker = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", "--poll-seconds", "0.5"],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    settings = Settings.from_env(env)
    engine = make_engine(settings.database_url)
    try:
        run_cli(env, "demo-data")
        logins = run_cli(env, "demo-users")
        # As `make run`: the last three months and this one scored (the demo's attacks, 10 to 70 days
        # back, give the review queue its incidents), complaint cases and an appeal.
        run_cli(env, "demo-casework")
        passwords = dict(re.findall(r"^\s+\S+\s+(\S+)\s+password: (\S+)", logins, re.MULTILINE))
        _wait_until_up(base_url + "/publik", server, log)
        yield LiveServer(base_url, settings, env, passwords, today, engine, create_app(settings), log)
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        engine.dispose()


def sign_in(page: Any, live: LiveServer, username: str, start: str = "/admin") -> None:
    """Signs in through the real form, starting where the person would."""
    page.goto(start)
    if "/admin/login" not in page.url:
        page.goto(live.path("staff:login"))
    page.fill("#username", username)
    page.fill("#password", live.passwords[username])
    with page.expect_navigation():  # the answer to the POST, not the form it was sent from
        page.click("button[type=submit]")
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
