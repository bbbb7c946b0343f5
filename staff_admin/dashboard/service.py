"""The unit dashboard: a scored period's unit figures (with a city-wide row for HR and admin), and for
one unit what to act on: its SKM report per element (the weakest first; for one counter on request),
its counters, its officers sorted by concern, the monthly IKM trend and the overall ratings.

Unit and officer figures come from the stored results of the period's ScoringRun; counter figures,
the officers' U6/U7 and the city row from the ratings that run kept (staff_admin.dashboard.kept); the
trend is computed live from the ratings not excluded, month by month in the run's time zone, with the
regulation's formula (scoring.skm.ikm_from_sums)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Counter, Rating, Unit
from scoring.db.models import NRR_COLUMNS, UnitResult
from scoring.periods import Period, PeriodError, parse_period
from scoring.skm import grade, ikm_from_sums
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
from staff_admin.dashboard.charts import BarChart, LineChart, MonthValue, bar_chart, line_chart
from staff_admin.dashboard.elements import ElementReport, element_report
from staff_admin.dashboard.kept import Sums, kept_sums, total
from staff_admin.dashboard.labels import MUTU_NAMES
from staff_admin.dashboard.officers import OfficerTable, officer_table
from staff_admin.dashboard.results import (
    ChosenRun,
    PeriodOption,
    PeriodProblem,
    UnitFigure,
    choose_run,
    scored_periods,
    unit_figures,
)
from staff_admin.dashboard.targets import TargetProgress, target_progress
from staff_admin.dashboard.themes import ThemeFigure, unit_themes
from staff_admin.jobs.freshness import Staleness, staleness
from staff_admin.jobs.service import SCORING_ROLES, JobView, latest_jobs, may_score, queue_scoring
from staff_admin.kit.problems import invalid
from staff_admin.kit.tallies import bucket_tallies

TREND_MONTHS = 12


@dataclass(frozen=True)
class KeptFigure:
    """IKM, grade, volume and share of 1-2 ratings of a group of kept ratings (a counter, the city)."""

    n_used: int
    ikm: Decimal | None
    mutu: str
    mutu_name: str  # msgid
    low_share: float | None  # percentage of 1-2 overall ratings

    @classmethod
    def of(cls, sums: Sums) -> KeptFigure:
        ikm = sums.ikm
        mutu = "" if ikm is None else grade(ikm).letter
        return cls(sums.n_used, ikm, mutu, MUTU_NAMES.get(mutu, ""), sums.low_share)


@dataclass(frozen=True)
class CounterFigure:
    counter_id: int
    name: str
    figure: KeptFigure


@dataclass(frozen=True)
class FocusUnit:
    unit_id: int
    name: str
    figure: UnitFigure | None  # None when the unit had no ratings in the period
    elements: ElementReport | None  # of the unit, or of the chosen counter
    counters: list[CounterFigure]  # the lowest IKM first; counters without ratings last
    officers: OfficerTable
    trend: LineChart
    distribution: BarChart
    flagged: int  # ratings excluded in the period
    target: TargetProgress | None = None  # the IKM against the unit's annual target


@dataclass(frozen=True)
class DashboardPage:
    periods: list[PeriodOption]
    run: ChosenRun | None
    problem: PeriodProblem | None
    units: list[UnitFigure]
    focus: FocusUnit | None
    overdue_complaints: int = 0
    low_shares: dict[int, float | None] | None = None  # unit id -> share of 1-2 ratings
    city: KeptFigure | None = None  # every unit together, for HR and admin
    themes: list[ThemeFigure] = field(default_factory=list)  # of the focused unit
    stale: Staleness | None = None  # ratings or decisions that arrived since the run
    job: JobView | None = None  # the period's newest scoring job
    may_score: bool = False  # HR and admins may queue a new scoring of the period


def _id(text: str | None, what: str) -> int | None:
    if not text:
        return None
    identifier = parse_id(text)
    if identifier is None:
        raise NotFound(f"{what} {text[:20]!r}")
    return identifier


def dashboard(
    session: Session,
    principal: Principal,
    period_text: str | None,
    unit_text: str | None,
    today: date,
    counter_text: str | None = None,
) -> DashboardPage:
    """Admin and HR see every unit (and the city-wide row), a unit head their own and its sub-units;
    officers may not. A unit outside the principal's scope, a counter outside the unit shown, or
    something that is not an id at all, is a 404."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    unit_id = _id(unit_text, "unit")
    if unit_id is not None:
        require_unit(principal, unit_id)
    counter_id = _id(counter_text, "counter")
    periods = scored_periods(session)
    overdue = overdue_count(session, principal, today)
    chosen = choose_run(session, period_text)
    if isinstance(chosen, PeriodProblem):
        return DashboardPage(periods, None, chosen, [], None, overdue)
    units = unit_figures(session, chosen.run_id, unit_scope(principal, UnitResult.unit_id))
    if unit_id is None:
        unit_id = _default_unit(principal, units)
    if counter_id is not None and (unit_id is None or not _counter_in(session, counter_id, unit_id)):
        raise NotFound(f"counter {counter_id}")
    per_unit = kept_sums(session, chosen, "unit", lambda dims: [unit_scope(principal, dims["unit"])])
    focus = None if unit_id is None else _focus(session, chosen, unit_id, units, counter_id)
    themes = [] if focus is None else unit_themes(session, principal, chosen.run_id, focus.unit_id)
    job = latest_jobs(session, principal, [chosen.key], chosen.timezone).get(chosen.key)
    stale = staleness(session, chosen.key, unit_scope(principal, Rating.unit_id))
    return DashboardPage(
        periods,
        chosen,
        None,
        units,
        focus,
        overdue,
        low_shares={unit: sums.low_share for unit, sums in per_unit.items()},
        city=KeptFigure.of(total(per_unit.values())) if principal.sees_all_units else None,
        themes=themes,
        stale=stale,
        job=job,
        may_score=may_score(principal),
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


def _counter_in(session: Session, counter_id: int, unit_id: int) -> bool:
    return session.scalar(select(Counter.unit_id).where(Counter.id == counter_id)) == unit_id


def _focus(
    session: Session, run: ChosenRun, unit_id: int, units: list[UnitFigure], counter_id: int | None
) -> FocusUnit:
    name = session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""
    period = Period(run.start, run.end, run.label)
    start, end = period.bounds(run.timezone)
    tallies = bucket_tallies(
        session, [(start, end)], run.timezone, ("overall", "excluded"), lambda dims: [dims["unit"] == unit_id]
    )
    counts: dict[int, int] = {}
    flagged = 0
    for (_bucket, overall, excluded), tally in tallies.items():
        if excluded:
            flagged += tally.n
        else:
            counts[overall] = counts.get(overall, 0) + tally.n
    counters = counter_figures(session, run, unit_id)
    monthly = monthly_ikm(session, unit_id, period.end, run.timezone)
    return FocusUnit(
        unit_id=unit_id,
        name=name,
        figure=next((u for u in units if u.unit_id == unit_id), None),
        elements=_elements(session, run, unit_id, name, counters, counter_id),
        counters=[figure for figure, _sums in counters],
        officers=officer_table(session, run, unit_id),
        trend=line_chart(monthly),
        distribution=bar_chart([(str(score), counts.get(score, 0)) for score in (1, 2, 3, 4)]),
        flagged=flagged,
        target=target_progress(session, unit_id, period.end, run.timezone, monthly),
    )


def _elements(
    session: Session,
    run: ChosenRun,
    unit_id: int,
    unit_name: str,
    counters: list[tuple[CounterFigure, Sums]],
    counter_id: int | None,
) -> ElementReport | None:
    """The unit's stored NRRs, or the chosen counter's from its kept ratings."""
    if counter_id is not None:
        figure, sums = next(pair for pair in counters if pair[0].counter_id == counter_id)
        return element_report(figure.name, counter_id, sums.nrrs(), sums.n_used)
    result = session.scalar(
        select(UnitResult).where(UnitResult.run_id == run.run_id, UnitResult.unit_id == unit_id)
    )
    if result is None:
        return None
    nrrs = [getattr(result, column) for column in NRR_COLUMNS]
    return element_report(unit_name, None, nrrs, result.n_used)


def counter_figures(session: Session, run: ChosenRun, unit_id: int) -> list[tuple[CounterFigure, Sums]]:
    """Each counter of the unit with its kept ratings: the lowest IKM first, then those without one."""
    sums = kept_sums(session, run, "counter", lambda dims: [dims["unit"] == unit_id])
    counters = session.execute(
        select(Counter.id, Counter.name, Counter.active).where(Counter.unit_id == unit_id)
    ).all()
    figures = []
    for counter_id, name, active in counters:
        if active or counter_id in sums:
            kept = sums.get(counter_id, Sums.empty())
            figures.append((CounterFigure(counter_id, name, KeptFigure.of(kept)), kept))
    figures.sort(key=lambda pair: (pair[0].figure.ikm is None, pair[0].figure.ikm or 0, pair[0].name))
    return figures


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


def monthly_ikm(session: Session, unit_id: int, last_day: date, timezone: str) -> list[MonthValue]:
    """The IKM and the number of ratings not excluded for the trend months (from the day rollups and
    the ratings beyond them: staff_admin.kit.tallies). Months before the unit's first rating are left
    out (a new unit's line starts where its ratings do); an empty month after that stays, marked as
    having no ratings."""
    months = trend_months(last_day)
    bounds = [month.bounds(timezone) for month in months]
    tallies = bucket_tallies(
        session, bounds, timezone, (), lambda dims: [dims["unit"] == unit_id, dims["excluded"].is_(False)]
    )
    values: dict[int, tuple[float | None, int]] = {}
    for (index,), tally in tallies.items():
        ikm = ikm_from_sums(list(tally.sums), list(tally.counts))
        values[index] = (None if ikm is None else float(ikm), tally.n)
    series = [MonthValue(month.start, *values.get(i, (None, 0))) for i, month in enumerate(months)]
    first = next((i for i, item in enumerate(series) if item.ratings), len(series) - 1)
    return series[first:]
