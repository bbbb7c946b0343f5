"""The machine API under /api/v1 (docs/channels.md): rating tickets for queue machines and service
applications, authenticated by a unit-scoped API key, rate limited per key, documented by the
OpenAPI schema at /api/docs, and answering every error as an RFC 9457 problem document."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import JSONBody, PathParameter, SkipValidation
from sqlalchemy.orm import Session

from portal.citizen import proofs, qr
from portal.citizen.api_docs import SelfHostedSwagger
from portal.citizen.proofs import ApiClient
from portal.kernel.web import Portal

log = logging.getLogger("portal.api")

API_PREFIX = "/api"
API_V1 = "/api/v1"
DOCS_PATH = "/api/docs"
PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_ID = 2**31 - 1
# Printable text only: control characters (NUL above all) never reach the database.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

Db = NamedDependency[SkipValidation[Session]]
PortalDep = NamedDependency[SkipValidation[Portal]]
ApiClientDep = NamedDependency[SkipValidation[ApiClient]]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


# --- problem documents (RFC 9457) ---------------------------------------------------------------------


class Problem(msgspec.Struct):
    """An RFC 9457 problem document. `errors` lists the invalid fields of a 400."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class ApiProblem(HTTPException):
    """Raised by API code: becomes a problem document with this status, detail and headers."""

    def __init__(self, status_code: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=detail, status_code=status_code, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.exception("unhandled API error on %s %s", request.method, request.scope["path"], exc_info=exc)
        detail = "The server could not handle this request. It has been logged; please try again later."
    else:
        detail = exc.detail if isinstance(exc, HTTPException) and exc.detail else _phrase(status)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _phrase(status),
        "status": status,
        "detail": detail,
    }
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        body["errors"] = exc.extra
    headers = dict(getattr(exc, "headers", None) or {}) if status < 500 else {}
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="rating-portal"')
    headers["Cache-Control"] = "no-store"
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def for_api_paths(
    page_handler: Callable[[Request, Exception], Any],
) -> Callable[[Request, Exception], Any]:
    """An app-wide exception handler: problem documents under /api, `page_handler` elsewhere."""

    def handle(request: Request, exc: Exception) -> Any:
        path = request.scope["path"]  # not request.url: a malformed Host header must not fail here
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return problem_response(request, exc)
        return page_handler(request, exc)

    return handle


def problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=description,
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


COMMON_RESPONSES = {
    400: problem_spec("The request is malformed or a value is invalid (`errors` names the fields)"),
    401: problem_spec("No API key, or an unknown or revoked one"),
    429: problem_spec("Too many requests with this key in the current minute (see Retry-After)"),
}


# --- authentication and rate limit --------------------------------------------------------------------


def provide_api_client(request: Request, portal: PortalDep) -> ApiClient:
    """`Authorization: Bearer <key>` to the key's unit; counts the request against the key's limit.

    It uses a session of its own: when a dependency raises, Litestar never finalises the generator
    dependencies resolved with it (the request's `db`), which would leak a connection per refusal."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > 200:
        raise ApiProblem(401, "Send the unit's API key as `Authorization: Bearer <key>`.")
    try:
        with portal.sessions() as session:
            return proofs.authenticate_api_key(session, portal.settings, portal.clock(), secret)
    except proofs.NotFound:
        raise ApiProblem(401, "This API key is unknown or has been revoked.") from None
    except proofs.RateLimited as limited:
        raise ApiProblem(
            429,
            f"Too many requests with this key; try again in {limited.retry_after} seconds.",
            headers={"Retry-After": str(limited.retry_after)},
        ) from None


API_DEPENDENCIES = {"api_client": Provide(provide_api_client, sync_to_thread=True)}
SECURITY = [{"apiKey": []}]


def openapi_config() -> OpenAPIConfig:
    """Only the machine API is in the schema (the app sets include_in_schema=False for the rest)."""
    return OpenAPIConfig(
        title="Rating portal API",
        version="1.0.0",
        description=(
            "Rating tickets for queue machines and service applications, and published unit results. "
            "Authenticate with a unit's API key (`Authorization: Bearer rpk_...`). Errors are RFC 9457 "
            "problem documents (`application/problem+json`). Each key may make a limited number of "
            "requests per minute; a 429 answer says when to retry."
        ),
        path=DOCS_PATH,
        render_plugins=[SelfHostedSwagger(path="/"), JsonRenderPlugin(), YamlRenderPlugin()],
        components=Components(
            security_schemes={
                "apiKey": SecurityScheme(
                    type="http", scheme="bearer", description="A unit's API key: rpk_<prefix>_<secret>"
                )
            }
        ),
    )


# --- tickets ------------------------------------------------------------------------------------------


class TicketIn(msgspec.Struct, forbid_unknown_fields=True):
    """One service transaction at a counter of the key's unit."""

    counter_id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="A counter of the key's unit")]
    service_type: Annotated[
        str, msgspec.Meta(min_length=1, max_length=120, pattern=PRINTABLE, description="e.g. KTP-el")
    ]
    ticket_number: Annotated[
        str, msgspec.Meta(min_length=1, max_length=40, pattern=PRINTABLE, description="e.g. A-017")
    ]
    officer_nip: (
        Annotated[
            str,
            msgspec.Meta(pattern=r"^[0-9]{18}$", description="The serving officer; omit for the one on duty"),
        ]
        | None
    ) = None


class TicketOut(msgspec.Struct):
    ticket_id: int
    counter_id: int
    officer_nip: str | None
    rating_url: str
    qr_svg_url: str
    qr_png_url: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class CounterOut(msgspec.Struct):
    counter_id: int
    name: str


def _ticket_out(request: Request, portal: Portal, ticket: proofs.IssuedTicket) -> TicketOut:
    base = portal.settings.base_url
    return TicketOut(
        ticket_id=ticket.ticket_id,
        counter_id=ticket.counter_id,
        officer_nip=ticket.officer_nip,
        rating_url=_rating_url(request, portal, ticket),
        qr_svg_url=base + request.app.route_reverse("api:ticket_qr_svg", ticket_id=ticket.ticket_id),
        qr_png_url=base + request.app.route_reverse("api:ticket_qr_png", ticket_id=ticket.ticket_id),
        created_at=ticket.created_at,
        expires_at=ticket.expires_at,
        used_at=ticket.used_at,
    )


def _rating_url(request: Request, portal: Portal, ticket: proofs.IssuedTicket) -> str:
    return qr.rating_url(
        portal.settings.base_url, request.app.route_reverse("portal:ticket", token=ticket.token)
    )


def _ticket(db: Session, portal: Portal, api_client: ApiClient, ticket_id: int) -> proofs.IssuedTicket:
    try:
        return proofs.get_ticket(db, portal.settings, api_client, ticket_id)
    except proofs.NotFound:
        raise ApiProblem(404, f"There is no ticket {ticket_id} of this key's unit.") from None


class TicketApiController(Controller):
    """Rating tickets: one per service transaction, printed on the queue slip as a QR code."""

    path = API_V1
    tags = ("tickets",)
    include_in_schema = True
    dependencies = API_DEPENDENCIES
    security = SECURITY

    @post(
        "/tickets",
        name="api:ticket_create",
        sync_to_thread=True,
        status_code=201,
        summary="Issue a single-use rating ticket",
        responses={
            **COMMON_RESPONSES,
            403: problem_spec("The counter belongs to another unit"),
            415: problem_spec("The body is not sent as application/json"),
            422: problem_spec("No such counter, or no active officer with this NIP in the unit"),
        },
    )
    def create_ticket(
        self, request: Request, data: JSONBody[TicketIn], db: Db, portal: PortalDep, api_client: ApiClientDep
    ) -> TicketOut:
        """Binds a rating to one service transaction and its officer (the NIP given, else the one on duty
        at the counter). The rating URL works once and expires after the configured time."""
        try:
            ticket = proofs.create_ticket(
                db,
                portal.settings,
                portal.clock(),
                api_client,
                proofs.TicketRequest(
                    data.counter_id, data.service_type, data.ticket_number, data.officer_nip
                ),
            )
        except proofs.OutOfScope as denied:
            raise ApiProblem(403, str(denied)) from None
        except (proofs.NotFound, proofs.Invalid) as invalid:
            raise ApiProblem(422, str(invalid)) from None
        return _ticket_out(request, portal, ticket)

    @get(
        "/tickets/{ticket_id:int}",
        name="api:ticket",
        sync_to_thread=True,
        summary="A ticket and whether it has been used",
        responses={**COMMON_RESPONSES, 404: problem_spec("No such ticket in this key's unit")},
    )
    def ticket(
        self, request: Request, ticket_id: Id, db: Db, portal: PortalDep, api_client: ApiClientDep
    ) -> TicketOut:
        return _ticket_out(request, portal, _ticket(db, portal, api_client, ticket_id))

    @get(
        "/tickets/{ticket_id:int}/qr.svg",
        name="api:ticket_qr_svg",
        sync_to_thread=True,
        media_type="image/svg+xml",
        summary="The ticket's QR code as SVG",
        responses={**COMMON_RESPONSES, 404: problem_spec("No such ticket in this key's unit")},
    )
    def ticket_qr_svg(
        self, request: Request, ticket_id: Id, db: Db, portal: PortalDep, api_client: ApiClientDep
    ) -> Response[bytes]:
        ticket = _ticket(db, portal, api_client, ticket_id)
        return Response(qr.qr_svg(_rating_url(request, portal, ticket)), media_type="image/svg+xml")

    @get(
        "/tickets/{ticket_id:int}/qr.png",
        name="api:ticket_qr_png",
        sync_to_thread=True,
        media_type="image/png",
        summary="The ticket's QR code as PNG",
        responses={**COMMON_RESPONSES, 404: problem_spec("No such ticket in this key's unit")},
    )
    def ticket_qr_png(
        self, request: Request, ticket_id: Id, db: Db, portal: PortalDep, api_client: ApiClientDep
    ) -> Response[bytes]:
        ticket = _ticket(db, portal, api_client, ticket_id)
        return Response(qr.qr_png(_rating_url(request, portal, ticket)), media_type="image/png")

    @get(
        "/counters",
        name="api:counters",
        sync_to_thread=True,
        summary="The active counters of the key's unit",
        responses=COMMON_RESPONSES,
    )
    def counters(self, db: Db, api_client: ApiClientDep) -> list[CounterOut]:
        return [CounterOut(c.id, c.name) for c in proofs.unit_counters(db, api_client)]
