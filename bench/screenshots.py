"""Screenshots of the main pages into docs/screenshots/ (shown in the README).

    python bench/screenshots.py [--out docs/screenshots]      # or: make screenshots

Serves the demo city as the browser tests do (a new SQLite database in a temporary folder, filled by
`rating-portal db upgrade`, `demo-data`, `demo-users` and `demo-casework`; uvicorn on a free loopback
port) and photographs it with Debian's headless Chromium through Playwright (no downloaded browser).
Citizen pages in Indonesian, the language a citizen gets by default, on a 360 px phone; staff pages in
English on a desktop screen, and the dashboard once more on a phone. Needs `apt-get install chromium`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from portal.citizen import proofs  # noqa: E402
from tests.e2e.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    LiveServer,
    demo_server,
    fill_rating,
    sign_in,
)

PHONE_2X = {**PHONE, "device_scale_factor": 2}
PRINTED_URL = "https://ikm.kota-contoh.example"  # printed on the poster instead of a loopback port
DESK = {"viewport": {"width": 1280, "height": 860}, "locale": "en-US"}


def last_month(today: date) -> str:
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def shoot(browser, live: LiveServer, out: Path) -> list[Path]:
    written: list[Path] = []

    def save(target, name: str, **options) -> None:
        """`target`: a page (its viewport, or full_page=True) or a locator (that element)."""
        path = out / f"{name}.png"
        target.screenshot(path=str(path), animations="disabled", caret="hide", **options)
        written.append(path)
        print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")

    counter = live.counter("DUKCAPIL", 0)
    phone = browser.new_context(base_url=live.base_url, **PHONE_2X).new_page()
    phone.goto(live.path("portal:rate", token=counter.public_token))
    save(phone, "citizen-form")
    fill_rating(phone, 4, touch=True)
    with phone.expect_navigation():
        phone.locator("#submit").click()
    save(phone, "thank-you")
    phone.context.close()

    public = browser.new_context(
        base_url=live.base_url, viewport={"width": 1024, "height": 768}, locale="id-ID"
    ).new_page()
    public.goto(live.path("public:results"))
    save(public, "public", full_page=True)
    public.context.close()

    poster = browser.new_context(
        base_url=live.base_url, viewport={"width": 794, "height": 1123}, locale="id-ID"
    ).new_page()  # A4 at 96 dpi
    poster.goto(live.path("portal:poster", token=counter.public_token))
    save(poster, "poster", full_page=True)
    poster.context.close()

    with live.db() as db:
        screen = proofs.register_kiosk(db, live.settings, datetime.now(UTC), counter.id, "Tablet loket 1")
    kiosk = browser.new_context(
        base_url=live.base_url, viewport={"width": 1280, "height": 800}, locale="id-ID"
    ).new_page()
    kiosk.goto(screen.path)
    save(kiosk, "kiosk")
    kiosk.context.close()

    hr = browser.new_context(base_url=live.base_url, **DESK).new_page()
    sign_in(hr, live, "hr")
    hr.set_viewport_size({"width": 1280, "height": 640})  # the to-do list, then the units
    save(hr, "home-todo")
    hr.context.close()

    alerts = browser.new_context(base_url=live.base_url, **DESK).new_page()
    sign_in(alerts, live, "kepala.dukcapil")  # the unit head's home: the alerts first, then the to-do
    alerts.set_viewport_size({"width": 1280, "height": 900})
    save(alerts, "alerts")
    alerts.context.close()

    # Last month: a whole scored month (the demo also scores the current month so far).
    dashboard = live.path("staff:dashboard") + f"?period={last_month(live.today)}"
    head = browser.new_context(base_url=live.base_url, **DESK).new_page()
    sign_in(head, live, "kepala.dukcapil")
    head.set_viewport_size({"width": 1280, "height": 1100})
    head.goto(dashboard)
    save(head, "dashboard")
    save(head.locator("#elements"), "dashboard-elements")  # the SKM report per element
    save(head.locator("#officers"), "dashboard-officers")  # who needs attention first
    head.goto(live.path("staff:report_skm") + f"?period={last_month(live.today)}")
    save(head.locator(".skm-report"), "skm-report")  # the SKM report with its follow-up plan
    head.set_viewport_size({"width": 1280, "height": 1200})  # the first incident: evidence, effect, form
    head.goto(live.path("review:queue"))
    save(head, "review-queue")
    head.context.close()
    head_phone = browser.new_context(base_url=live.base_url, **{**PHONE_2X, "locale": "en-US"}).new_page()
    sign_in(head_phone, live, "kepala.dukcapil")
    head_phone.goto(live.path("review:queue"))
    head_phone.locator("section.incident").first.evaluate("section => section.scrollIntoView()")
    save(head_phone, "review-queue-phone")
    head_phone.context.close()

    hr = browser.new_context(base_url=live.base_url, **DESK).new_page()
    sign_in(hr, live, "hr")
    hr.set_viewport_size({"width": 1280, "height": 1100})
    hr.goto(live.path("staff:period_closing", period_id=live.scored_period()))
    save(hr, "period-close")
    hr.context.close()

    pocket = browser.new_context(base_url=live.base_url, **{**PHONE_2X, "locale": "en-US"}).new_page()
    sign_in(pocket, live, "kepala.dukcapil")
    pocket.goto(dashboard + "#officers")  # the officer table as cards, one per officer
    save(pocket, "dashboard-phone")
    pocket.context.close()

    officer = browser.new_context(base_url=live.base_url, **DESK).new_page()
    sign_in(officer, live, "petugas")
    officer.goto(live.path("me:home"))
    save(officer, "officer")
    officer.context.close()

    hr = browser.new_context(base_url=live.base_url, **DESK).new_page()
    sign_in(hr, live, "hr")
    hr.set_viewport_size({"width": 1280, "height": 1000})
    hr.goto(live.path("recognition:list"))  # the latest closed period: recognition and development
    save(hr, "recognition")
    hr.context.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        parser.exit(1, f"screenshots: no Chromium at {CHROMIUM} (apt-get install chromium)\n")
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="screenshots-") as var,
        demo_server(Path(var), BASE_URL=PRINTED_URL) as live,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            written = shoot(browser, live, args.out)
        finally:
            browser.close()
    print(f"wrote {len(written)} screenshots in {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
