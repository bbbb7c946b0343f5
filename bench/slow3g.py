"""The citizen form as a citizen on slow 3G feels it (docs/performance-browser.md).

    python bench/slow3g.py [--runs 5] [--cpu 4] [--json FILE]      # or: make bench-browser

Serves the demo city as the browser tests do (uvicorn on loopback, a fresh SQLite database filled by
the `rating-portal` commands) and opens a counter's rating form in Debian's headless Chromium on a
360 x 740 phone, with Chrome DevTools network emulation of slow 3G (`Network.emulateNetworkConditions`:
400 ms latency per request, 400 kbit/s = 50,000 B/s down and up) and, optionally, the CPU slowed
down `--cpu` times (`Emulation.setCPUThrottlingRate`; 4 is Lighthouse's "mid-tier phone").

Per run, a new browser profile (empty cache: the first scan of a poster) and then a second visit in
the same profile (the next citizen on the same phone, cached stylesheet):
  first paint, first contentful paint   the browser's paint timing entries;
  DOMContentLoaded, load                navigation timing;
  interactive                           max(first contentful paint, DOMContentLoaded, end of the
                                        last long task): the page has no script of its own, so the
                                        form takes a tap as soon as it is drawn and parsed;
  rate                                  tap a face, press "Kirim penilaian", until the thank-you page
                                        has loaded (POST, redirect, GET, all throttled).
Prints medians and worst cases against the target: the form usable within 2 s on slow 3G.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, demo_server  # noqa: E402

SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms, added to every request
    "downloadThroughput": 50_000,  # bytes/s (400 kbit/s)
    "uploadThroughput": 50_000,
    "connectionType": "cellular3g",
}
TARGET_MS = 2000
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.startTime + entry.duration);
}).observe({type: "longtask", buffered: true});
"""
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = Object.fromEntries(performance.getEntriesByType("paint").map(p => [p.name, p.startTime]));
  const resources = performance.getEntriesByType("resource");
  const bytes = nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0);
  const fcp = paint["first-contentful-paint"];
  return {
    first_paint: paint["first-paint"],
    first_contentful_paint: fcp,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    interactive: Math.max(fcp, nav.domContentLoadedEventEnd, ...(window.__longTasks || [])),
    requests: 1 + resources.length,
    transferred_bytes: bytes,
  };
}"""
METRICS = ("first_paint", "first_contentful_paint", "dom_content_loaded", "load", "interactive", "rate")


def throttle(page, cpu: float) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", SLOW_3G)
    if cpu > 1:
        session.send("Emulation.setCPUThrottlingRate", {"rate": cpu})


def visit(page, url: str) -> dict[str, float]:
    page.goto(url, wait_until="load")
    page.wait_for_function("() => performance.getEntriesByType('paint').length >= 2")
    timings = page.evaluate(TIMINGS)
    began = time.perf_counter()
    page.locator("label.face-4").tap()
    with page.expect_navigation(wait_until="load"):
        page.locator("#submit").tap()
    timings["rate"] = (time.perf_counter() - began) * 1000
    assert "/terima-kasih" in page.url, page.url
    return timings


def summary(samples: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        metric: {
            "median": round(statistics.median(s[metric] for s in samples)),
            "max": round(max(s[metric] for s in samples)),
        }
        for metric in (*METRICS, "requests", "transferred_bytes")
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--cpu", type=float, default=1, help="CPU slowdown factor (1: none; 4: mid-tier phone)"
    )
    parser.add_argument("--json", type=Path, help="also write the samples and summary here")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        parser.exit(1, f"slow3g: no Chromium at {CHROMIUM} (apt-get install chromium)\n")
    # One device throttle window per phone would turn repeat visits into "already rated": lift it.
    with (
        tempfile.TemporaryDirectory(prefix="slow3g-") as var,
        demo_server(Path(var), DEVICE_THROTTLE_SECONDS="0") as live,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        url = live.url("portal:rate", token=live.counter("DUKCAPIL", 0).public_token)
        cold, warm = [], []
        for _ in range(args.runs):
            context = browser.new_context(**PHONE)
            context.add_init_script(LONG_TASKS)
            page = context.new_page()
            throttle(page, args.cpu)
            cold.append(visit(page, url))
            warm.append(visit(page, url))
            context.close()
        browser.close()
    result = {
        "profile": {**SLOW_3G, "cpu_slowdown": args.cpu, "viewport": PHONE["viewport"]},
        "runs": args.runs,
        "chromium": CHROMIUM,
        "first_visit": summary(cold),
        "repeat_visit": summary(warm),
        "samples": {"first_visit": cold, "repeat_visit": warm},
    }
    print(
        f"citizen form on slow 3G (400 ms, 400 kbit/s), CPU x{args.cpu:g}, {args.runs} runs: median (max) ms"
    )
    print(f"  {'':24} {'first visit':>16} {'repeat visit':>16}")
    for metric in METRICS:
        cells = [
            f"{r[metric]['median']:>7} ({r[metric]['max']:>6})"
            for r in (result["first_visit"], result["repeat_visit"])
        ]
        print(f"  {metric.replace('_', ' '):24} {cells[0]:>16} {cells[1]:>16}")
    for metric in ("requests", "transferred_bytes"):
        cells = [str(r[metric]["median"]) for r in (result["first_visit"], result["repeat_visit"])]
        print(f"  {metric.replace('_', ' '):24} {cells[0]:>16} {cells[1]:>16}")
    worst = result["first_visit"]["interactive"]["max"]
    verdict = "meets" if worst <= TARGET_MS else "MISSES"
    print(f"  usable (interactive) at worst {worst} ms on a first visit: {verdict} the {TARGET_MS} ms target")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
