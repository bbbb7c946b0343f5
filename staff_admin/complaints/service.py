"""Complaint cases (opened by portal.citizen.followup when a rating is submitted): list, detail, the
workflow new -> in_progress -> resolved (response required) | dismissed (reason required), the
overdue count for dashboards, and the purge of contact details after the retention period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen.followup import OPEN_STATUSES, ComplaintCase, ContactDetails, local_date
from portal.citizen.forms import N_
from portal.kernel.models import Counter, Employee, Rating, Unit
from staff_admin import audit
from staff_admin.access import ADMIN, HR, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.complaints.answers import ReplyLinks, mail_status, queue_response, reply_links
from staff_admin.kit.listing import Paging, local_time, paging
from staff_admin.kit.notes import DecisionRefused, required_note

STATUS_WORDS = {
    "new": N_("New"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
    "dismissed": N_("Dismissed"),
}
# action -> (statuses it starts from, status it leads to)
TRANSITIONS = {
    "start": (("new",), "in_progress"),
    "resolve": (OPEN_STATUSES, "resolved"),
    "dismiss": (OPEN_STATUSES, "dismissed"),
}
CASES_PER_PAGE = 100


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class CaseRow:
    id: int
    status: str
    status_text: str  # msgid
    opened: datetime
    due_on: date
    overdue: bool
    unit: str
    counter: str
    officer: str | None
    overall: int
    comment: str | None
    low_rating: bool
    reply_requested: bool
    response: str | None
    dismiss_reason: str | None
    contact: Contact | None  # None: none given, or already deleted
    answered_at: datetime | None = None  # the response reached the citizen (staff_admin.complaints.answers)
    answered_via: str | None = None
    mail_status: str | None = None  # the response mail's state in the outbox, if one was queued
    reply: ReplyLinks | None = None  # on the case page of a resolved case with contact details

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class CasesPage:
    cases: list[CaseRow]  # this page's, the soonest due first
    overdue: int
    show: str  # "open" | "all"
    total: int  # cases shown by `show`, on every page
    paging: Paging


def _can_work(principal: Principal) -> None:
    require_role(principal, ADMIN, HR, UNIT_HEAD)


def is_overdue(case: ComplaintCase, today: date) -> bool:
    return case.status in OPEN_STATUSES and today > case.due_on


def _query(principal: Principal):
    return (
        select(ComplaintCase, Rating, Unit.name, Counter.name, Employee.name, ContactDetails)
        .join(Rating, Rating.id == ComplaintCase.rating_id)
        .join(Unit, Unit.id == ComplaintCase.unit_id)
        .join(Counter, Counter.id == Rating.counter_id)
        .outerjoin(Employee, Employee.id == Rating.employee_id)
        .outerjoin(ContactDetails, ContactDetails.case_id == ComplaintCase.id)
        .where(unit_scope(principal, ComplaintCase.unit_id))
    )


def _row(row, today: date, tz: str, with_contact: bool) -> CaseRow:
    case, rating, unit, counter, officer, contact = row
    return CaseRow(
        id=case.id,
        status=case.status,
        status_text=STATUS_WORDS[case.status],
        opened=local_time(case.opened_at, tz),
        due_on=case.due_on,
        overdue=is_overdue(case, today),
        unit=unit,
        counter=counter,
        officer=officer,
        overall=rating.overall,
        comment=rating.comment,
        low_rating=case.low_rating,
        reply_requested=case.reply_requested,
        response=case.response,
        dismiss_reason=case.dismiss_reason,
        contact=Contact(contact.name, contact.phone, contact.email) if contact and with_contact else None,
        answered_at=local_time(case.answered_at, tz) if case.answered_at else None,
        answered_via=case.answered_via,
    )


def cases_page(
    session: Session, principal: Principal, now: datetime, tz: str, show: str = "open", page: int = 1
) -> CasesPage:
    _can_work(principal)
    show = show if show in ("open", "all") else "open"
    status = [ComplaintCase.status.in_(OPEN_STATUSES)] if show == "open" else []
    in_scope = unit_scope(principal, ComplaintCase.unit_id)
    total = session.scalar(select(func.count()).select_from(ComplaintCase).where(in_scope, *status)) or 0
    shown = paging(total, page, CASES_PER_PAGE)
    ordered = _query(principal).where(*status).order_by(ComplaintCase.due_on, ComplaintCase.id)
    rows = session.execute(ordered.offset(shown.offset).limit(shown.size)).all()
    today = local_date(now, tz)
    return CasesPage(
        cases=[_row(row.tuple(), today, tz, with_contact=False) for row in rows],
        overdue=overdue_count(session, principal, today),
        show=show,
        total=total,
        paging=shown,
    )


def case_detail(session: Session, principal: Principal, now: datetime, tz: str, case_id: int) -> CaseRow:
    _can_work(principal)
    row = session.execute(_query(principal).where(ComplaintCase.id == case_id)).first()
    if row is None:
        raise NotFound(f"complaint {case_id}")
    case = _row(row.tuple(), local_date(now, tz), tz, with_contact=True)
    reply = None
    if case.status == "resolved" and case.contact and case.response:
        reply = reply_links(case.contact.phone, case.contact.email, case.id, case.response)
    return replace(case, mail_status=mail_status(session, case_id), reply=reply)


def overdue_count(
    session: Session, principal: Principal, today: date | None = None, tz: str = "Asia/Jakarta"
) -> int:
    """Open cases past their due date in the principal's units (0 for roles without cases).
    Dashboards pass today as `portal.citizen.followup.local_date(clock(), settings.period_timezone)`."""
    if principal.role not in (ADMIN, HR, UNIT_HEAD):
        return 0
    today = today or local_date(datetime.now(UTC), tz)
    return (
        session.scalar(
            select(func.count())
            .select_from(ComplaintCase)
            .where(
                ComplaintCase.status.in_(OPEN_STATUSES),
                ComplaintCase.due_on < today,
                unit_scope(principal, ComplaintCase.unit_id),
            )
        )
        or 0
    )


def waiting_counts(session: Session, principal: Principal, today: date) -> tuple[int, int]:
    """(new, overdue): cases nobody has started on, and open cases past their due date, in the
    principal's units (the home page's to-do)."""
    _can_work(principal)
    new, overdue = session.execute(
        select(
            func.count().filter(ComplaintCase.status == "new"),
            func.count().filter(ComplaintCase.due_on < today),
        ).where(ComplaintCase.status.in_(OPEN_STATUSES), unit_scope(principal, ComplaintCase.unit_id))
    ).one()
    return new or 0, overdue or 0


def transition(
    session: Session,
    principal: Principal,
    now: datetime,
    case_id: int,
    action: str,
    text: str | None,
    mail: bool = False,
) -> ComplaintCase:
    """A step of the workflow, audited. Resolving with `mail` (SMTP_URL is set) queues the response
    to a citizen who gave an e-mail address."""
    _can_work(principal)
    case = session.scalar(
        select(ComplaintCase).where(ComplaintCase.id == case_id, unit_scope(principal, ComplaintCase.unit_id))
    )
    if case is None:
        raise NotFound(f"complaint {case_id}")
    if action not in TRANSITIONS:
        raise DecisionRefused(N_("Please choose what to do with the case."))
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        raise DecisionRefused(N_("The case cannot make this step from its current state."))
    note = None
    if action == "resolve":
        note = required_note(text, N_("Please write the response given to the citizen."))
        case.response = note
    elif action == "dismiss":
        note = required_note(text, N_("Please give the reason for dismissing the case."))
        case.dismiss_reason = note
    before = {"status": case.status}
    case.status = target
    case.updated_by_user_id = principal.user_id
    if target not in OPEN_STATUSES:
        case.closed_at = now
    after = {"status": target}
    audit.record(session, principal, f"complaint.{action}", "complaint", case.id, before, after, note, at=now)
    if action == "resolve" and mail:
        queue_response(session, case, now)
    session.commit()
    return case


def purge_contacts(session: Session, now: datetime, retention_days: int) -> int:
    """Deletes the contact details of cases closed more than `retention_days` ago; returns how
    many. Audited as the system, without the details themselves."""
    cutoff = now - timedelta(days=retention_days)
    expired = session.execute(
        select(ContactDetails, ComplaintCase.id)
        .join(ComplaintCase, ComplaintCase.id == ContactDetails.case_id)
        .where(ComplaintCase.closed_at.is_not(None), ComplaintCase.closed_at <= cutoff)
    ).all()
    for contact, case_id in expired:
        session.delete(contact)
        audit.record(
            session,
            None,
            "contact.purge",
            "complaint",
            case_id,
            {"contact_details": "stored"},
            {"contact_details": "deleted"},
            f"retention {retention_days} days after closing",
            at=now,
        )
    session.commit()
    return len(expired)
