"""Alerts as the staff pages and the mails show them: each a title, a line of detail and the page
where it is worked. The words are made here once, in the reader's language, for the page and the mail
alike; they carry no citizen's contact details or comment (a recipient opens the page for those)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.i18n import format_date, format_decimal, format_number, gettext
from portal.kernel.models import Counter, Unit
from staff_admin.access import Principal
from staff_admin.alerts.audience import visible
from staff_admin.alerts.models import Alert
from staff_admin.kit.listing import local_time
from staff_admin.kit.reasons import explain

HOME_ALERTS = 5  # the newest on the home page; the rest on /admin/alerts
HOME_DAYS = 14
PAGE_ALERTS = 200


@dataclass(frozen=True)
class Link:
    """A page of the app by its route name, so the page and a mail's absolute link agree."""

    route: str
    params: dict[str, Any]
    query: str = ""


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: str
    created: datetime  # local
    title: str  # translated
    detail: str
    link: Link


def _t(language: str, message: str, **params: Any) -> str:
    return gettext(language, message) % params


def words(kind: str, facts: dict[str, Any], unit: str, counter: str | None, language: str) -> tuple[str, str]:
    """The alert's title and detail in `language`."""
    number = lambda n: format_number(language, n)  # noqa: E731
    if kind == "low_share":
        title = _t(language, N_("Many low ratings at %(counter)s"), counter=counter or unit)
        detail = _t(
            language,
            N_("%(low)s of the last %(ratings)s ratings within %(minutes)s minutes were 1 or 2 (%(unit)s)."),
            low=number(facts["low"]),
            ratings=number(facts["ratings"]),
            minutes=number(facts["minutes"]),
            unit=unit,
        )
    elif kind == "complaint_overdue":
        title = _t(language, N_("Complaint case #%(case)s is past its due date"), case=facts["case"])
        due = format_date(language, datetime.fromisoformat(facts["due_on"]).date(), "long")
        detail = _t(
            language,
            N_("It was due on %(due)s (%(unit)s, %(counter)s)."),
            due=due,
            unit=unit,
            counter=counter or "",
        )
    elif kind == "incident":
        title = _t(language, N_("New incident #%(incident)s in the review queue"), incident=facts["incident"])
        reasons = ", ".join(gettext(language, r.label) for r in explain(facts["reasons"], language))
        detail = _t(
            language,
            N_("%(ratings)s flagged ratings in %(unit)s: %(reasons)s."),
            ratings=number(facts["ratings"]),
            unit=unit,
            reasons=reasons,
        )
    else:  # grade_drop
        title = _t(
            language,
            N_("%(unit)s fell from grade %(previous)s to %(grade)s"),
            unit=unit,
            previous=facts["previous_grade"],
            grade=facts["grade"],
        )
        detail = _t(
            language,
            N_("IKM %(previous_ikm)s in %(previous_period)s, %(ikm)s in %(period)s."),
            previous_ikm=format_decimal(language, facts["previous_ikm"]),
            previous_period=facts["previous_period"],
            ikm=format_decimal(language, facts["ikm"]),
            period=facts["period"],
        )
    return title, detail


def link(alert: Alert) -> Link:
    if alert.kind == "complaint_overdue":
        return Link("complaints:case", {"case_id": alert.subject_id})
    if alert.kind == "incident":
        return Link("review:queue", {})
    if alert.kind == "low_share":
        return Link("staff:dashboard", {}, f"?unit={alert.unit_id}&counter={alert.counter_id}")
    return Link("staff:dashboard", {}, f"?unit={alert.unit_id}&period={alert.facts['period']}")


def _rows(session: Session, query, language: str, tz: str) -> list[AlertRow]:
    rows = session.execute(
        query.add_columns(Unit.name, Counter.name)
        .join(Unit, Unit.id == Alert.unit_id)
        .outerjoin(Counter, Counter.id == Alert.counter_id)
    ).all()
    return [
        AlertRow(
            alert.id,
            alert.kind,
            local_time(alert.created_at, tz),
            *words(alert.kind, alert.facts, unit, counter, language),
            link(alert),
        )
        for alert, unit, counter in rows
    ]


def newest_first():
    return select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc())


def home_alerts(
    session: Session, principal: Principal, now: datetime, tz: str, language: str
) -> list[AlertRow]:
    """The principal's newest alerts of the last two weeks, for the home page."""
    since = now - timedelta(days=HOME_DAYS)
    query = newest_first().where(visible(principal), Alert.created_at >= since).limit(HOME_ALERTS)
    return _rows(session, query, language, tz)


def alerts_page(session: Session, principal: Principal, tz: str, language: str) -> list[AlertRow]:
    """Every alert the principal is told of, the newest first (the last PAGE_ALERTS)."""
    return _rows(session, newest_first().where(visible(principal)).limit(PAGE_ALERTS), language, tz)


def rows_by_id(session: Session, ids: list[int], language: str, tz: str) -> list[AlertRow]:
    """For mails: the alerts of `ids` (already chosen for their recipient), the newest first."""
    return _rows(session, newest_first().where(Alert.id.in_(ids)), language, tz) if ids else []
