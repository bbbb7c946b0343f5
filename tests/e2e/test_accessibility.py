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
from staff_admin import passwords
from staff_admin.models import User
from staff_admin.review.unlinkable import rating_reference
from tests.e2e.browser import PHONE, LiveServer, check_axe, fill_rating, sign_in, submit

pytestmark = pytest.mark.slow  # all on one xdist worker, one demo server (tests/parallel.py)


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


def _bias_audit(page: Any, live: LiveServer, _ids: dict[str, int | str]) -> None:
    """The audit of the period the demo scored, opened as a period HR keeps (scored, not closed)."""
    from datetime import UTC, datetime

    from scoring.db.models import ScoringRun
    from staff_admin.periods.models import ScoringPeriod

    with live.db() as db:
        run = db.scalars(select(ScoringRun).order_by(ScoringRun.id.desc())).first()
        period = db.scalars(select(ScoringPeriod).where(ScoringPeriod.key == run.period_key)).first()
        if period is None:
            period = ScoringPeriod(
                key=run.period_key,
                label=run.period_label,
                start_date=run.period_start,
                end_date=run.period_end,
                status="scored",
                created_at=datetime.now(UTC),
            )
            db.add(period)
            db.commit()
        period_id = period.id
    page.goto(live.path("staff:period_bias_audit", period_id=period_id))


def _login_failed(page: Any, live: LiveServer, _ids: dict[str, int | str]) -> None:
    page.goto(live.path("staff:login"))
    page.fill("#username", "hr")
    page.fill("#password", "not the password")
    submit(page, "main button[type=submit]")


def _reset_link(page: Any, live: LiveServer, _ids: dict[str, int]) -> None:
    """A reset link as `rating-portal reset-link` prints it, opened by someone not signed in."""
    with live.db() as db:
        link = passwords.issue_reset_link_for_username(db, live.settings, "hr", datetime.now(UTC))
    page.goto(live.path("staff:password_reset", token=link.token))


def _reset_link_refused(page: Any, live: LiveServer, ids: dict[str, int]) -> None:
    _reset_link(page, live, ids)
    page.fill("#f-new_password", "short")
    page.fill("#f-new_password_again", "other")
    submit(page, "main button[type=submit]")


def _password_refused(page: Any, live: LiveServer, _ids: dict[str, int]) -> None:
    page.goto(live.path("staff:password"))
    page.fill("#f-current_password", "not my password")
    page.fill("#f-new_password", "short")
    page.fill("#f-new_password_again", "other")
    submit(page, "main button[type=submit]")


def _reset_link_issued(page: Any, live: LiveServer, ids: dict[str, int]) -> None:
    page.goto(live.path("staff:user", user_id=ids["user"]))
    submit(page, "form[action$='/reset-link'] button")


def _roster_copied(page: Any, live: LiveServer, ids: dict[str, int]) -> None:
    """A past week of the demo roster, with last week copied into it (every shift skipped or added)."""
    week = (live.today - timedelta(days=28)).isoformat()
    page.goto(live.path("staff:roster") + f"?counter={ids['counter']}&week={week}")
    submit(page, "form[action$='/copy-week'] button")


def _import_update_preview(page: Any, live: LiveServer, ids: dict[str, int]) -> None:
    from portal.kernel.models import Employee

    with live.db() as db:
        officer = db.get(Employee, ids["employee"])
        row = f"{officer.nip},{officer.name} Baru,{db.get(Unit, officer.unit_id).code},no"
    page.goto(live.path("staff:hr_import"))
    page.select_option("#f-kind", "employees")
    content = f"nip,name,unit_code,active\n{row}\n".encode()
    page.set_input_files(
        "#f-file", files=[{"name": "employees.csv", "mimeType": "text/csv", "buffer": content}]
    )
    submit(page, "form[enctype] button[type=submit]")


def _last_month_report(page: Any, live: LiveServer, _ids: dict[str, int | str]) -> None:
    """The SKM report of last month, the demo's whole scored month with a follow-up plan."""
    last_month = live.today.replace(day=1) - timedelta(days=1)
    page.goto(live.path("staff:report_skm") + f"?period={last_month:%Y-%m}")


STAFF: dict[str, tuple[str, StaffOpener]] = {  # name -> (persona, how to get there)
    "staff:login": ("anonymous", route("staff:login")),
    "staff:login (failed)": ("anonymous", _login_failed),
    "staff:home": ("admin", route("staff:home")),
    "staff:home (HR to-do)": ("hr", route("staff:home")),
    "staff:home (unit head to-do)": ("kepala.dukcapil", route("staff:home")),
    "staff:home (officer)": ("petugas", route("staff:home")),
    "alerts:list": ("kepala.dukcapil", route("alerts:list")),
    "alerts:list (HR)": ("hr", route("alerts:list")),
    "staff:account": ("petugas", route("staff:account")),
    "staff:password_forgot": ("anonymous", route("staff:password_forgot")),
    "staff:unit": ("admin", route("staff:unit", unit_id="unit")),
    "staff:dashboard": ("kepala.dukcapil", route("staff:dashboard")),
    "staff:dashboard (all units)": ("admin", route("staff:dashboard")),
    "staff:dashboard (one counter's elements)": (
        "kepala.dukcapil",
        lambda page, live, ids: page.goto(live.path("staff:dashboard") + f"?counter={ids['counter']}"),
    ),
    "staff:ratings": ("kepala.dukcapil", route("staff:ratings")),
    "staff:report_skm": ("kepala.dukcapil", _last_month_report),  # with its plan and the state of the last
    "staff:report_skm (every unit)": ("hr", route("staff:report_skm", "?unit=all")),
    "staff:report_volumes": ("kepala.dukcapil", route("staff:report_volumes")),
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
    "staff:roster (copied)": ("kepala.dukcapil", _roster_copied),
    "staff:roster (copied, phone)": ("kepala.dukcapil@phone", _roster_copied),
    "staff:users": ("admin", route("staff:users")),
    "staff:user (reset link issued)": ("admin", _reset_link_issued),
    "staff:officer_accounts": ("hr", route("staff:officer_accounts")),
    "staff:password": ("petugas", route("staff:password")),
    "staff:password (refused)": ("petugas", _password_refused),
    "staff:password_reset": ("anonymous", _reset_link),
    "staff:password_reset (refused)": ("anonymous", _reset_link_refused),
    "staff:password_reset (no longer valid)": (
        "anonymous",
        lambda page, live, _ids: page.goto(live.path("staff:password_reset", token="not-a-link")),
    ),
    "staff:user_new": ("admin", route("staff:user_new")),
    "staff:user": ("admin", route("staff:user", user_id="user")),
    "staff:periods": ("hr", route("staff:periods")),
    "staff:hr_import": ("hr", route("staff:hr_import")),
    "staff:period_bias_audit": ("hr", _bias_audit),
    "staff:hr_import (preview with problems)": ("hr", _import_preview),
    "staff:hr_import (preview with updates)": ("hr", _import_update_preview),
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
    "targets:list": ("kepala.dukcapil", route("targets:list")),
    "targets:list (refused)": (
        "kepala.dukcapil",
        lambda page, live, _ids: (
            page.goto(live.path("targets:list")),
            page.locator("form.plan-form input[name=ikm_target]").first.fill("120"),
            submit(page, "form.plan-form >> nth=0 >> button[type=submit]"),
        ),
    ),
    "recognition:list": ("hr", route("recognition:list")),
    "evidence:list": ("kepala.dukcapil", route("evidence:list")),
    "evidence:list (HR, with the ZIP)": ("hr", route("evidence:list")),
    "forbidden": ("petugas", route("review:queue")),
    "staff not found": ("admin", lambda page, live, _ids: page.goto("/admin/units/999999")),
    # The pages with wide tables, on a unit head's phone.
    "staff:dashboard (phone)": ("kepala.dukcapil@phone", route("staff:dashboard")),
    "staff:dashboard (all units, phone)": ("hr@phone", route("staff:dashboard")),
    "staff:home (phone)": ("kepala.dukcapil@phone", route("staff:home")),
    "complaints:list (phone)": ("kepala.dukcapil@phone", route("complaints:list", "?show=all")),
    "audit:list (phone)": ("hr@phone", route("audit:list")),
    "me:home (phone)": ("petugas@phone", route("me:home")),
    "staff:ratings (phone)": ("kepala.dukcapil@phone", route("staff:ratings")),
    "staff:report_skm (phone)": ("kepala.dukcapil@phone", _last_month_report),
    "staff:report_volumes (phone)": ("kepala.dukcapil@phone", route("staff:report_volumes")),
    "review:queue (phone)": ("kepala.dukcapil@phone", route("review:queue")),
    "staff:period_bias_audit (phone)": ("hr@phone", _bias_audit),
    "staff:period_closing (phone)": ("hr@phone", route("staff:period_closing", period_id="period")),
    "targets:list (phone)": ("kepala.dukcapil@phone", route("targets:list")),
    "recognition:list (phone)": ("hr@phone", route("recognition:list")),
    "evidence:list (phone)": ("kepala.dukcapil@phone", route("evidence:list")),
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
