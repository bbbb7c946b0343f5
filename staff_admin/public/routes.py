"""`/publik`: the published unit results, no sign-in; a plain Controller outside the staff area."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from portal.kernel.deps import Reads
from portal.kernel.replica import REPLICA_READS
from portal.kernel.web import render
from staff_admin.access import NotFound
from staff_admin.kit.deps import Db, PeriodQuery
from staff_admin.public.service import public_results
from staff_admin.reports.publishing import published_pdf


class PublicResultsController(Controller):
    path = "/publik"
    include_in_schema = False

    @get("/", name="public:results", sync_to_thread=True, opt=REPLICA_READS)
    def results(self, request: Request, reads: Reads, period: PeriodQuery = None) -> Template:
        page = public_results(reads, period, request.app.state.portal.settings.period_timezone)
        status = page.problem.status if page.problem else 200
        return render(request, "public/results.html", {"page": page}, status)

    @get("/laporan/{report_id:str}", name="public:report_pdf", sync_to_thread=True)
    def report_pdf(self, db: Db, report_id: FromPath[str]) -> Response:
        """A published SKM report (staff_admin.reports.publishing), as its unit head published it."""
        try:
            name, body = published_pdf(db, report_id.removesuffix(".pdf"))
        except NotFound:
            raise NotFoundException() from None
        headers = {
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "public, max-age=300",
        }
        return Response(body, media_type="application/pdf", headers=headers)
