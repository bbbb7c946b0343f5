"""Stored scoring results as plain records: which periods were scored, and each unit's IKM, grade and
respondents against the sample target. Shared by the staff dashboard and the public page; callers
pass the unit scope (a WHERE clause), so the public page and a unit head see what they may."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.models import Unit
from scoring.db.models import ScoringRun, UnitResult
from scoring.periods import PeriodError, PeriodOutOfRange, parse_period
from staff_admin.dashboard.labels import MUTU_NAMES
from staff_admin.kit.inputs import PERIOD_RANGE, PERIOD_RANGE_PARAMS

SCORE_COMMAND = "rating-portal score --period 2026-03"


@dataclass(frozen=True)
class PeriodOption:
    key: str
    label: str  # as written when scored, e.g. 2026-03 or 2026-Q1; parse_period reads it back


@dataclass(frozen=True)
class PeriodProblem:
    """Why no results can be shown: a message (msgid) with its parameters."""

    message: str
    params: dict[str, str]
    status: int  # 400 for a bad value, 200 when there is simply nothing scored yet


@dataclass(frozen=True)
class ChosenRun:
    run_id: int
    key: str
    label: str
    start: date
    end: date
    timezone: str
    detector_version: str
    scored_at: datetime  # when the run finished: ratings sent later are not in its results
    min_ratings: int | None  # the officers' minimum of usable ratings the run applied


@dataclass(frozen=True)
class UnitFigure:
    unit_id: int
    code: str
    name: str
    ikm: float | None  # None when some element has no answers
    mutu: str  # A-D or ""
    mutu_name: str  # msgid of the grade's label
    n_ratings: int
    n_used: int
    sample_target: int | None
    target_met: bool


def scored_periods(session: Session) -> list[PeriodOption]:
    """Every scored period, the latest first."""
    rows = session.execute(
        select(ScoringRun.period_key, ScoringRun.period_label).order_by(
            ScoringRun.period_end.desc(), ScoringRun.period_start.desc(), ScoringRun.id.desc()
        )
    )
    return [PeriodOption(key, label) for key, label in rows]


def choose_run(session: Session, period_text: str | None) -> ChosenRun | PeriodProblem:
    """The run of the asked period (any spelling parse_period reads), or the latest run."""
    statement = select(ScoringRun)
    if period_text and period_text.strip():
        try:
            period = parse_period(period_text)
        except PeriodOutOfRange:
            return PeriodProblem(PERIOD_RANGE, {"value": period_text[:40], **PERIOD_RANGE_PARAMS}, 400)
        except PeriodError:
            return PeriodProblem(
                N_("“%(period)s” is not a period. Use e.g. 2026-03, 2026-Q1, 2026-S1 or 2026."),
                {"period": period_text[:40]},
                400,
            )
        run = session.scalar(statement.where(ScoringRun.period_key == period.key))
        if run is None:
            return PeriodProblem(
                N_("Period %(period)s has not been scored yet. Score it with: %(command)s"),
                {"period": period.label, "command": f"rating-portal score --period {period.label}"},
                200,
            )
    else:
        run = session.scalar(
            statement.order_by(ScoringRun.period_end.desc(), ScoringRun.period_start.desc()).limit(1)
        )
        if run is None:
            return PeriodProblem(
                N_("No period has been scored yet. Score one with: %(command)s"),
                {"command": SCORE_COMMAND},
                200,
            )
    return ChosenRun(
        run_id=run.id,
        key=run.period_key,
        label=run.period_label,
        start=run.period_start,
        end=run.period_end,
        timezone=run.timezone,
        detector_version=run.detector_version,
        scored_at=run.finished_at,
        min_ratings=(run.params or {}).get("min_ratings"),
    )


def unit_figures(session: Session, run_id: int, scope: ColumnElement[bool] | None = None) -> list[UnitFigure]:
    """The run's unit results within `scope` (a clause on UnitResult.unit_id), by unit name."""
    rows = session.execute(
        select(UnitResult, Unit.code, Unit.name)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.run_id == run_id, true() if scope is None else scope)
        .order_by(Unit.name, Unit.id)
    )
    return [_figure(result, code, name) for result, code, name in rows]


def _figure(result: UnitResult, code: str, name: str) -> UnitFigure:
    mutu = result.mutu or ""
    return UnitFigure(
        unit_id=result.unit_id,
        code=code,
        name=name,
        ikm=result.ikm,
        mutu=mutu,
        mutu_name=MUTU_NAMES.get(mutu, ""),
        n_ratings=result.n_ratings,
        n_used=result.n_used,
        sample_target=result.sample_target,
        target_met=result.sample_target is not None and result.n_used >= result.sample_target,
    )
