"""A citizen on a phone: counter link, one face, the nine questions, thanks; in both languages, with and
without JavaScript, and with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import PHONE, SKM, LiveServer, fill_rating, latest_rating, submit

# Slow; on one pytest-xdist worker (make test: --dist loadgroup), so the demo server starts once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

DETAIL = {"u1": 4, "u2": 3, "u3": 2, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 1, "u9": 3}

WORDS = {
    "id": {"question": "Seberapa puas", "send": "Kirim penilaian", "thanks": "Terima kasih!"},
    "en": {"question": "How satisfied", "send": "Send rating", "thanks": "Thank you!"},
}


def open_counter(page: Any, live: LiveServer, index: int) -> str:
    counter = live.counter("DUKCAPIL", index)
    page.goto(live.path("portal:rate", token=counter.public_token))
    return counter.name


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_citizen_rates_on_a_phone_with_one_face_and_the_details(
    phone: Any, live: LiveServer, language: str
) -> None:
    counter_name = open_counter(phone, live, 0)
    assert phone.locator("html").get_attribute("lang") == "id"  # Indonesian unless asked otherwise
    assert phone.locator("h1").inner_text() == counter_name
    if language == "en":
        phone.get_by_role("link", name="English").tap()
        phone.wait_for_url("**?lang=en")  # the new page, not the one the tap left
    words = WORDS[language]
    assert phone.locator("html").get_attribute("lang") == language
    assert words["question"] in phone.locator(".faces legend").inner_text()
    assert phone.locator("#submit").inner_text() == words["send"]
    # Nothing is wider than the phone: no sideways scrolling at 360 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    fill_rating(phone, 3, DETAIL, comment="Antrean cepat, ruang tunggu panas.", touch=True)
    submit(phone)

    assert "/terima-kasih" in phone.url
    assert phone.locator("[role=status] h2").inner_text() == words["thanks"]
    assert phone.locator("html").get_attribute("lang") == language
    stored = latest_rating(live)
    assert (stored.overall, stored.language, stored.channel) == (3, language, "poster")
    assert {u: getattr(stored, u) for u in SKM} == DETAIL
    assert stored.comment == "Antrean cepat, ruang tunggu panas."


def test_a_citizen_rates_with_javascript_switched_off(new_context: Any, live: LiveServer) -> None:
    page = new_context(java_script_enabled=False, **PHONE).new_page()
    open_counter(page, live, 1)
    page.get_by_role("link", name="English").click()
    fill_rating(page, 2, DETAIL)
    submit(page)
    assert page.locator("[role=status] h2").inner_text() == "Thank you!"
    stored = latest_rating(live)
    assert (stored.overall, stored.language) == (2, "en")
    assert {u: getattr(stored, u) for u in SKM} == DETAIL


def test_a_citizen_completes_the_form_with_the_keyboard_alone(phone: Any, live: LiveServer) -> None:
    """Tab, arrow keys, Space and Enter only: no tap, no click."""
    open_counter(phone, live, 2)
    keyboard = phone.keyboard

    def focused() -> str:
        return phone.evaluate("document.activeElement.id || document.activeElement.tagName")

    def tab_to(target: str, limit: int = 40) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            if focused() == target:
                return
        raise AssertionError(f"Tab never reached {target}; stuck at {focused()}")

    tab_to("overall-1")
    keyboard.press("ArrowRight")  # radios in a group: arrows move and select
    keyboard.press("ArrowRight")
    keyboard.press("ArrowRight")
    assert focused() == "overall-4"
    assert phone.locator("#overall-4").is_checked()
    # The focused face shows a visible focus ring.
    ring = phone.evaluate("getComputedStyle(document.activeElement.nextElementSibling).outlineStyle")
    assert ring != "none"
    tab_to("SUMMARY")
    keyboard.press("Enter")  # opens "more detail"
    assert phone.locator("details:not(.reply)").get_attribute("open") is not None
    for element in SKM:
        tab_to(f"{element}-1")
        keyboard.press("ArrowRight")  # answer 2
        keyboard.press("Space")
    tab_to("comment")
    keyboard.type("Pelayanan baik")
    tab_to("submit")
    with phone.expect_navigation():
        keyboard.press("Enter")
    assert "/terima-kasih" in phone.url
    stored = latest_rating(live)
    assert stored.overall == 4 and stored.comment == "Pelayanan baik"
    assert {getattr(stored, u) for u in SKM} == {2}
