"""`/publik`: the published unit results, no sign-in; a plain Controller outside the staff area."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from portal.kernel.web import render
from staff_admin.kit.deps import Db, PeriodQuery
from staff_admin.public.service import public_results


class PublicResultsController(Controller):
    path = "/publik"
    include_in_schema = False

    @get("/", name="public:results", sync_to_thread=True)
    def results(self, request: Request, db: Db, period: PeriodQuery = None) -> Template:
        page = public_results(db, period)
        status = page.problem.status if page.problem else 200
        return render(request, "public/results.html", {"page": page}, status)
