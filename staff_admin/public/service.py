"""What the public results page shows: unit figures only. No officer names, no individual scores:
the page is built from UnitResult alone ("publish unit results", docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from staff_admin.dashboard.results import (
    ChosenRun,
    PeriodOption,
    PeriodProblem,
    UnitFigure,
    choose_run,
    scored_periods,
    unit_figures,
)
from staff_admin.reports.publishing import PublishedListing, published_reports


@dataclass(frozen=True)
class PublicResultsPage:
    periods: list[PeriodOption]
    run: ChosenRun | None
    problem: PeriodProblem | None
    units: list[UnitFigure]
    reports: list[PublishedListing] = field(default_factory=list)  # the SKM reports units published


def public_results(session: Session, period_text: str | None, timezone: str) -> PublicResultsPage:
    """Every unit's IKM, grade and respondents for the asked period (default: the latest scored), and
    the published SKM reports with their day in the office's `timezone`."""
    periods = scored_periods(session)
    reports = published_reports(session, timezone)
    chosen = choose_run(session, period_text)
    if isinstance(chosen, PeriodProblem):
        return PublicResultsPage(periods, None, _for_the_public(chosen, bool(period_text)), [], reports)
    return PublicResultsPage(periods, chosen, None, unit_figures(session, chosen.run_id), reports)


def _for_the_public(problem: PeriodProblem, asked: bool) -> PeriodProblem:
    """Visitors get no command lines: only a bad value keeps its message."""
    if problem.status != 200:
        return problem
    if asked:
        return PeriodProblem(N_("No results have been published for this period yet."), {}, 200)
    return PeriodProblem(N_("No results have been published yet."), {}, 200)
