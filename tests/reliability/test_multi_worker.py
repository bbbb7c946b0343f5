"""Two app processes, one database: throttles, staff sessions, single-use tickets and form
idempotency hold across processes, because they live in the database.

Two servers run side by side on their own ports, as behind a load balancer; the clients here are
that load balancer and send every other request to the other process, each on a new connection.
Concurrent requests are fired at once so both processes race for the same rows. The app's access
log names the process (pid) that answered each request, which proves that both took part.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from portal.citizen import proofs
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.models import Counter, Rating, RatingTicket
from portal.kernel.security import device_hash
from portal.kernel.settings import Settings
from staff_admin.users import create_user
from tests import live_server
from tests.reliability.conftest import BACKENDS, pg_server_or_skip

# Slow; on one pytest-xdist worker (--dist loadgroup): one load on real servers at a time.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CONCURRENT = 10


def health_checks(log: Path) -> int:
    return sum(entry["name"] == "health" for entry in live_server.access_log(log))


@dataclass
class Live:
    url: str
    ports: list[int]  # one per app process
    tokens: list[str]  # of the counters
    counter_ids: list[int]
    api_key: str
    logs: list[Path]

    def served_by(self, name: str) -> set[int]:
        """The process ids that answered requests of a route."""
        self.logged()
        return {e["pid"] for log in self.logs for e in live_server.access_log(log) if e["name"] == name}

    def logged(self, timeout: float = 10) -> None:
        """Returns once every request answered so far is in the logs. A process writes a request's
        line just after the answer went out, and holds lines while a request is in flight: a health
        check's line in a process's log comes after every request that process answered before."""
        for port, log in zip(self.ports, self.logs, strict=True):
            before = health_checks(log)
            assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=timeout).status_code == 200
            deadline = time.monotonic() + timeout
            while health_checks(log) == before:
                assert time.monotonic() < deadline, f"the health check never reached {log.name}"
                time.sleep(0.01)

    def ratings(self, *where) -> int:
        engine = make_engine(self.url)
        with engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(Rating).where(*where)).scalar_one()
        engine.dispose()
        return n


def prepare(url: str, workdir: Path) -> tuple[list[str], list[int], str]:
    """Migrated and seeded: counters with officers on duty, two admin accounts, an API key."""
    live_server.migrate(live_server.portal_env(url, 8000, workdir))
    tokens = live_server.seed(url)
    settings = Settings.from_env({"DATABASE_URL": url, "SECRET_KEY": live_server.SECRET, "APP_ENV": "test"})
    engine, now = make_engine(url), datetime.now(UTC)
    with make_sessionmaker(engine)() as db:
        for username in ("admin", "target"):
            create_user(db, now, username=username, role="admin", password=PASSWORD, display_name=username)
        db.commit()
        counter_ids = [db.scalar(select(Counter.id).where(Counter.public_token == t)) for t in tokens]
        unit_id = db.scalar(select(Counter.unit_id).where(Counter.id == counter_ids[0]))
        key = proofs.create_api_key(db, settings, now, unit_id, "Mesin antrean")
    engine.dispose()
    return tokens, counter_ids, key.secret


def live(backend: str, workdir: Path, **env: str) -> Iterator[Live]:
    server = pg_server_or_skip() if backend == "postgresql" else None
    with live_server.fresh_database(backend, workdir, server) as url:
        tokens, counter_ids, api_key = prepare(url, workdir)
        ports = [live_server.free_port() for _ in range(2)]
        settings = {"SUBMIT_FLOOD_LIMIT_PER_MINUTE": "100000000", "LOGIN_FAILURES_PER_NETWORK": "100000"}
        logs = [workdir / f"server-{i}.log" for i in range(2)]
        processes = [
            live_server.launch(
                live_server.portal_command(port, workers=1),
                live_server.portal_env(url, port, workdir, **(settings | env)),
                log,
            )
            for port, log in zip(ports, logs, strict=True)
        ]
        try:
            for proc, port, log in zip(processes, ports, logs, strict=True):
                live_server.wait_ready(proc, port, "/health", log)
            yield Live(url, ports, tokens, counter_ids, api_key, logs)
        finally:
            for proc in processes:
                live_server.stop_server(proc)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Default throttles (one rating per device and counter in 15 minutes, 5 failed sign-ins per
    account), flood control out of the way: every request comes from 127.0.0.1."""
    yield from live(request.param, tmp_path_factory.mktemp(f"two-workers-{request.param}"))


# --- a browser of our own: a new connection per request, cookies kept by hand ------------------------


class Browser:
    """Sends every other request to the other app process, each on a new connection. Cookies are
    `Secure` in production and httpx would not send them over plain HTTP: they are kept here."""

    turn = 0  # shared by every browser: the load balancer's round robin

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.cookies: dict[str, str] = {}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if "max-age=0" in header.lower() or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def request(self, method: str, path: str, **kwargs) -> Awaitable[httpx.Response]:
        """The process is chosen now, when the request is made, not when it is awaited."""
        Browser.turn += 1
        base = f"http://127.0.0.1:{self.ports[Browser.turn % len(self.ports)]}"
        headers = {"Accept-Language": "id", **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())

        async def send() -> httpx.Response:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:  # one connection
                return self._keep(await client.request(method, path, headers=headers, **kwargs))

        return send()

    async def form(self, path: str) -> str:
        response = await self.request("GET", path)
        assert response.status_code == 200, response.text
        match = FORM_TOKEN.search(response.text)
        assert match, "no rating form"
        return match.group(1)

    async def csrf(self, path: str = "/admin/login") -> str:
        match = CSRF_FIELD.search((await self.request("GET", path)).text)
        assert match, f"no CSRF field on {path}"
        return match.group(1)


def rating(form: str, comment: str) -> dict[str, str]:
    return {"form_token": form, "overall": "4", "comment": comment, "website": ""}


def statuses(responses: list[httpx.Response]) -> dict[int, int]:
    return dict(Tally(r.status_code for r in responses))


async def at_once(*requests) -> list[httpx.Response]:
    return list(await asyncio.gather(*requests))


# --- the citizen side ----------------------------------------------------------------------------------


def test_one_device_rates_a_counter_once_even_with_many_forms_at_once(server: Live) -> None:
    async def scenario() -> tuple[list[httpx.Response], str]:
        phone = Browser(server.ports)
        path = f"/r/{server.tokens[0]}"
        forms = [await phone.form(path) for _ in range(CONCURRENT)]  # one device, ten open tabs
        posts = [phone.request("POST", path, data=rating(f, f"tab {i}")) for i, f in enumerate(forms)]
        return await at_once(*posts), phone.cookies["rp_device"]

    answers, device = asyncio.run(scenario())

    assert statuses(answers) == {303: 1, 200: CONCURRENT - 1}, "one thanks, the rest 'already rated'"
    stored = server.ratings(
        Rating.counter_id == server.counter_ids[0],
        Rating.device_hash == device_hash(live_server.SECRET, device),
    )
    assert stored == 1
    assert len(server.served_by("portal:submit")) == 2


def test_the_same_form_posted_at_once_stores_one_rating(server: Live) -> None:
    async def scenario() -> list[httpx.Response]:
        phone = Browser(server.ports)
        path = f"/r/{server.tokens[1]}"
        form = await phone.form(path)
        return await at_once(
            *(phone.request("POST", path, data=rating(form, "double tap")) for _ in range(CONCURRENT))
        )

    answers = asyncio.run(scenario())

    assert statuses(answers) == {303: CONCURRENT}, "every tap is thanked"
    assert server.ratings(Rating.comment == "double tap") == 1


def test_a_ticket_rates_once_across_workers(server: Live) -> None:
    async def scenario() -> tuple[list[httpx.Response], list[httpx.Response]]:
        machine = Browser(server.ports)
        issued = await machine.request(
            "POST",
            "/api/v1/tickets",
            json={"counter_id": server.counter_ids[2], "service_type": "KTP-el", "ticket_number": "A-1"},
            headers={"Authorization": f"Bearer {server.api_key}"},
        )
        assert issued.status_code == 201, issued.text
        path = "/" + issued.json()["rating_url"].split("/", 3)[3]
        phones = [Browser(server.ports) for _ in range(CONCURRENT)]  # the slip photographed and shared
        forms = [await phone.form(path) for phone in phones]
        posts = [
            p.request("POST", path, data=rating(f, "ticket")) for p, f in zip(phones, forms, strict=True)
        ]
        first = await at_once(*posts)
        winner = next(i for i, r in enumerate(first) if r.status_code == 303)
        again = [phones[winner].request("POST", path, data=rating(forms[winner], "ticket")) for _ in range(5)]
        return first, await at_once(*again)

    first, again = asyncio.run(scenario())

    assert statuses(first) == {303: 1, 200: CONCURRENT - 1}, "one rating, the others 'already used'"
    assert statuses(again) == {303: 5}, "the winning form again is the same rating: thanks"
    assert server.ratings(Rating.channel == "ticket") == 1
    engine = make_engine(server.url)
    with engine.connect() as conn:
        used = conn.execute(select(RatingTicket.used_at, RatingTicket.rating_id)).one()
    engine.dispose()
    assert used.used_at is not None and used.rating_id is not None
    assert len(server.served_by("portal:ticket_submit")) == 2


# --- the staff side --------------------------------------------------------------------------------------


async def sign_in(browser: Browser, username: str, password: str = PASSWORD) -> httpx.Response:
    token = await browser.csrf()
    data = {"username": username, "password": password, "_csrf_token": token}
    return await browser.request("POST", "/admin/login", data=data)


def test_a_staff_session_holds_on_every_worker_and_ends_on_every_worker(server: Live) -> None:
    async def scenario() -> tuple[httpx.Response, list[httpx.Response], list[httpx.Response]]:
        browser = Browser(server.ports)
        signed_in = await sign_in(browser, "admin")
        session = browser.cookies["rp_staff"]
        pages = await at_once(*(browser.request("GET", "/admin") for _ in range(2 * CONCURRENT)))
        token = await browser.csrf("/admin")
        await browser.request("POST", "/admin/logout", data={"_csrf_token": token})
        assert "rp_staff" not in browser.cookies
        browser.cookies["rp_staff"] = session  # a copy of the cookie kept from before
        after = await at_once(*(browser.request("GET", "/admin") for _ in range(2 * CONCURRENT)))
        return signed_in, pages, after

    signed_in, pages, after = asyncio.run(scenario())

    assert signed_in.status_code == 303
    assert statuses(pages) == {200: 2 * CONCURRENT}
    assert statuses(after) == {303: 2 * CONCURRENT}
    assert all(r.headers["location"].startswith("/admin/login") for r in after)
    assert len(server.served_by("staff:home")) == 2


def test_failed_sign_ins_are_counted_across_workers(server: Live) -> None:
    async def scenario() -> tuple[list[httpx.Response], httpx.Response]:
        browsers = [Browser(server.ports) for _ in range(3 * CONCURRENT)]
        tokens = [await b.csrf() for b in browsers]
        guesses = [
            b.request(
                "POST",
                "/admin/login",
                data={"username": "target", "password": f"guess {i}", "_csrf_token": t},
            )
            for i, (b, t) in enumerate(zip(browsers, tokens, strict=True))
        ]
        answers = await at_once(*guesses)
        return answers, await sign_in(Browser(server.ports), "target")

    answers, right_password = asyncio.run(scenario())

    counted = statuses(answers)
    assert counted.get(422, 0) <= 5, f"at most LOGIN_FAILURES_PER_ACCOUNT guesses checked: {counted}"
    assert counted.get(429, 0) >= 3 * CONCURRENT - 5
    assert right_password.status_code == 429, "the account stays locked for the window"


# --- flood control -------------------------------------------------------------------------------------

FLOOD_LIMIT = 20


@pytest.fixture(params=BACKENDS)
def flood_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    yield from live(request.param, tmp_path, SUBMIT_FLOOD_LIMIT_PER_MINUTE=str(FLOOD_LIMIT))


def test_flood_control_counts_every_workers_posts(flood_server: Live) -> None:
    if (second := time.time() % 60) > 45:  # the window is a calendar minute: stay inside one
        time.sleep(61 - second)

    async def scenario() -> list[httpx.Response]:
        path = f"/r/{flood_server.tokens[0]}"
        posts = [
            Browser(flood_server.ports).request("POST", path, data=rating("forged", f"flood {i}"))
            for i in range(2 * FLOOD_LIMIT)
        ]
        return await at_once(*posts)

    answers = asyncio.run(scenario())

    # Counted before anything else: the first FLOOD_LIMIT get the form again (422, forged token).
    assert statuses(answers) == {422: FLOOD_LIMIT, 429: FLOOD_LIMIT}
    assert flood_server.ratings() == 0
    assert len(flood_server.served_by("portal:submit")) == 2
