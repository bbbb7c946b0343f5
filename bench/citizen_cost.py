"""CPU cost of one citizen (form GET + rating POST) inside the app, without HTTP (docs/performance.md).

    .venv/bin/python bench/citizen_cost.py [--pairs 500]

A fresh SQLite database with the load benchmark's seed; the app is called as an ASGI callable (sync
handlers run inline; a rating POST waits for the intake's writer thread, portal.citizen.intake), so the
figure is the app's own CPU per pair, every thread of the process counted: no server, no sockets.
Requests ask for gzip, as phones do. Then the form's GET alone, the thank-you page the rating
redirects to, and the main pieces: the counter page lookup (a form GET reads it once per counter and
COUNTER_PAGE_SECONDS, kept_pages), rendering the form afresh (still done once per counter page and
language, and for forms shown again with errors), the blank form from the cache as a GET serves it
(plain, and gzipped against compressing the whole page), storing a rating; and three small pieces
against what they replaced (a device cookie's Set-Cookie header, a form token, an access line's
time, a network prefix).
Best of three rounds; process CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import gzip
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.asgi import asgi_call  # noqa: E402
from tests.live_server import SECRET, seed  # noqa: E402

FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


class InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs `sync_to_thread` handlers on the calling thread: no thread hand-off in the figure."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the awaiting coroutine, as a thread would
            future.set_exception(error)
        return future


def best_ms(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(repeat):
            run()
        best = min(best, (time.process_time() - started) / repeat * 1000)
    return best


# Phones ask for gzip.
GZIP = ((b"accept-encoding", b"gzip"),)


async def citizen(app, token: str) -> None:
    form = await asgi_call(app, "GET", f"/r/{token}", GZIP)
    body = b"".join(m.get("body", b"") for m in form if m["type"] == "http.response.body")
    if dict(form[0]["headers"]).get(b"content-encoding") == b"gzip":
        body = gzip.decompress(body)
    stamp = FORM_TOKEN.search(body).group(1)
    device = next(v for k, v in form[0]["headers"] if k == b"set-cookie" and v.startswith(b"rp_device"))
    answer = await asgi_call(
        app,
        "POST",
        f"/r/{token}",
        [*GZIP, (b"content-type", b"application/x-www-form-urlencoded"), (b"cookie", device.split(b";")[0])],
        [b"form_token=" + stamp + b"&overall=3&comment=&website="],
    )
    assert answer[0]["status"] == 303, answer[0]["status"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=500, help="citizens per round (default 500)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/cost.db"
        os.environ.update(
            DATABASE_URL=url,
            SECRET_KEY=SECRET,
            APP_ENV="production",
            VAR_DIR=workdir,
            BASE_URL="http://127.0.0.1:8000",
            DEVICE_THROTTLE_SECONDS="0",
            SUBMIT_FLOOD_LIMIT_PER_MINUTE="100000000",
            ACCESS_LOG="false",
        )
        from itsdangerous import URLSafeTimedSerializer
        from litestar.datastructures import Cookie

        from app import create_app, template_environment
        from portal.citizen import intake, service
        from portal.citizen.forms import parse_rating_form
        from portal.citizen.web import GZIP_LEVEL, RenderedPages
        from portal.kernel import security
        from portal.kernel.questionnaire import OVERALL_CHOICES, SKM_QUESTIONS
        from portal.ops import migrate
        from portal.ops.accesslog import Timestamps

        migrate.upgrade(url)
        token = seed(url)[0]
        app = create_app()
        portal = app.state.portal
        loop = asyncio.new_event_loop()
        loop.set_default_executor(InlineExecutor())

        def pair() -> None:
            loop.run_until_complete(citizen(app, token))

        def page() -> service.CounterPage:  # as a poster scan does it: one read on a plain connection
            with portal.engine.connect() as connection:
                return service.counter_page(connection, token, datetime.now(UTC))

        counter_page = page()
        template = template_environment().get_template("portal/rate.html")
        context = {
            "page": counter_page,
            "form_token": "x" * 80,
            "form_action": f"/r/{token}",
            "values": {},
            "errors": {},
            "overall_choices": OVERALL_CHOICES,
            "questions": SKM_QUESTIONS,
            "retention_days": 90,
            "detail_open": False,
            "lang": "id",
            "language_query": "",
            "url_for": lambda *_, **__: "/static/css/portal.css",
        }

        def store() -> None:
            now = datetime.now(UTC)
            stamp = portal.signer.sign(counter_page.counter_id, now.timestamp() - 5, None)
            rating = parse_rating_form({"form_token": stamp, "overall": "3", "comment": "", "website": ""})
            citizen_ = service.Citizen(secrets.token_urlsafe(16), "127.0.0.1", "id")
            with portal.sessions() as db:
                intake.submit_rating(db, portal.settings, portal.signer, now, token, rating, citizen_)

        pair()  # warm-up: templates compiled, statements cached
        print(f"form GET + rating POST through the app: {best_ms(pair, args.pairs):.2f} ms CPU per pair")

        def form_get() -> None:  # a phone's first scan: gzip accepted, no device cookie yet
            loop.run_until_complete(asgi_call(app, "GET", f"/r/{token}", GZIP))

        print(f"  the form's GET alone: {best_ms(form_get, args.pairs):.2f} ms")

        def thanks_get() -> None:  # where the rating's redirect takes the phone
            loop.run_until_complete(asgi_call(app, "GET", f"/r/{token}/terima-kasih", GZIP))

        print(f"  the thank-you page:   {best_ms(thanks_get, args.pairs):.2f} ms")
        print(f"  counter page lookup:  {best_ms(page, args.pairs):.2f} ms")
        print(f"  rendering the form:   {best_ms(lambda: template.render(**context), args.pairs):.2f} ms")
        # What a GET does instead since the blank form is kept per (counter page, language): sign a
        # form token and put it into the kept page (portal.citizen.web.RenderedPages).
        kept = RenderedPages()

        def cached_form(gzipped: bool = False) -> bytes:
            stamp = portal.signer.sign(counter_page.counter_id, time.time(), None)
            key = (counter_page, 90)
            render = lambda slot: template.render(**{**context, "form_token": slot})  # noqa: E731
            return kept.page(key, render, stamp, gzipped)

        print(f"  the form from cache:  {best_ms(cached_form, args.pairs):.2f} ms (signing included)")
        # A phone asks for gzip: the kept form's compressed parts around the token, against compressing
        # the whole page per request as the compression middleware would (GZIP_LEVEL).
        plain = cached_form()  # (`page` above is the counter page lookup)
        gzipped = best_ms(lambda: cached_form(gzipped=True), args.pairs)
        whole = best_ms(lambda: gzip.compress(plain, GZIP_LEVEL), args.pairs)
        print(f"  ...gzipped:           {gzipped:.2f} ms (stock: {whole:.2f} ms to compress the page)")
        print(f"  storing a rating:     {best_ms(store, args.pairs):.2f} ms")
        repeat = args.pairs * 20
        device = secrets.token_urlsafe(24)
        cookie = {"max_age": 31536000, "httponly": True, "samesite": "lax", "secure": True, "path": "/"}
        stock = URLSafeTimedSerializer(SECRET, salt="rating-form")
        pieces = {
            "device cookie header": (
                lambda: portal.cookie("rp_device", device).to_encoded_header(),
                lambda: Cookie(key="rp_device", value=device, **cookie).to_encoded_header(),
            ),
            "form token": (
                lambda: portal.signer.sign(1, time.time()),
                lambda: stock.dumps([1, secrets.token_urlsafe(18), round(time.time(), 3)]),
            ),
            "access line's time": (
                Timestamps(),
                lambda: datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            ),
            "network prefix": (
                lambda: security.network_prefix("203.0.113.57"),
                lambda: security._network_prefix_of_any("203.0.113.57"),
            ),
        }
        for name, (now, before) in pieces.items():
            now_us, before_us = (best_ms(run, repeat) * 1000 for run in (now, before))
            print(f"  {name + ':':22}{now_us:.1f} us (stock: {before_us:.1f} us)")
        loop.close()


if __name__ == "__main__":
    main()
