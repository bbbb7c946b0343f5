"""Citizen-facing pages under /r/{token}: thin handlers over portal.citizen.service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import Body, FromPath, FromQuery, SkipValidation
from litestar.response import Redirect, Template
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from portal.citizen import proofs, qr, service
from portal.citizen.followup import CaseForCitizen, case_for_citizen, case_from_reference, case_reference
from portal.citizen.forms import N_, FormErrors, parse_rating_form
from portal.citizen.submit import CASE_PARAM, Accepted, Outcome, ThanksPage, citizen_of, submit
from portal.citizen.web import NO_COMPRESSION, CitizenPortal, render_kept
from portal.kernel.errors import error_page
from portal.kernel.models import SKM_ELEMENTS
from portal.kernel.profile import PROFILE_FIELDS, PROFILE_QUESTIONS
from portal.kernel.questionnaire import OVERALL_CHOICES, SKM_QUESTIONS
from portal.kernel.security import DEVICE_COOKIE, FormStampError, new_device_token
from portal.kernel.web import Portal, render

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PortalDep = NamedDependency[SkipValidation[CitizenPortal]]
BLANK_FORM = "portal/rate.html"

OPTIONAL_DETAIL = (*SKM_ELEMENTS, *PROFILE_FIELDS)  # opens "more detail" when given or wrong


def blank_form_key(page: service.CounterPage, portal: Portal) -> tuple[Any, ...]:
    """What a counter's blank poster form is made of besides its language and form token: the page
    (its token gives the action) and the retention days shown (portal.citizen.web.RenderedPages)."""
    return (page, portal.settings.contact_retention_days)


def _page(db: Session | Connection, portal: Portal, token: str) -> service.CounterPage:
    try:
        return service.counter_page(db, token, portal.clock())
    except service.UnknownCounter:
        raise NotFoundException("unknown counter") from None


def _page_read(portal: Portal, token: str, now: datetime) -> tuple[service.CounterPage, datetime | None]:
    """A counter's page from one read on a plain connection (no ORM session needed)."""
    with portal.engine.connect() as connection:
        try:
            return service.counter_page_until(connection, token, now)
        except service.UnknownCounter:
            raise NotFoundException("unknown counter") from None


def _case_for_citizen(portal: Portal, case_id: int) -> CaseForCitizen | None:
    with portal.sessions() as db:
        return case_for_citizen(db, case_id)


async def _counter_page(portal: CitizenPortal, token: str) -> service.CounterPage:
    """The counter's page as a citizen's form shows it: kept for a few seconds (kept_pages), so a
    scan is answered on the event loop; otherwise read in a worker thread."""
    now = portal.clock()
    return await portal.counter_pages.page(token, now, lambda: sync_to_thread(_page_read, portal, token, now))


def _form(
    request: Request,
    page: service.CounterPage,
    portal: Portal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    proof: str | None = None,
    action: str | None = None,
) -> Response:
    cookies = []
    if not request.cookies.get(DEVICE_COOKIE):
        cookies.append(portal.cookie(DEVICE_COOKIE, new_device_token()))
    form_token = portal.signer.sign(page.counter_id, portal.clock().timestamp(), proof)

    def context() -> dict[str, Any]:
        return {
            "page": page,
            "form_action": action or request.app.route_reverse("portal:submit", token=page.token),
            "values": values or {},
            "errors": errors or {},
            "overall_choices": OVERALL_CHOICES,
            "questions": SKM_QUESTIONS,
            "profile_questions": PROFILE_QUESTIONS,
            "retention_days": portal.settings.contact_retention_days,
            "detail_open": any((values or {}).get(u) for u in OPTIONAL_DETAIL)
            or any(u in (errors or {}) for u in OPTIONAL_DETAIL),
        }

    if not values and not errors and status_code == 200 and action is None and proof is None:
        # A counter's blank poster form: the same for every citizen but its form token (tickets have
        # their own action URL each, and a kiosk form's language switch keeps the screen's code, so
        # they are not kept).
        key = blank_form_key(page, portal)
        return render_kept(request, BLANK_FORM, context, key, ("form_token", form_token), cookies)
    return render(
        request,
        BLANK_FORM,
        {**context(), "form_token": form_token},
        status_code=status_code,
        cookies=cookies,
    )


_EXPIRED = {"form": N_("This page was open for too long. Please check your answers and submit again.")}


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _citizen(request: Request, portal: Portal) -> service.Citizen:
    peer = request.client.host if request.client else None
    return citizen_of(portal.settings, request.cookies, request.headers, peer, request.state.language)


def _submitted_proof(portal: Portal, data: dict[str, Any], kind: str) -> str | None:
    """The proof signed into a submitted form, kept when the form is shown again with errors."""
    token = data.get("form_token")
    if not isinstance(token, str):
        return None
    try:
        proof = portal.signer.verify(token, portal.clock().timestamp()).proof
    except FormStampError:
        return None
    return proof if proof and proof.startswith(kind) else None


async def rating_answer(
    request: Request, portal: CitizenPortal, token: str, data: Mapping[str, Any], outcome: Outcome
) -> Response:
    """What a citizen is answered after posting a rating to a counter's page (portal.citizen.submit):
    the handler's answer, and the hot path's to whatever it does not answer with its own 303."""
    if isinstance(outcome, Accepted):
        return Redirect(outcome.location, status_code=303)
    if isinstance(outcome, service.FormExpired):
        page = await _counter_page(portal, token)
        return _form(request, page, portal, _values(data), _EXPIRED, status_code=422)
    if outcome is service.SubmitOutcome.THROTTLED:
        page = await _counter_page(portal, token)
        return render(request, "portal/already_rated.html", {"page": page})
    if isinstance(outcome, service.UnknownCounter):
        return error_page(request, NotFoundException("unknown counter"))
    if isinstance(outcome, service.Flooded):
        return error_page(request, TooManyRequestsException("too many ratings from this network"))
    assert isinstance(outcome, Exception)  # anything else accepted is Accepted (submit)
    return error_page(request, outcome)  # logged; the 500 page, as the app's exception handler gives it


def _kiosk_form(request: Request, portal: Portal, token: str, code: str) -> Response:
    """The form scanned from a counter's kiosk screen: the code is checked (and a bad one counted)."""
    with portal.sessions() as db:
        page = _page(db, portal, token)
        try:
            proof = service.kiosk_proof(db, portal.settings, portal.clock(), token, code)
        except service.ProofRejected:
            return render(request, "portal/rescan.html", {"page": page}, status_code=410)
        return _form(request, page, portal, proof=proof)


def _qr_url(request: Request, portal: Portal, token: str) -> str:
    return qr.rating_url(portal.settings.base_url, request.app.route_reverse("portal:rate", token=token))


# Citizen pages are the hot path. The form, the thanks page and the rating run on the event loop
# (kept counter pages, kept_pages.py; the rating writer, writer.py), and the common case of the form
# and the rating is answered by portal.citizen.hotpath before it gets here (unless HOT_PATH is off):
# the rating through the same submit path and answers (submit.py, rating_answer), the form from the
# pages this handler keeps, so a change to the form's answer belongs there too
# (tests/portal/test_hotpath.py compares the two). The others open and close their own session in
# their worker thread, so no connection stays checked out while the request waits for the event loop
# to render and clean up (under load that wait emptied the pool; staff pages use the `db` dependency).


class CitizenController(Controller):
    """The pages a citizen sees after scanning a counter's code."""

    path = "/r"

    @get("/{token:str}", name="portal:rate")
    async def rating_form(
        self,
        request: Request,
        token: FromPath[str],
        portal: PortalDep,
        k: FromQuery[str | None] = None,
    ) -> Response:
        if k is None:  # scanned from the counter's poster: the hot path
            return _form(request, await _counter_page(portal, token), portal)
        return await sync_to_thread(_kiosk_form, request, portal, token, k)

    @post("/{token:str}", name="portal:submit", status_code=303, opt={NO_COMPRESSION: True})
    async def submit_rating(
        self, request: Request, token: FromPath[str], data: FormData, portal: PortalDep
    ) -> Response:
        # On the event loop: the rating waits for the writer's batch (writer.py), holding no thread
        # or connection. The counter's page is looked up (in a thread) only when a page is shown again.
        try:
            rating = parse_rating_form(data)
        except FormErrors as invalid:
            page, proof = await _counter_page(portal, token), _submitted_proof(portal, data, "k:")
            return _form(request, page, portal, invalid.values, invalid.errors, status_code=422, proof=proof)
        outcome = await submit(portal, ThanksPage.of(request.app), token, rating, _citizen(request, portal))
        return await rating_answer(request, portal, token, data, outcome)

    @get("/{token:str}/terima-kasih", name="portal:thanks")
    async def thanks(self, request: Request, token: FromPath[str], portal: PortalDep) -> Response:
        page = await _counter_page(portal, token)
        case_id = case_from_reference(portal.settings.secret_key, request.query_params.get(CASE_PARAM))
        if case_id is not None:  # the rating opened a case: its own page, not a kept one
            case = await sync_to_thread(_case_for_citizen, portal, case_id)
            return render(request, "portal/thanks.html", {"page": page, "case": case})
        return render_kept(request, "portal/thanks.html", lambda: {"page": page, "case": None}, key=page)

    @get("/{token:str}/poster", name="portal:poster", sync_to_thread=True)
    def poster(self, request: Request, token: FromPath[str], portal: PortalDep) -> Template:
        with portal.sessions() as db:
            page = _page(db, portal, token)
            url = _qr_url(request, portal, token)
            return render(
                request,
                "portal/poster.html",
                {"page": page, "rating_url": url, "qr_svg": qr.qr_svg_inline(url)},
            )

    @get("/{token:str}/qr.png", name="portal:qr_png", sync_to_thread=True)
    def qr_png(self, request: Request, token: FromPath[str], portal: PortalDep) -> Response:
        with portal.sessions() as db:
            _page(db, portal, token)
            return Response(qr.qr_png(_qr_url(request, portal, token)), media_type="image/png")

    @get("/{token:str}/qr.svg", name="portal:qr_svg", sync_to_thread=True)
    def qr_svg(self, request: Request, token: FromPath[str], portal: PortalDep) -> Response:
        with portal.sessions() as db:
            _page(db, portal, token)
            return Response(qr.qr_svg(_qr_url(request, portal, token)), media_type="image/svg+xml")


class TicketController(Controller):
    """The rating page behind a queue slip's QR code: one ticket, one rating, bound to its officer."""

    path = "/t"

    def _page(self, request: Request, db: Session, portal: Portal, token: str) -> tuple[int, Any]:
        try:
            return service.ticket_page(db, portal.settings, portal.clock(), token)
        except service.ProofRejected as rejected:
            if rejected.reason == "forged":
                raise NotFoundException("unknown ticket") from None
            raise _TicketClosed(rejected.reason) from None

    @get("/{token:str}", name="portal:ticket", sync_to_thread=True)
    def ticket_form(self, request: Request, token: FromPath[str], portal: PortalDep) -> Response:
        with portal.sessions() as db:
            try:
                ticket_id, page = self._page(request, db, portal, token)
            except _TicketClosed as closed:
                return _closed_ticket(request, db, portal, token, closed.reason)
            return _ticket_form(request, page, portal, token, ticket_id)

    @post("/{token:str}", name="portal:ticket_submit", sync_to_thread=True, status_code=303)
    def ticket_submit(
        self, request: Request, token: FromPath[str], data: FormData, portal: PortalDep
    ) -> Response:
        with portal.sessions() as db:
            try:
                rating = parse_rating_form(data)
            except FormErrors as invalid:
                return self._form_again(request, db, portal, token, invalid.values, invalid.errors)
            try:
                outcome = service.submit_ticket_rating(
                    db,
                    portal.settings,
                    portal.signer,
                    portal.clock(),
                    token,
                    rating,
                    _citizen(request, portal),
                )
            except service.Flooded:
                raise TooManyRequestsException("too many ratings from this network") from None
            except service.FormExpired:
                return self._form_again(request, db, portal, token, _values(data), _EXPIRED)
            except service.ProofRejected as rejected:
                if rejected.reason == "forged":
                    raise NotFoundException("unknown ticket") from None
                return _closed_ticket(request, db, portal, token, rejected.reason)
            if outcome is service.SubmitOutcome.ALREADY_USED:
                return _closed_ticket(request, db, portal, token, "reused")
            case_query = ""
            if isinstance(outcome, service.CaseOpened):
                reference = case_reference(portal.settings.secret_key, outcome.case_id)
                case_query = f"&{CASE_PARAM}={reference}"
            return Redirect(
                # a path, never an absolute URL from the request's Host header
                request.app.route_reverse("portal:ticket_thanks", token=token)
                + f"?lang={request.state.language}{case_query}",
                status_code=303,
            )

    def _form_again(
        self, request: Request, db: Session, portal: Portal, token: str, values: dict, errors: dict
    ) -> Response:
        try:
            ticket_id, page = self._page(request, db, portal, token)
        except _TicketClosed as closed:
            return _closed_ticket(request, db, portal, token, closed.reason)
        return _ticket_form(request, page, portal, token, ticket_id, values, errors, 422)

    @get("/{token:str}/terima-kasih", name="portal:ticket_thanks", sync_to_thread=True)
    def ticket_thanks(self, request: Request, token: FromPath[str], portal: PortalDep) -> Template:
        with portal.sessions() as db:
            try:
                page = service.ticket_thanks_page(db, portal.settings, portal.clock(), token)
            except service.UnknownCounter:
                raise NotFoundException("unknown ticket") from None
            case_id = case_from_reference(portal.settings.secret_key, request.query_params.get(CASE_PARAM))
            case = case_for_citizen(db, case_id) if case_id is not None else None
            return render(request, "portal/thanks.html", {"page": page, "case": case})


class _TicketClosed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _ticket_form(
    request: Request,
    page: service.CounterPage,
    portal: Portal,
    token: str,
    ticket_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    action = request.app.route_reverse("portal:ticket_submit", token=token)
    return _form(request, page, portal, values, errors, status_code, proof=f"t:{ticket_id}", action=action)


def _closed_ticket(request: Request, db: Session, portal: Portal, token: str, reason: str) -> Template:
    page = service.ticket_thanks_page(db, portal.settings, portal.clock(), token)
    if reason == "expired":
        return render(request, "portal/ticket_expired.html", {"page": page}, status_code=410)
    return render(request, "portal/ticket_used.html", {"page": page})


class KioskController(Controller):
    """The display of a registered counter screen: the counter and a QR code that changes every step."""

    path = "/kiosk"

    @get("/{credential:str}", name="portal:kiosk", sync_to_thread=True)
    def screen(self, request: Request, credential: FromPath[str], portal: PortalDep) -> Template:
        with portal.sessions() as db:
            screen = _screen(db, portal, credential)
            url = _kiosk_url(request, portal, screen)
            return render(
                request,
                "portal/kiosk.html",
                {
                    "page": screen.page,
                    "qr_svg": qr.qr_svg_inline(url),
                    "rating_url": url,
                    # reload just after the code changes (used when JavaScript is off)
                    "refresh_in": max(1, int(screen.refresh_in) + 1),
                    "valid_for": int(screen.refresh_in) + portal.settings.kiosk_grace_seconds,
                    "code_url": request.app.route_reverse("portal:kiosk_code", credential=credential),
                },
            )

    @get("/{credential:str}/code", name="portal:kiosk_code", sync_to_thread=True)
    def code(self, request: Request, credential: FromPath[str], portal: PortalDep) -> Response:
        """The current code for the screen's script: it swaps the picture without reloading the page."""
        with portal.sessions() as db:
            screen = _screen(db, portal, credential)
            url = _kiosk_url(request, portal, screen)
            return Response(
                {
                    "step": screen.step,
                    "rating_url": url,
                    "svg": qr.qr_svg_inline(url),
                    "refresh_in": round(screen.refresh_in, 3),
                    "valid_for": round(screen.refresh_in + portal.settings.kiosk_grace_seconds, 3),
                    "officer": screen.page.officer.name if screen.page.officer else None,
                },
                headers={"Cache-Control": "no-store"},
            )


def _screen(db: Session, portal: Portal, credential: str) -> proofs.KioskScreen:
    try:
        return proofs.kiosk_screen(db, portal.settings, portal.clock(), credential)
    except proofs.NotFound:
        raise NotFoundException("unknown or revoked kiosk") from None


def _kiosk_url(request: Request, portal: Portal, screen: proofs.KioskScreen) -> str:
    path = request.app.route_reverse("portal:rate", token=screen.page.token)
    return qr.rating_url(portal.settings.base_url, f"{path}?k={screen.code}")
