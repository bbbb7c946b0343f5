"""How a resolved case's response reaches the citizen who asked for one: by e-mail through the outbox
when they gave an address (and the portal has a mail server), otherwise by the staff member from the
case page (WhatsApp, SMS or a call, with the response prefilled where the channel takes text), who
then marks the case answered. Either way the audit log records it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase, ContactDetails
from portal.citizen.forms import N_
from staff_admin import audit
from staff_admin.access import ADMIN, HR, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.kit.notes import DecisionRefused
from staff_admin.models import OutboxMail

ANSWER_CHANNELS = {
    "email": N_("E-mail"),
    "whatsapp": N_("WhatsApp"),
    "sms": N_("SMS"),
    "phone": N_("Phone call"),
}


@dataclass(frozen=True)
class ReplyLinks:
    whatsapp: str
    sms: str
    tel: str
    mailto: str | None


def international(phone: str) -> str:
    """Indonesian numbers as the world dials them: 0812-3456 or +62 812 3456 -> 628123456."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits


def reply_links(phone: str | None, email: str | None, case_id: int, response: str) -> ReplyLinks | None:
    """Links that open the citizen's chat, message or call with the response prefilled (a call cannot
    carry text: the staff member reads it out); mailto for an address when the portal sends no mail."""
    mailto = None
    if email:
        subject = quote(f"Kasus {case_id}")
        mailto = f"mailto:{quote(email, safe='@')}?subject={subject}&body={quote(response)}"
    if not phone:
        return ReplyLinks("", "", "", mailto) if mailto else None
    number = international(phone)
    return ReplyLinks(
        whatsapp=f"https://wa.me/{number}?text={quote(response)}",
        sms=f"sms:+{number}?body={quote(response)}",
        tel=f"tel:+{number}",
        mailto=mailto,
    )


def queue_response(session: Session, case: ComplaintCase, now: datetime) -> bool:
    """Puts the response mail in the outbox when the citizen gave an address; the caller commits."""
    email = session.scalar(select(ContactDetails.email).where(ContactDetails.case_id == case.id))
    if not email:
        return False
    session.add(
        OutboxMail(kind="citizen_response", case_id=case.id, facts={}, created_at=now, next_attempt_at=now)
    )
    return True


def mail_status(session: Session, case_id: int) -> str | None:
    """The response mail's state (waiting, sent, failed, cancelled), None when none was queued."""
    return session.scalar(
        select(OutboxMail.status)
        .where(OutboxMail.kind == "citizen_response", OutboxMail.case_id == case_id)
        .order_by(OutboxMail.id.desc())
        .limit(1)
    )


def mark_answered(session: Session, principal: Principal, now: datetime, case_id: int, via: str) -> None:
    """The staff member sent the response themself; audited."""
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    case = session.scalar(
        select(ComplaintCase).where(ComplaintCase.id == case_id, unit_scope(principal, ComplaintCase.unit_id))
    )
    if case is None:
        raise NotFound(f"complaint {case_id}")
    if via not in ANSWER_CHANNELS:
        raise DecisionRefused(N_("Please choose how the response was given."))
    if case.status != "resolved":
        raise DecisionRefused(N_("Only a resolved case has a response to give."))
    if case.answered_at is not None:
        raise DecisionRefused(N_("The citizen has been answered already."))
    case.answered_at, case.answered_via = now, via
    audit.record(session, principal, "complaint.answered", "complaint", case.id, None, {"via": via}, at=now)
    session.commit()
