"""`/publik`: the published unit results, no sign-in; a plain Controller outside the staff area."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from portal.kernel.web import render
from staff_admin.public.service import public_results
from staff_admin.routes import Db

PeriodQuery = Annotated[str | None, QueryParameter(name="period")]


class PublicResultsController(Controller):
    path = "/publik"
    include_in_schema = False

    @get("/", name="public:results", sync_to_thread=True)
    def results(self, request: Request, db: Db, period: PeriodQuery = None) -> Template:
        page = public_results(db, period)
        status = page.problem.status if page.problem else 200
        return render(request, "public/results.html", {"page": page}, status)
