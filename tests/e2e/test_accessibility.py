"""Every page a citizen or a member of staff can open, checked by axe-core inside the browser: no
serious or critical violation. A new page route fails `test_every_page_route_is_checked` until a
scenario for it is added here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template
from sqlalchemy import select

from portal.citizen import proofs
from portal.kernel.models import Rating, Unit
from staff_admin.models import User
from staff_admin.review.unlinkable import rating_reference
from tests.e2e.browser import PHONE, LiveServer, check_axe, fill_rating, sign_in, submit

# Slow; on one pytest-xdist worker (make test: --dist loadgroup), so the demo server starts once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def open_details(page: Any) -> None:
    """Open both folded sections, so axe sees the nine questions and the contact fields too."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def rate(page: Any, path: str, overall: int = 4) -> None:
    page.goto(path)
    fill_rating(page, overall)
    submit(page)


class Tickets:
    """A queue machine's key for the BAPENDA unit, issuing tickets through the app's service."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.counter = live.counter("BAPENDA", 1)
        with live.db() as db:
            key = proofs.create_api_key(db, live.settings, datetime.now(UTC), self.counter.unit_id, "a11y")
        self.client = proofs.ApiClient(key.key_id, self.counter.unit_id, key.prefix)

    def path(self, issued_at: datetime | None = None) -> str:
        request = proofs.TicketRequest(self.counter.id, "BPHTB", "C-001")
        with self.live.db() as db:
            ticket = proofs.create_ticket(
                db, self.live.settings, issued_at or datetime.now(UTC), self.client, request
            )
        return self.live.path("portal:ticket", token=ticket.token)


@pytest.fixture(scope="module")
def tickets(live: LiveServer) -> Tickets:
    return Tickets(live)


def counter_path(live: LiveServer, name: str = "portal:rate", index: int = 0) -> str:
    return live.path(name, token=live.counter("DPMPTSP", index).public_token)


def _kiosk(page: Any, live: LiveServer, _tickets: Tickets) -> None:
    counter = live.counter("DPMPTSP", 2)
    with live.db() as db:
        screen = proofs.register_kiosk(db, live.settings, datetime.now(UTC), counter.id, "a11y")
    page.goto(screen.path)


def _ticket_used(page: Any, live: LiveServer, tickets: Tickets) -> None:
    path = tickets.path()
    rate(page, path, 2)
    page.goto(path)


CitizenScenario = Callable[[Any, LiveServer, Tickets], None]
CITIZEN: dict[str, CitizenScenario] = {
    "portal:rate": lambda page, live, _: (page.goto(counter_path(live)), open_details(page)),
    "portal:rate (English)": lambda page, live, _: (
        page.goto(counter_path(live) + "?lang=en"),
        open_details(page),
    ),
    "portal:rate (errors)": lambda page, live, _: (
        page.goto(counter_path(live, index=1)),
        open_details(page),
        page.fill("#contact_email", "not an address"),
        submit(page),
        open_details(page),
    ),
    "portal:thanks": lambda page, live, _: rate(page, counter_path(live, index=1)),
    "portal:rate (already rated)": lambda page, live, _: (
        rate(page, counter_path(live, index=2)),
        rate(page, counter_path(live, index=2)),
    ),
    "portal:poster": lambda page, live, _: page.goto(counter_path(live, "portal:poster")),
    "portal:kiosk": _kiosk,
    "portal:rate (scan again)": lambda page, live, _: page.goto(counter_path(live) + "?k=0123456789"),
    "portal:ticket": lambda page, _live, tickets: page.goto(tickets.path()),
    "portal:ticket_thanks": lambda page, _live, tickets: rate(page, tickets.path()),
    "portal:ticket (used)": _ticket_used,
    "portal:ticket (expired)": lambda page, _live, tickets: page.goto(
        tickets.path(datetime.now(UTC) - timedelta(days=3))
    ),
    "not found": lambda page, _live, _: page.goto("/r/no-such-counter"),
    "public:results": lambda page, live, _: page.goto(live.path("public:results")),
}


@pytest.mark.parametrize("scenario", CITIZEN)
def test_citizen_pages_have_no_serious_violations(
    scenario: str, phone: Any, live: LiveServer, tickets: Tickets, axe_source: str
) -> None:
    CITIZEN[scenario](phone, live, tickets)
    check_axe(phone, axe_source)


# --- staff -------------------------------------------------------------------------------------------


class Desks:
    """Signed-in browsers, one per persona, kept for the module; Indonesian, the default. A desktop
    screen, or a phone for a persona written "name@phone" (wide tables must stay usable there)."""

    def __init__(self, browser: Any, live: LiveServer) -> None:
        self.browser, self.live, self.contexts = browser, live, {}

    def page(self, persona: str) -> Any:
        if persona not in self.contexts:
            username, _, device = persona.partition("@")
            screen = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}
            context = self.browser.new_context(base_url=self.live.base_url, **{**screen, "locale": "id-ID"})
            context.set_default_timeout(15_000)
            page = context.new_page()
            if username != "anonymous":
                sign_in(page, self.live, username)
            self.contexts[persona] = page
        return self.contexts[persona]

    def close(self) -> None:
        for page in self.contexts.values():
            page.context.close()


@pytest.fixture(scope="module")
def desks(browser: Any, live: LiveServer) -> Iterator[Desks]:
    desks = Desks(browser, live)
    yield desks
    desks.close()


@pytest.fixture(scope="module")
def ids(live: LiveServer) -> dict[str, int | str]:
    """Ids of demo records the staff pages show: DUKCAPIL, its first counter, the demo officer."""
    with live.db() as db:
        unit = db.scalars(select(Unit).where(Unit.code == "DUKCAPIL")).one()
        officer = db.scalars(select(User).where(User.username == "petugas")).one()
        rating = db.scalars(
            select(Rating).where(Rating.employee_id == officer.employee_id).order_by(Rating.id)
        ).first()
        return {
            "unit": unit.id,
            "counter": live.counter("DUKCAPIL", 0).id,
            "employee": officer.employee_id,
            "user": officer.id,
            "officer_rating": rating_reference(live.settings.secret_key, rating.id),
            "period": live.scored_period(),
        }


StaffOpener = Callable[[Any, LiveServer, dict[str, int | str]], None]


def route(name: str, query: str = "", **params: str) -> StaffOpener:
    """Opens a named route; params name the ids to fill in (unit_id="unit")."""

    def opener(page: Any, live: LiveServer, ids: dict[str, int | str]) -> None:
        page.goto(live.path(name, **{key: ids[value] for key, value in params.items()}) + query)

    return opener


def _complaint_case(page: Any, live: LiveServer, _ids: dict[str, int | str]) -> None:
    """Opens a case the way citizens do (a low rating with a comment), then shows it to the admin."""
    from portal.citizen.followup import ComplaintCase

    citizen = page.context.browser.new_context(base_url=live.base_url, **PHONE)
    try:
        phone = citizen.new_page()
        phone.goto(live.path("portal:rate", token=live.counter("DUKCAPIL", 1).public_token))
        fill_rating(phone, 2, comment="Antrean tidak dipanggil sesuai nomor.")
        submit(phone)
    finally:
        citizen.close()
    with live.db() as db:
        case_id = db.scalars(select(ComplaintCase.id).order_by(ComplaintCase.id.desc())).first()
    page.goto(live.path("complaints:case", case_id=case_id))


def _import_preview(page: Any, live: LiveServer, _ids: dict[str, int | str]) -> None:
    page.goto(live.path("staff:hr_import"))
    page.set_input_files(
        "#f-file",
        files=[{"name": "units.csv", "mimeType": "text/csv", "buffer": b"code,name,parent_code\nX1,,NOPE\n"}],
    )
    submit(page, "form[enctype] button[type=submit]")


def _login_failed(page: Any, live: LiveServer, _ids: dict[str, int | str]) -> None:
    page.goto(live.path("staff:login"))
    page.fill("#username", "hr")
    page.fill("#password", "not the password")
    submit(page, "main button[type=submit]")


STAFF: dict[str, tuple[str, StaffOpener]] = {  # name -> (persona, how to get there)
    "staff:login": ("anonymous", route("staff:login")),
    "staff:login (failed)": ("anonymous", _login_failed),
    "staff:home": ("admin", route("staff:home")),
    "staff:unit": ("admin", route("staff:unit", unit_id="unit")),
    "staff:dashboard": ("kepala.dukcapil", route("staff:dashboard")),
    "staff:dashboard (all units)": ("admin", route("staff:dashboard")),
    "staff:ratings": ("kepala.dukcapil", route("staff:ratings")),
    "staff:ratings (bad filter)": ("admin", route("staff:ratings", "?overall=9")),
    "staff:masterdata": ("admin", route("staff:masterdata")),
    "staff:units": ("admin", route("staff:units")),
    "staff:unit_new": ("admin", route("staff:unit_new")),
    "staff:unit_edit": ("admin", route("staff:unit_edit", unit_id="unit")),
    "staff:counters": ("admin", route("staff:counters")),
    "staff:counter_new": ("admin", route("staff:counter_new")),
    "staff:counter": ("admin", route("staff:counter", counter_id="counter")),
    "staff:employees": ("admin", route("staff:employees")),
    "staff:employee_new": ("admin", route("staff:employee_new")),
    "staff:employee": ("admin", route("staff:employee", employee_id="employee")),
    "staff:roster": ("kepala.dukcapil", route("staff:roster")),
    "staff:roster_import": ("admin", route("staff:roster_import")),
    "staff:users": ("admin", route("staff:users")),
    "staff:user_new": ("admin", route("staff:user_new")),
    "staff:user": ("admin", route("staff:user", user_id="user")),
    "staff:periods": ("hr", route("staff:periods")),
    "staff:hr_import": ("hr", route("staff:hr_import")),
    "staff:hr_import (preview with problems)": ("hr", _import_preview),
    "review:queue": ("kepala.dukcapil", route("review:queue")),
    "review:queue (exceptions open)": (
        "kepala.dukcapil",
        lambda page, live, ids: (route("review:queue")(page, live, ids), open_details(page)),
    ),
    "staff:period_closing": ("hr", route("staff:period_closing", period_id="period")),
    "appeals:list": ("kepala.dukcapil", route("appeals:list")),
    "me:home": ("petugas", route("me:home")),
    "me:rating": ("petugas", route("me:rating", reference="officer_rating")),
    "complaints:list": ("kepala.dukcapil", route("complaints:list", "?show=all")),
    "complaints:case": ("admin", _complaint_case),
    "audit:list": ("admin", route("audit:list")),
    "forbidden": ("petugas", route("review:queue")),
    "staff not found": ("admin", lambda page, live, _ids: page.goto("/admin/units/999999")),
    # The pages with wide tables, on a unit head's phone.
    "staff:dashboard (phone)": ("kepala.dukcapil@phone", route("staff:dashboard")),
    "staff:ratings (phone)": ("kepala.dukcapil@phone", route("staff:ratings")),
    "review:queue (phone)": ("kepala.dukcapil@phone", route("review:queue")),
    "staff:period_closing (phone)": ("hr@phone", route("staff:period_closing", period_id="period")),
}


@pytest.mark.parametrize("scenario", STAFF)
def test_staff_pages_have_no_serious_violations(
    scenario: str, desks: Desks, live: LiveServer, ids: dict[str, int | str], axe_source: str
) -> None:
    persona, opener = STAFF[scenario]
    page = desks.page(persona)
    opener(page, live, ids)
    check_axe(page, axe_source)


def test_every_page_route_is_checked(live: LiveServer) -> None:
    """Every GET handler that renders a template is a page, and has a scenario above."""
    checked = {name.split(" (")[0] for name in (*CITIZEN, *STAFF)}
    pages = {
        handler.name
        for route in live.app.routes
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler)
        and "GET" in handler.http_methods
        and handler.parsed_fn_signature.return_type.annotation is Template
    }
    assert pages - checked == set()
