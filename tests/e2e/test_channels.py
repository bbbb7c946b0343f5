"""The other ways in: a counter's kiosk screen whose code keeps changing, scanned by a phone; and a
queue slip whose ticket comes from the API and rates once."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import numpy as np
import png
import pytest
import zxingcpp

from portal.citizen import proofs
from tests.e2e.browser import KIOSK_STEP_SECONDS, LiveServer, fill_rating, latest_rating, submit

# Slow; on one pytest-xdist worker (make test: --dist loadgroup), so the demo server starts once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def scan(picture: bytes) -> str:
    """What a phone camera reads from a screenshot of a QR code."""
    width, height, rows, _info = png.Reader(file=io.BytesIO(picture)).asRGBA8()
    pixels = np.array([list(row) for row in rows], dtype=np.uint8).reshape(height, width, 4)
    (code,) = zxingcpp.read_barcodes(pixels[:, :, 1].copy())
    return code.text


def test_a_kiosk_screen_rotates_its_code_and_a_phone_scan_of_it_rates(
    new_context: Any, phone: Any, live: LiveServer
) -> None:
    counter = live.counter("DPMPTSP", 0)
    with live.db() as db:
        screen = proofs.register_kiosk(db, live.settings, datetime.now(UTC), counter.id, "Tablet e2e")
    kiosk = new_context(viewport={"width": 800, "height": 1000}).new_page()
    kiosk.goto(screen.path)
    assert kiosk.locator("h1").inner_text() == counter.name
    picture = kiosk.locator("#kiosk-qr")
    first = scan(picture.screenshot())
    assert first.startswith(live.url("portal:rate", token=counter.public_token) + "?k=")

    # The screen's script swaps in the next code without reloading the page.
    kiosk.wait_for_function(
        "old => document.getElementById('kiosk-qr').innerHTML !== old",
        arg=picture.inner_html(),
        timeout=(KIOSK_STEP_SECONDS + 5) * 1000,
    )
    second = scan(picture.screenshot())
    assert second != first and second.split("?k=")[0] == first.split("?k=")[0]
    assert kiosk.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload

    phone.goto(second)
    assert phone.locator("h1").inner_text() == counter.name
    fill_rating(phone, 4, touch=True)
    submit(phone)
    assert "/terima-kasih" in phone.url
    stored = latest_rating(live)
    assert (stored.counter_id, stored.channel, stored.overall) == (counter.id, "kiosk", 4)


def test_a_ticket_from_the_api_rates_once_and_is_refused_the_second_time(
    browser: Any, phone: Any, live: LiveServer
) -> None:
    counter = live.counter("BAPENDA", 0)
    with live.db() as db:
        key = proofs.create_api_key(
            db, live.settings, datetime.now(UTC), counter.unit_id, "Mesin antrean e2e"
        )
    machine = phone.context.request  # the queue machine speaks HTTP to the same server
    issued = machine.post(
        "/api/v1/tickets",
        data={"counter_id": counter.id, "service_type": "PBB", "ticket_number": "B-042"},
        headers={"Authorization": f"Bearer {key.secret}"},
    )
    assert issued.status == 201, issued.text()
    ticket = issued.json()
    assert ticket["rating_url"].startswith(live.base_url + "/t/")

    phone.goto(ticket["rating_url"])
    second_tab = phone.context.new_page()  # the citizen scanned the slip twice
    second_tab.goto(ticket["rating_url"])
    assert phone.locator("h1").inner_text() == counter.name
    fill_rating(phone, 3, comment="Cepat.", touch=True)
    submit(phone)
    assert "/terima-kasih" in phone.url
    stored = latest_rating(live)
    assert (stored.counter_id, stored.channel, stored.overall) == (counter.id, "ticket", 3)

    # The same slip again: the form still open in the other tab, a new scan, another phone. All refused.
    fill_rating(second_tab, 1, touch=True)
    submit(second_tab)
    assert second_tab.locator("[role=status] h2").inner_text() == "Tiket ini sudah dipakai untuk menilai"
    phone.goto(ticket["rating_url"])
    assert phone.locator("[role=status] h2").inner_text() == "Tiket ini sudah dipakai untuk menilai"
    assert phone.locator("form").count() == 0
    other = browser.new_context(base_url=live.base_url, locale="en-US")
    try:
        page = other.new_page()
        page.goto(ticket["rating_url"])
        assert page.locator("[role=status] h2").inner_text() == "This ticket has already been rated"
    finally:
        other.close()
    assert latest_rating(live).id == stored.id
    used = machine.get(
        f"/api/v1/tickets/{ticket['ticket_id']}", headers={"Authorization": f"Bearer {key.secret}"}
    )
    assert used.json()["used_at"] is not None
