"""Thin handlers: /admin/review (queue), /admin/me (officer's own view), /admin/appeals."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.kernel.web import Portal, render
from staff_admin.access import Principal
from staff_admin.review import appeals, service
from staff_admin.routes import Db, FormData, PortalDep, PrincipalDep, StaffArea


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _queue(
    request: Request,
    db: Db,
    portal: Portal,
    principal: Principal,
    error: str | None = None,
    status: int = 200,
) -> Template:
    page = service.review_queue(db, principal, request.state.language, portal.settings.period_timezone)
    context = {"page": page, "principal": principal, "error": error}
    return render(request, "staff_admin/review/queue.html", context, status_code=status)


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
        try:
            service.decide(db, principal, portal.clock(), ids, _text(data, "action"), _text(data, "note"))
        except service.DecisionRefused as refused:
            return _queue(request, db, portal, principal, refused.message, 422)
        return Redirect(request.app.route_reverse("review:queue"), status_code=303)


class OfficerController(StaffArea):
    path = "/admin/me"

    @get("/", name="me:home", sync_to_thread=True)
    def home(self, request: Request, db: Db, portal: PortalDep, principal: PrincipalDep) -> Template:
        language, settings = request.state.language, portal.settings
        tz, secret = settings.period_timezone, settings.secret_key
        page = appeals.officer_page(db, principal, language, tz, secret, portal.clock())
        return render(request, "staff_admin/review/me.html", {"page": page, "principal": principal})

    # A rating is named by its opaque reference (staff_admin.review.unlinkable), never by its id.
    @get("/ratings/{reference:str}", name="me:rating", sync_to_thread=True)
    def rating(
        self, request: Request, reference: FromPath[str], db: Db, portal: PortalDep, principal: PrincipalDep
    ) -> Template:
        return self._rating_page(request, db, portal, principal, reference)

    @post("/ratings/{reference:str}", name="me:contest", sync_to_thread=True, status_code=303)
    def contest(
        self,
        request: Request,
        reference: FromPath[str],
        data: FormData,
        db: Db,
        portal: PortalDep,
        principal: PrincipalDep,
    ) -> Response:
        secret = portal.settings.secret_key
        try:
            appeals.contest(db, principal, portal.clock(), reference, _text(data, "reason"), secret)
        except service.DecisionRefused as refused:
            return self._rating_page(request, db, portal, principal, reference, refused.message, 422)
        return Redirect(request.app.route_reverse("me:rating", reference=reference), status_code=303)

    def _rating_page(
        self,
        request: Request,
        db: Db,
        portal: Portal,
        principal: Principal,
        reference: str,
        error: str | None = None,
        status: int = 200,
    ) -> Template:
        language, settings = request.state.language, portal.settings
        tz, secret = settings.period_timezone, settings.secret_key
        rating = appeals.own_rating(db, principal, reference, language, tz, secret, portal.clock())
        context = {"rating": rating, "principal": principal, "error": error}
        return render(request, "staff_admin/review/my_rating.html", context, status_code=status)


class AppealsController(StaffArea):
    path = "/admin/appeals"

    @get("/", name="appeals:list", sync_to_thread=True)
    def list_appeals(self, request: Request, db: Db, portal: PortalDep, principal: PrincipalDep) -> Template:
        return self._page(request, db, portal, principal)

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
        try:
            appeals.decide_appeal(
                db, principal, portal.clock(), appeal_id, _text(data, "outcome"), _text(data, "note")
            )
        except service.DecisionRefused as refused:
            return self._page(request, db, portal, principal, refused.message, 422)
        return Redirect(request.app.route_reverse("appeals:list"), status_code=303)

    def _page(
        self,
        request: Request,
        db: Db,
        portal: Portal,
        principal: Principal,
        error: str | None = None,
        status: int = 200,
    ) -> Template:
        items = appeals.appeals_page(db, principal, request.state.language, portal.settings.period_timezone)
        context = {"appeals": items, "principal": principal, "error": error}
        return render(request, "staff_admin/review/appeals.html", context, status_code=status)
