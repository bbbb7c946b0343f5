"""Thin handlers: /admin/review (queue), /admin/me (officer's own view), /admin/appeals."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from portal.kernel.web import Portal
from staff_admin.access import Principal
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import Db, FormData, PortalDep, PrincipalDep
from staff_admin.kit.notes import DecisionRefused
from staff_admin.kit.pages import form_text, redirect_to, staff_page
from staff_admin.review import appeals, service


def _queue(
    request: Request, db: Db, portal: Portal, principal: Principal, refused: DecisionRefused | None = None
) -> Template:
    page = service.review_queue(db, principal, request.state.language, portal.settings.period_timezone)
    return staff_page(request, "review/queue.html", principal, refused, page=page)


def _rating_page(
    request: Request,
    db: Db,
    portal: Portal,
    principal: Principal,
    rating_id: int,
    refused: DecisionRefused | None = None,
) -> Template:
    tz = portal.settings.period_timezone
    rating = appeals.own_rating(db, principal, rating_id, request.state.language, tz)
    return staff_page(request, "review/my_rating.html", principal, refused, rating=rating)


def _appeals_page(
    request: Request, db: Db, portal: Portal, principal: Principal, refused: DecisionRefused | None = None
) -> Template:
    items = appeals.appeals_page(db, principal, request.state.language, portal.settings.period_timezone)
    return staff_page(request, "review/appeals.html", principal, refused, appeals=items)


class ReviewController(StaffArea):
    path = "/admin/review"

    @get("/", name="review:queue", sync_to_thread=True)
    def queue(self, request: Request, db: Db, portal: PortalDep, principal: PrincipalDep) -> Template:
        return _queue(request, db, portal, principal)

    @post("/decide", name="review:decide", sync_to_thread=True, status_code=303)
    def decide(
        self, request: Request, data: FormData, db: Db, portal: PortalDep, principal: PrincipalDep
    ) -> Response:
        ids = service.parse_ids(data.get("rating_id"))
        action, note = form_text(data, "action"), form_text(data, "note")
        try:
            service.decide(db, principal, portal.clock(), ids, action, note)
        except DecisionRefused as refused:
            return _queue(request, db, portal, principal, refused)
        return redirect_to(request, "review:queue")


class OfficerController(StaffArea):
    path = "/admin/me"

    @get("/", name="me:home", sync_to_thread=True)
    def home(self, request: Request, db: Db, portal: PortalDep, principal: PrincipalDep) -> Template:
        page = appeals.officer_page(db, principal, request.state.language, portal.settings.period_timezone)
        return staff_page(request, "review/me.html", principal, page=page)

    @get("/ratings/{rating_id:int}", name="me:rating", sync_to_thread=True)
    def rating(
        self, request: Request, rating_id: FromPath[int], db: Db, portal: PortalDep, principal: PrincipalDep
    ) -> Template:
        return _rating_page(request, db, portal, principal, rating_id)

    @post("/ratings/{rating_id:int}", name="me:contest", sync_to_thread=True, status_code=303)
    def contest(
        self,
        request: Request,
        rating_id: FromPath[int],
        data: FormData,
        db: Db,
        portal: PortalDep,
        principal: PrincipalDep,
    ) -> Response:
        try:
            appeals.contest(db, principal, portal.clock(), rating_id, form_text(data, "reason"))
        except DecisionRefused as refused:
            return _rating_page(request, db, portal, principal, rating_id, refused)
        return redirect_to(request, "me:rating", rating_id=rating_id)


class AppealsController(StaffArea):
    path = "/admin/appeals"

    @get("/", name="appeals:list", sync_to_thread=True)
    def list_appeals(self, request: Request, db: Db, portal: PortalDep, principal: PrincipalDep) -> Template:
        return _appeals_page(request, db, portal, principal)

    @post("/{appeal_id:int}", name="appeals:decide", sync_to_thread=True, status_code=303)
    def decide(
        self,
        request: Request,
        appeal_id: FromPath[int],
        data: FormData,
        db: Db,
        portal: PortalDep,
        principal: PrincipalDep,
    ) -> Response:
        outcome, note = form_text(data, "outcome"), form_text(data, "note")
        try:
            appeals.decide_appeal(db, principal, portal.clock(), appeal_id, outcome, note)
        except DecisionRefused as refused:
            return _appeals_page(request, db, portal, principal, refused)
        return redirect_to(request, "appeals:list")
