"""Thin handlers: /admin/review (queue), /admin/me (officer's own view), /admin/appeals."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.citizen.forms import parse_id
from portal.kernel.replica import REPLICA_READS
from scoring.db.cli import scoring_params
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, StaffDep, StaffRequest
from staff_admin.kit.notes import DecisionRefused
from staff_admin.kit.pages import form_text, redirect_to, staff_page
from staff_admin.recognition.rules import SUSTAINED_PERIODS
from staff_admin.recognition.service import LABELS
from staff_admin.review import appeals, own, service


@dataclass(frozen=True)
class Done:
    """The confirmation after a decision, carried by the redirect's query (numbers only)."""

    incidents: list[int]
    confirmed: int
    restored: int


def _count(raw: str) -> int | None:
    return 0 if raw == "0" else parse_id(raw)


def _done(request: Request) -> Done | None:
    query = request.query_params
    numbers = [n for n in map(parse_id, query.get("incident", "").split(",")) if n is not None]
    confirmed, restored = _count(query.get("confirmed", "")), _count(query.get("restored", ""))
    if confirmed is None or restored is None:
        return None
    return Done(numbers, confirmed, restored)


def _queue(
    request: Request, staff: StaffRequest, page: int = 1, refused: DecisionRefused | None = None
) -> Template:
    params = scoring_params(staff.portal.settings)
    queue = service.review_queue(
        staff.db, staff.principal, request.state.language, staff.timezone, staff.now(), params, page
    )
    done = None if refused else _done(request)
    return staff_page(request, "review/queue.html", staff.principal, refused, page=queue, done=done)


def _rating_page(
    request: Request, staff: StaffRequest, reference: str, refused: DecisionRefused | None = None
) -> Template:
    language, secret = request.state.language, staff.portal.settings.secret_key
    rating = own.own_rating(
        staff.db, staff.principal, reference, language, staff.timezone, secret, staff.now()
    )
    return staff_page(request, "review/my_rating.html", staff.principal, refused, rating=rating)


def _appeals_page(request: Request, staff: StaffRequest, refused: DecisionRefused | None = None) -> Template:
    items = appeals.appeals_page(staff.db, staff.principal, request.state.language, staff.timezone)
    return staff_page(request, "review/appeals.html", staff.principal, refused, appeals=items)


class ReviewController(StaffArea):
    path = "/admin/review"

    # Not on the standby: showing the queue numbers the incidents of newly flagged ratings (a write).
    @get("/", name="review:queue", sync_to_thread=True)
    def queue(self, request: Request, staff: StaffDep, page: FromQuery[int] = 1) -> Template:
        return _queue(request, staff, page)

    @post("/decide", name="review:decide", sync_to_thread=True, status_code=303)
    def decide(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        ids, opposite = service.parse_ids(data.get("rating_id")), service.parse_ids(data.get("opposite"))
        action, note = form_text(data, "action"), form_text(data, "note")
        page = parse_id(form_text(data, "page")) or 1
        try:
            done = service.decide(staff.db, staff.principal, staff.now(), ids, action, note, opposite)
        except DecisionRefused as refused:
            return _queue(request, staff, page, refused)
        numbers = ",".join(map(str, done.incidents))
        query = f"?page={page}&incident={numbers}&confirmed={done.confirmed}&restored={done.restored}"
        return redirect_to(request, "review:queue", query)


class OfficerController(StaffArea):
    path = "/admin/me"

    @get("/", name="me:home", sync_to_thread=True, opt=REPLICA_READS)
    def home(
        self, request: Request, staff: StaffDep, month: FromQuery[str | None] = None, page: FromQuery[int] = 1
    ) -> Template:
        language, secret = request.state.language, staff.portal.settings.secret_key
        view = own.officer_page(
            staff.db, staff.principal, language, staff.timezone, secret, staff.now(), month, page
        )
        return staff_page(
            request,
            "review/me.html",
            staff.principal,
            page=view,
            own_labels=LABELS,
            own_sustained=SUSTAINED_PERIODS,
        )

    # A rating is named by its opaque reference (staff_admin.review.unlinkable), never by its id.
    @get("/ratings/{reference:str}", name="me:rating", sync_to_thread=True)
    def rating(self, request: Request, reference: FromPath[str], staff: StaffDep) -> Template:
        return _rating_page(request, staff, reference)

    @post("/ratings/{reference:str}", name="me:contest", sync_to_thread=True, status_code=303)
    def contest(
        self, request: Request, reference: FromPath[str], data: FormData, staff: StaffDep
    ) -> Response:
        reason, secret = form_text(data, "reason"), staff.portal.settings.secret_key
        try:
            appeals.contest(staff.db, staff.principal, staff.now(), reference, reason, secret)
        except DecisionRefused as refused:
            return _rating_page(request, staff, reference, refused)
        return redirect_to(request, "me:rating", reference=reference)


class AppealsController(StaffArea):
    path = "/admin/appeals"

    @get("/", name="appeals:list", sync_to_thread=True, opt=REPLICA_READS)
    def list_appeals(self, request: Request, staff: StaffDep) -> Template:
        return _appeals_page(request, staff)

    @post("/{appeal_id:int}", name="appeals:decide", sync_to_thread=True, status_code=303)
    def decide(self, request: Request, appeal_id: FromPath[int], data: FormData, staff: StaffDep) -> Response:
        outcome, note = form_text(data, "outcome"), form_text(data, "note")
        try:
            appeals.decide_appeal(staff.db, staff.principal, staff.now(), appeal_id, outcome, note)
        except DecisionRefused as refused:
            return _appeals_page(request, staff, refused)
        return redirect_to(request, "appeals:list")
