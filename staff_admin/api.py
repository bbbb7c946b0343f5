"""Published unit results for other government systems: GET /api/v1/units/{unit_id}/results.

Same API keys, rate limit and problem documents as portal.citizen.api; it lives here because the results are
in the scoring tables and portal imports no scoring. Unit results only, never officer scores (the
regulation publishes unit results; individual scores go to HR through the staff export)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.api import (
    API_DEPENDENCIES,
    API_V1,
    COMMON_RESPONSES,
    SECURITY,
    ApiClientDep,
    ApiProblem,
    Id,
    problem_spec,
)
from portal.kernel.deps import Db
from portal.kernel.models import SKM_ELEMENTS, Unit
from scoring.db.models import ScoringRun, UnitResult
from scoring.periods import PeriodError, parse_period


class PeriodOut(msgspec.Struct):
    label: str
    start: date
    end: date


class UnitResultOut(msgspec.Struct):
    """A unit's SKM result for one scored period: the nine element means (NRR, 1-4), the IKM on the
    25-100 scale, its grade (mutu A-D) and the sample target for the people served."""

    unit_id: int
    unit_code: str
    unit_name: str
    period: PeriodOut
    scored_at: datetime
    detector_version: str
    n_ratings: int
    n_used: int
    nrr: dict[str, float | None]
    ikm: float | None
    mutu: str | None
    sample_target: int | None


def unit_results(session: Session, unit_id: int, period_key: str | None) -> list[UnitResultOut]:
    """The unit's stored results, newest period first (one period when `period_key` is given)."""
    query = (
        select(UnitResult, ScoringRun, Unit)
        .join(ScoringRun, ScoringRun.id == UnitResult.run_id)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.unit_id == unit_id)
        .order_by(ScoringRun.period_start.desc(), ScoringRun.period_end.desc())
    )
    if period_key is not None:
        query = query.where(ScoringRun.period_key == period_key)
    return [
        UnitResultOut(
            unit_id=unit.id,
            unit_code=unit.code,
            unit_name=unit.name,
            period=PeriodOut(run.period_label, run.period_start, run.period_end),
            scored_at=run.finished_at,
            detector_version=run.detector_version,
            n_ratings=result.n_ratings,
            n_used=result.n_used,
            nrr={u: getattr(result, f"nrr_{u}") for u in SKM_ELEMENTS},
            ikm=result.ikm,
            mutu=result.mutu,
            sample_target=result.sample_target,
        )
        for result, run, unit in session.execute(query).all()
    ]


PeriodQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=64,
        description="2026-03, 2026-Q1, 2026-S1, 2026, 2026-03-15 or a range like 2026-01..2026-06",
    ),
]


class ResultsApiController(Controller):
    """Published results of the key's unit."""

    path = API_V1
    tags = ("results",)
    include_in_schema = True
    dependencies = API_DEPENDENCIES
    security = SECURITY

    @get(
        "/units/{unit_id:int}/results",
        name="api:unit_results",
        sync_to_thread=True,
        summary="The unit's scored period results (IKM, NRR per element, mutu)",
        responses={
            **COMMON_RESPONSES,
            403: problem_spec("The unit is not the key's unit"),
            404: problem_spec("The period has not been scored"),
        },
    )
    def unit_results(
        self, unit_id: Id, db: Db, api_client: ApiClientDep, period: PeriodQuery = None
    ) -> list[UnitResultOut]:
        if unit_id != api_client.unit_id:
            raise ApiProblem(403, "This API key may read its own unit's results only.")
        key = None
        if period is not None:
            try:
                key = parse_period(period).key
            except PeriodError as error:
                raise ApiProblem(400, str(error)) from None
        results = unit_results(db, unit_id, key)
        if key is not None and not results:
            raise ApiProblem(404, f"The period {period} has not been scored for this unit yet.")
        return results
