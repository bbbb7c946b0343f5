"""Pages that fit: on a 360 px phone no staff page and not the public page scrolls sideways, the public
table keeps every column in view, and the dashboard's charts keep their labels inside the drawing, on
a phone and on a desk."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import PHONE, LiveServer, sign_in

ON_A_PHONE = {  # persona -> the pages they open (named routes)
    "kepala.dukcapil": [
        "staff:home",
        "staff:dashboard",
        "staff:ratings",
        "review:queue",
        "appeals:list",
        "complaints:list",
        "staff:masterdata",
        "staff:roster",
    ],
    "hr": ["staff:home", "staff:dashboard", "staff:periods", "audit:list", "staff:employees"],
    "petugas": ["staff:home", "me:home"],
}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Text of the charts' labels that reaches outside the drawing (SVG user units, the viewBox's).
LABELS_OUTSIDE = """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
    const frame = svg.viewBox.baseVal;
    return [...svg.querySelectorAll('text')].filter(text => {
        const box = text.getBBox();
        return box.x < frame.x || box.y < frame.y || box.x + box.width > frame.x + frame.width
            || box.y + box.height > frame.y + frame.height;
    }).map(text => text.textContent);
})"""


@pytest.mark.parametrize("persona", ON_A_PHONE)
def test_staff_pages_do_not_scroll_sideways_on_a_phone(
    new_context: Any, live: LiveServer, persona: str
) -> None:
    page = new_context(**PHONE).new_page()
    sign_in(page, live, persona)

    overflowing = {}
    for name in ON_A_PHONE[persona]:
        page.goto(live.path(name))
        if (extra := page.evaluate(SIDEWAYS)) > 0:
            overflowing[name] = extra
    assert overflowing == {}


def test_the_public_page_keeps_every_column_on_a_phone(phone: Any, live: LiveServer) -> None:
    phone.goto(live.path("public:results"))

    assert phone.evaluate(SIDEWAYS) == 0
    cut = phone.evaluate(
        "() => [...document.querySelectorAll('table.results td, table.results th')]"
        ".filter(cell => cell.getBoundingClientRect().right > window.innerWidth + 0.5).length"
    )
    assert cut == 0
    assert phone.locator("table.results tbody tr").count() >= 5  # one card per unit


@pytest.mark.parametrize("screen", ["phone", "desk"])
def test_the_dashboard_charts_keep_their_labels_inside(
    new_context: Any, live: LiveServer, screen: str
) -> None:
    options = PHONE if screen == "phone" else {"viewport": {"width": 1280, "height": 900}}
    page = new_context(**options).new_page()
    sign_in(page, live, "kepala.dukcapil")
    page.goto(live.path("staff:dashboard"))

    assert page.locator("svg.chart").count() == 2
    assert page.evaluate(LABELS_OUTSIDE) == []
    month_labels = page.locator("svg.chart").first.locator("text.axis").all_inner_texts()
    assert len(month_labels) >= 6 + 6  # the six value ticks, and six months of ratings or more
