"""The SKM report of a unit (or, for HR and admin, of every unit together) for a scored period, as
Permen PANRB 14/2017 asks for it: respondents against the Krejcie-Morgan sample target for the people
served, NRR, weighted NRR and converted value per element U1-U9, IKM and grade, the trend over earlier
periods of the same kind, the three weakest elements, comment themes, the respondents' profile, and
the follow-up plan with the state of the previous one.

Figures come from the period's scoring run, as on the dashboard: a unit's NRRs from its stored result,
every unit together from the ratings the run kept (staff_admin.dashboard.kept); the element table and
the formulas are staff_admin.dashboard.elements and scoring.skm. The sample target is worked out when
the report is made, from the people served as they are known then (scoring.db.served)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Rating, Unit
from scoring.db.models import NRR_COLUMNS, ScoringRun, UnitResult
from scoring.db.served import MonthServed, people_served
from scoring.periods import Period
from scoring.skm import ELEMENT_NAMES, grade, sample_target
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
from staff_admin.dashboard.elements import ElementReport, ElementRow, element_report
from staff_admin.dashboard.kept import kept_sums, total
from staff_admin.dashboard.labels import MUTU_NAMES
from staff_admin.dashboard.results import ChosenRun, PeriodOption, PeriodProblem, choose_run, scored_periods
from staff_admin.dashboard.themes import ThemeFigure, unit_themes
from staff_admin.reports.models import PublishedReport
from staff_admin.reports.plans import PLAN_ROLES, ActionView, Plan, previous_plan, unit_plan
from staff_admin.reports.profile import ProfileQuestionFigures, respondent_profile

REPORT_ROLES = (ADMIN, HR, UNIT_HEAD)
ALL_UNITS = "all"
EARLIER_PERIODS = 4  # the trend: this period and up to four earlier ones of the same kind
WEAKEST = 3
KINDS = (
    (re.compile(r"^\d{4}-\d{2}$"), N_("month")),
    (re.compile(r"^\d{4}-Q[1-4]$"), N_("quarter")),
    (re.compile(r"^\d{4}-[SH][12]$"), N_("semester")),
    (re.compile(r"^\d{4}$"), N_("year")),
)
OTHER_KIND = N_("period")


@dataclass(frozen=True)
class UnitOption:
    id: int
    name: str


@dataclass(frozen=True)
class SampleFigures:
    people: int | None  # N, the people served; None when unknown
    target: int | None  # Krejcie-Morgan for N
    respondents: int  # ratings not excluded
    months: tuple[MonthServed, ...]  # where N comes from, month by month (empty for every unit)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.respondents >= self.target


@dataclass(frozen=True)
class TrendPoint:
    label: str
    ikm: Decimal | None
    mutu: str
    n_used: int
    current: bool

    @property
    def mutu_name(self) -> str:
        return MUTU_NAMES.get(self.mutu, "")


@dataclass(frozen=True)
class SkmReport:
    unit_id: int | None  # None: every unit together
    unit_code: str
    name: str
    run: ChosenRun
    kind: str  # msgid: month, semester, year ...
    n_ratings: int
    elements: ElementReport
    weakest: list[ElementRow]
    sample: SampleFigures
    trend: list[TrendPoint]
    themes: list[ThemeFigure]
    profile: list[ProfileQuestionFigures]
    plan: list[ActionView]
    previous: Plan | None
    made_at: datetime  # in the office time zone
    today: date
    scored_at: datetime | None = None  # when the run finished, in the office time zone

    @property
    def in_order(self) -> list[ElementRow]:
        return sorted(self.elements.rows, key=lambda row: row.element)

    @property
    def mutu_name(self) -> str:
        return self.elements.mutu_name

    @property
    def official_names(self) -> dict[str, str]:
        """The elements' names as the regulation writes them (Indonesian, in every language)."""
        return ELEMENT_NAMES

    def nrr_of(self, element: str) -> Decimal | None:
        return next((row.nrr for row in self.elements.rows if row.element == element), None)


@dataclass(frozen=True)
class ReportPage:
    periods: list[PeriodOption]
    units: list[UnitOption]
    all_units: bool  # the principal may ask for every unit together
    unit_choice: str  # the chosen unit's id, or ALL_UNITS
    problem: PeriodProblem | None
    report: SkmReport | None
    may_plan: bool = False
    may_publish: bool = False
    published_at: datetime | None = None
    period_label: str = ""
    notes: list[str] = field(default_factory=list)


def published_at(session: Session, unit_id: int, period_key: str) -> datetime | None:
    return session.scalar(
        select(PublishedReport.published_at).where(
            PublishedReport.unit_id == unit_id, PublishedReport.period_key == period_key
        )
    )


def period_kind(label: str) -> str:
    return next((kind for pattern, kind in KINDS if pattern.match(label)), OTHER_KIND)


def unit_options(session: Session, principal: Principal) -> list[UnitOption]:
    rows = session.execute(
        select(Unit.id, Unit.name).where(unit_scope(principal, Unit.id)).order_by(Unit.name)
    )
    return [UnitOption(unit_id, name) for unit_id, name in rows]


def _unit_choice(principal: Principal, unit_text: str | None) -> int | None:
    """The asked unit's id, None for every unit together; a unit out of scope is a 404."""
    if unit_text == ALL_UNITS or (not unit_text and principal.sees_all_units):
        if not principal.sees_all_units:
            raise NotFound("every unit")
        return None
    if not unit_text:
        if principal.unit_id is None:
            raise NotFound("no unit")
        return principal.unit_id
    unit_id = parse_id(unit_text)
    if unit_id is None:
        raise NotFound(f"unit {unit_text[:20]!r}")
    require_unit(principal, unit_id)
    return unit_id


def report_page(
    session: Session,
    principal: Principal,
    period_text: str | None,
    unit_text: str | None,
    now: datetime,
    tz: str,
) -> ReportPage:
    require_role(principal, *REPORT_ROLES)
    unit_id = _unit_choice(principal, unit_text)
    choice = ALL_UNITS if unit_id is None else str(unit_id)
    periods, units = scored_periods(session), unit_options(session, principal)
    chosen = choose_run(session, period_text)
    if isinstance(chosen, PeriodProblem):
        return ReportPage(periods, units, principal.sees_all_units, choice, chosen, None)
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id}")
    report = build_report(session, principal, chosen, unit_id, now, tz)
    published = None
    if unit_id is not None:
        published = published_at(session, unit_id, chosen.key)
        published = published.astimezone(ZoneInfo(tz)) if published else None
    return ReportPage(
        periods,
        units,
        principal.sees_all_units,
        choice,
        None,
        report,
        may_plan=unit_id is not None and principal.role in PLAN_ROLES,
        may_publish=unit_id is not None and principal.role in PLAN_ROLES,
        published_at=published,
        period_label=chosen.label,
    )


def build_report(
    session: Session, principal: Principal, run: ChosenRun, unit_id: int | None, now: datetime, tz: str
) -> SkmReport:
    """The report of one unit (unit_id) or of every unit (None, HR and admin only)."""
    require_role(principal, *REPORT_ROLES)
    if unit_id is None and not principal.sees_all_units:
        raise NotFound("every unit")
    if unit_id is not None:
        require_unit(principal, unit_id)
    local_now = now.astimezone(ZoneInfo(tz))
    today = local_now.date()
    period = Period(run.start, run.end, run.label)
    if unit_id is None:
        sums = total(kept_sums(session, run, None).values())
        elements = element_report(N_("Every unit"), None, sums.nrrs(), sums.n_used)
        n_ratings = session.scalar(
            select(func.sum(UnitResult.n_ratings)).where(UnitResult.run_id == run.run_id)
        )
        code, name, where = ALL_UNITS, "", true()
        sample = _sample_all(session, run, period, today, elements.n_used)
        themes: list[ThemeFigure] = []
        plan: list[ActionView] = []
        previous = None
    else:
        code, name = session.execute(select(Unit.code, Unit.name).where(Unit.id == unit_id)).one()
        result = session.scalar(
            select(UnitResult).where(UnitResult.run_id == run.run_id, UnitResult.unit_id == unit_id)
        )
        nrrs = [getattr(result, column) if result else None for column in NRR_COLUMNS]
        elements = element_report(name, None, nrrs, result.n_used if result else 0)
        n_ratings = result.n_ratings if result else 0
        where = Rating.unit_id == unit_id
        served = people_served(session, period, run.timezone, today, [unit_id])[unit_id]
        people = served.people
        target = None if people is None else sample_target(people)
        sample = SampleFigures(people, target, elements.n_used, served.months)
        themes = unit_themes(session, principal, run.run_id, unit_id)
        plan = unit_plan(session, unit_id, run.key, today)
        previous = previous_plan(session, unit_id, run.start, today)
    answered = [row for row in elements.rows if row.nrr is not None]
    return SkmReport(
        unit_id=unit_id,
        unit_code=code,
        name=name,
        run=run,
        kind=period_kind(run.label),
        n_ratings=int(n_ratings or 0),
        elements=elements,
        weakest=answered[:WEAKEST],
        sample=sample,
        trend=_trend(session, run, unit_id, elements),
        themes=[_without_examples(theme) for theme in themes],
        profile=respondent_profile(session, run, where),
        plan=plan,
        previous=previous,
        made_at=local_now,
        today=today,
        scored_at=run.scored_at.astimezone(ZoneInfo(tz)),
    )


def _without_examples(theme: ThemeFigure) -> ThemeFigure:
    """A report may be published: themes without the citizens' own words."""
    return ThemeFigure(theme.label, theme.other, theme.count, theme.low_percent, ())


def _sample_all(
    session: Session, run: ChosenRun, period: Period, today: date, respondents: int
) -> SampleFigures:
    """Every unit together: N is the sum of the units' N, unknown if any unit's is."""
    unit_ids = list(session.scalars(select(UnitResult.unit_id).where(UnitResult.run_id == run.run_id)))
    served = people_served(session, period, run.timezone, today, unit_ids)
    counts = [s.people for s in served.values()]
    if not counts or any(count is None for count in counts):
        return SampleFigures(None, None, respondents, ())
    people = sum(count for count in counts if count is not None)
    return SampleFigures(people, sample_target(people), respondents, ())


def _earlier_runs(session: Session, run: ChosenRun) -> list[ScoringRun]:
    kind = period_kind(run.label)
    rows = session.scalars(
        select(ScoringRun).where(ScoringRun.period_end < run.start).order_by(ScoringRun.period_end.desc())
    )
    same = [row for row in rows if kind != OTHER_KIND and period_kind(row.period_label) == kind]
    return same[:EARLIER_PERIODS][::-1]


def _trend(session: Session, run: ChosenRun, unit_id: int | None, current: ElementReport) -> list[TrendPoint]:
    points = []
    for row in _earlier_runs(session, run):
        if unit_id is None:
            earlier = choose_run(session, row.period_label)
            assert isinstance(earlier, ChosenRun)
            sums = total(kept_sums(session, earlier, None).values())
            ikm, n_used = sums.ikm, sums.n_used
        else:
            result = session.scalar(
                select(UnitResult).where(UnitResult.run_id == row.id, UnitResult.unit_id == unit_id)
            )
            ikm = None if result is None or result.ikm is None else Decimal(repr(result.ikm))
            n_used = result.n_used if result else 0
        mutu = "" if ikm is None else grade(ikm).letter
        points.append(TrendPoint(row.period_label, ikm, mutu, n_used, False))
    points.append(TrendPoint(run.label, current.ikm, current.mutu, current.n_used, True))
    return points
