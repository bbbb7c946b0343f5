"""The state of one scoring job as JSON, for the pages' progress display (GET, polled by
static/js/scoring-job.js; without JavaScript the pages refresh themselves while a job runs)."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from staff_admin.jobs.service import job_status
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import StaffDep


class ScoringJobsController(StaffArea):
    path = "/admin/scoring-jobs"

    @get("/{job_id:int}", name="staff:scoring_job", sync_to_thread=True)
    def status(self, job_id: FromPath[int], staff: StaffDep) -> Response:
        job = job_status(staff.db, staff.principal, job_id)
        return Response(job.as_json(), headers={"Cache-Control": "no-store"})
