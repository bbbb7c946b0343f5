"""The unit dashboard: a scored period's unit figures, and for one unit its monthly IKM trend, the
distribution of overall ratings, its officers' results and the number of flagged ratings.

Unit and officer figures come from the stored results of the period's ScoringRun; the trend is
computed live from the ratings not excluded, month by month in the run's time zone, with the
regulation's formula (scoring.skm.ikm_from_sums)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import SKM_ELEMENTS, Employee, Rating, Unit
from scoring.db.models import OfficerResult, UnitResult
from scoring.periods import Period, PeriodError, parse_period
from scoring.skm import ikm_from_sums
from staff_admin.access import (
    ADMIN,
    HR,
    UNIT_HEAD,
    NotFound,
    Principal,
    require_role,
    require_unit,
    unit_scope,
)
from staff_admin.complaints.service import overdue_count
from staff_admin.dashboard.charts import BarChart, LineChart, bar_chart, line_chart
from staff_admin.dashboard.labels import CATEGORY_NAMES
from staff_admin.dashboard.results import (
    ChosenRun,
    PeriodOption,
    PeriodProblem,
    UnitFigure,
    choose_run,
    scored_periods,
    unit_figures,
)
from staff_admin.dashboard.themes import ThemeFigure, unit_themes
from staff_admin.jobs.freshness import Staleness, staleness
from staff_admin.jobs.service import SCORING_ROLES, JobView, latest_jobs, may_score, queue_scoring
from staff_admin.kit.problems import invalid

TREND_MONTHS = 12


@dataclass(frozen=True)
class OfficerFigure:
    employee_id: int
    name: str
    nip: str
    score: float | None
    score_low: float | None
    score_high: float | None
    n_ratings: int
    n_excluded: int
    n_used: int
    sufficient: bool
    category: str
    category_name: str  # msgid


@dataclass(frozen=True)
class FocusUnit:
    unit_id: int
    name: str
    figure: UnitFigure | None  # None when the unit had no ratings in the period
    trend: LineChart
    distribution: BarChart
    officers: list[OfficerFigure]
    flagged: int  # ratings excluded in the period


@dataclass(frozen=True)
class DashboardPage:
    periods: list[PeriodOption]
    run: ChosenRun | None
    problem: PeriodProblem | None
    units: list[UnitFigure]
    focus: FocusUnit | None
    overdue_complaints: int = 0
    themes: list[ThemeFigure] = field(default_factory=list)  # of the focused unit
    stale: Staleness | None = None  # ratings or decisions that arrived since the run
    job: JobView | None = None  # the period's newest scoring job
    may_score: bool = False  # HR and admins may queue a new scoring of the period


def dashboard(
    session: Session, principal: Principal, period_text: str | None, unit_text: str | None, today: date
) -> DashboardPage:
    """Admin and HR see every unit, a unit head their own and its sub-units; officers may not.
    A unit outside the principal's scope, or not a unit id at all, is a 404."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    unit_id = None
    if unit_text:
        unit_id = parse_id(unit_text)
        if unit_id is None:
            raise NotFound(f"unit {unit_text[:20]!r}")
        require_unit(principal, unit_id)
    periods = scored_periods(session)
    overdue = overdue_count(session, principal, today)
    chosen = choose_run(session, period_text)
    if isinstance(chosen, PeriodProblem):
        return DashboardPage(periods, None, chosen, [], None, overdue)
    units = unit_figures(session, chosen.run_id, unit_scope(principal, UnitResult.unit_id))
    if unit_id is None:
        unit_id = _default_unit(principal, units)
    focus = None if unit_id is None else _focus(session, chosen, unit_id, units)
    themes = [] if focus is None else unit_themes(session, principal, chosen.run_id, focus.unit_id)
    job = latest_jobs(session, principal, [chosen.key], chosen.timezone).get(chosen.key)
    stale = staleness(session, chosen.key, unit_scope(principal, Rating.unit_id))
    return DashboardPage(
        periods, chosen, None, units, focus, overdue, themes, stale, job, may_score(principal)
    )


def rescore(session: Session, principal: Principal, period_text: str, now: datetime) -> JobView:
    """The dashboard's "score again": queues a scoring job of the shown period (see jobs.service)."""
    require_role(principal, *SCORING_ROLES)
    try:
        period = parse_period(period_text)
    except PeriodError:
        raise invalid("period", N_("Choose a period to score again.")) from None
    return queue_scoring(session, principal, period, now)


def _default_unit(principal: Principal, units: list[UnitFigure]) -> int | None:
    if principal.role == UNIT_HEAD and principal.unit_id is not None:
        return principal.unit_id
    return units[0].unit_id if units else None


def _focus(session: Session, run: ChosenRun, unit_id: int, units: list[UnitFigure]) -> FocusUnit:
    name = session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""
    period = Period(run.start, run.end, run.label)
    start, end = period.bounds(run.timezone)
    in_period = and_(Rating.unit_id == unit_id, Rating.submitted_at >= start, Rating.submitted_at < end)
    counts: dict[int, int] = {
        overall: count
        for overall, count in session.execute(
            select(Rating.overall, func.count())
            .where(in_period, Rating.excluded.is_(False))
            .group_by(Rating.overall)
        )
    }
    flagged = session.scalar(select(func.count()).where(in_period, Rating.excluded.is_(True))) or 0
    return FocusUnit(
        unit_id=unit_id,
        name=name,
        figure=next((u for u in units if u.unit_id == unit_id), None),
        trend=line_chart(monthly_ikm(session, unit_id, period.end, run.timezone)),
        distribution=bar_chart([(str(score), counts.get(score, 0)) for score in (1, 2, 3, 4)]),
        officers=officer_figures(session, run.run_id, unit_id),
        flagged=flagged,
    )


def trend_months(last_day: date, months: int = TREND_MONTHS) -> list[Period]:
    """The `months` calendar months ending with the month of `last_day`, oldest first."""
    periods = []
    year, month = last_day.year, last_day.month
    for _ in range(months):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        periods.append(Period(first, date.fromordinal(following.toordinal() - 1), first.strftime("%Y-%m")))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def monthly_ikm(
    session: Session, unit_id: int, last_day: date, timezone: str
) -> list[tuple[str, float | None]]:
    """(YYYY-MM, IKM or None) for the trend months: one query, months told apart by CASE ranges."""
    months = trend_months(last_day)
    bounds = [month.bounds(timezone) for month in months]
    month_index = case(
        *((and_(Rating.submitted_at >= s, Rating.submitted_at < e), i) for i, (s, e) in enumerate(bounds)),
        else_=-1,
    ).label("month")
    # A subquery, so GROUP BY names a column: PostgreSQL would not match two copies of the CASE
    # whose bound datetimes are separate parameters.
    monthly = (
        select(month_index, *(getattr(Rating, code) for code in SKM_ELEMENTS))
        .where(
            Rating.unit_id == unit_id,
            Rating.excluded.is_(False),
            Rating.submitted_at >= bounds[0][0],
            Rating.submitted_at < bounds[-1][1],
        )
        .subquery()
    )
    elements = [monthly.c[code] for code in SKM_ELEMENTS]
    rows = session.execute(
        select(
            monthly.c.month,
            *(func.coalesce(func.sum(column), 0) for column in elements),
            *(func.count(column) for column in elements),
        ).group_by(monthly.c.month)
    )
    values: dict[int, float | None] = {}
    width = len(elements)
    for index, *numbers in rows:
        ikm = ikm_from_sums([int(n) for n in numbers[:width]], [int(n) for n in numbers[width:]])
        values[int(index)] = None if ikm is None else float(ikm)
    return [(month.label, values.get(i)) for i, month in enumerate(months)]


def officer_figures(session: Session, run_id: int, unit_id: int) -> list[OfficerFigure]:
    rows = session.execute(
        select(OfficerResult, Employee.name, Employee.nip)
        .join(Employee, Employee.id == OfficerResult.employee_id)
        .where(OfficerResult.run_id == run_id, OfficerResult.unit_id == unit_id)
        .order_by(Employee.name, Employee.id)
    )
    return [
        OfficerFigure(
            employee_id=result.employee_id,
            name=name,
            nip=nip,
            score=result.score,
            score_low=result.score_low,
            score_high=result.score_high,
            n_ratings=result.n_ratings,
            n_excluded=result.n_excluded,
            n_used=result.n_used,
            sufficient=result.sufficient,
            category=result.category,
            category_name=CATEGORY_NAMES.get(result.category, result.category),
        )
        for result, name, nip in rows
    ]
