"""The report as a document (the same HTML as the page's report, without the page around it), its PDF
(staff_admin.kit.pdf: real text, only our static files), and publishing: a unit head publishes the
PDF of a period, which /publik lists for citizens to download. Publishing is audited; publishing the
same unit and period again replaces the earlier PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import parse_id
from portal.kernel.models import Unit
from staff_admin import audit
from staff_admin.access import NotFound, Principal, require_role, require_unit
from staff_admin.dashboard.results import PeriodProblem, choose_run
from staff_admin.kit.listing import local_time
from staff_admin.kit.pdf import html_to_pdf
from staff_admin.kit.problems import invalid
from staff_admin.reports.models import PublishedReport
from staff_admin.reports.plans import PLAN_ROLES, STATE_NAMES
from staff_admin.reports.service import SkmReport, build_report

DOCUMENT = "staff_admin/reports/document.html"


def report_html(environment: Environment, report: SkmReport, language: str) -> str:
    return environment.get_template(DOCUMENT).render(lang=language, report=report, state_names=STATE_NAMES)


def report_pdf(environment: Environment, report: SkmReport, language: str) -> bytes:
    return html_to_pdf(report_html(environment, report, language))


def file_name(report: SkmReport, extension: str) -> str:
    """SKM-DUKCAPIL-2026-03.pdf: letters, digits, dots and dashes only."""
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", f"SKM-{report.unit_code}-{report.run.label}").strip("-")
    return f"{stem}.{extension}"


def publish(
    session: Session,
    principal: Principal,
    environment: Environment,
    unit_text: str,
    period_text: str,
    now: datetime,
    timezone: str,
    language: str,
) -> PublishedReport:
    """Publishes the unit's report of the period as a PDF in `language`; a unit head (their units) or
    an admin may."""
    require_role(principal, *PLAN_ROLES)
    unit_id = parse_id(unit_text)
    if unit_id is None or session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_text[:20]!r}")
    require_unit(principal, unit_id)
    run = choose_run(session, period_text)
    if isinstance(run, PeriodProblem):
        raise invalid("period", run.message, **run.params)
    report = build_report(session, principal, run, unit_id, now, timezone)
    pdf = report_pdf(environment, report, language)
    row = session.scalar(
        select(PublishedReport).where(
            PublishedReport.unit_id == unit_id, PublishedReport.period_key == run.key
        )
    )
    if row is None:
        row = PublishedReport(unit_id=unit_id, period_key=run.key)
        session.add(row)
    row.period_label, row.period_end, row.pdf = run.label, run.end, pdf
    row.published_by_user_id, row.published_at = principal.user_id, now
    session.flush()
    after = {"unit_id": unit_id, "period": run.label, "ikm": str(report.elements.ikm or "")}
    audit.record(session, principal, "report.publish", "published_report", row.id, after=after, at=now)
    session.commit()
    return row


@dataclass(frozen=True)
class PublishedListing:
    id: int
    unit_name: str
    period_label: str
    published_at: datetime
    size: int  # bytes


def published_reports(session: Session, timezone: str) -> list[PublishedListing]:
    """Every published report, the latest period first, then by unit name (no sign-in needed); when
    it was published in the office's `timezone`."""
    rows = session.execute(
        select(
            PublishedReport.id,
            Unit.name,
            PublishedReport.period_label,
            PublishedReport.published_at,
            func.length(PublishedReport.pdf),
        )
        .join(Unit, Unit.id == PublishedReport.unit_id)
        .order_by(PublishedReport.period_end.desc(), Unit.name, PublishedReport.id)
    ).all()
    return [
        PublishedListing(i, name, label, local_time(at, timezone), int(size or 0))
        for i, name, label, at, size in rows
    ]


def published_pdf(session: Session, report_text: str) -> tuple[str, bytes]:
    """(file name, PDF) of a published report; NotFound for anything else."""
    report_id = parse_id(report_text)
    row = session.get(PublishedReport, report_id) if report_id else None
    if row is None:
        raise NotFound(f"published report {report_text[:20]!r}")
    code = session.scalar(select(Unit.code).where(Unit.id == row.unit_id)) or "unit"
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", f"SKM-{code}-{row.period_label}").strip("-")
    return f"{stem}.pdf", row.pdf
