"""Sending what waits in the outbox, and queueing the daily digests.

Each mail is claimed (an update that only one sender wins) before it is sent, so two senders at
once (a slow cron run overtaken by the next) never send it twice. A failure is counted and the mail
waits longer each time (1, 2, 4 ... up to 60 minutes) until MAIL_MAX_ATTEMPTS, then it is marked
failed; the alert itself stays in the app whatever happens to its mail. A mail whose reader has since
removed their address, or whose citizen's contact details were deleted, is cancelled, not sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase, ContactDetails
from portal.kernel.models import Counter, Rating, Unit
from portal.kernel.settings import Settings
from staff_admin import audit
from staff_admin.alerts.audience import recipients
from staff_admin.alerts.models import Alert
from staff_admin.alerts.service import rows_by_id
from staff_admin.kit.listing import local_time
from staff_admin.mail import messages
from staff_admin.mail.messages import UrlFor
from staff_admin.mail.smtp import Mail, Mailer
from staff_admin.models import OutboxMail, User

log = logging.getLogger("rating_portal.mail")
CLAIM = timedelta(minutes=10)  # a sender that died mid-way leaves its mail to the next one after this
BATCH = 200
DIGEST_FIRST_HOURS = 24


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def compose(session: Session, row: OutboxMail, settings: Settings, url_for: UrlFor) -> Mail | None:
    """The mail of an outbox row as of now, or None when it should no longer go out."""
    tz = settings.period_timezone
    if row.kind in ("alert", "digest"):
        user = session.get(User, row.user_id)
        if user is None or not user.active or not user.email or user.mail_mode == "none":
            return None
        language = user.mail_language
        if row.kind == "alert":
            rows = rows_by_id(session, [row.alert_id], language, tz)
            return Mail(user.email, *messages.alert_mail(rows[0], language, url_for)) if rows else None
        rows = rows_by_id(session, row.facts.get("alerts", []), language, tz)
        return Mail(user.email, *messages.digest_mail(rows, language, url_for)) if rows else None
    found = session.execute(
        select(
            ComplaintCase, ContactDetails.email, Unit.name, Counter.name, Rating.submitted_at, Rating.language
        )
        .join(ContactDetails, ContactDetails.case_id == ComplaintCase.id)
        .join(Rating, Rating.id == ComplaintCase.rating_id)
        .join(Unit, Unit.id == ComplaintCase.unit_id)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(ComplaintCase.id == row.case_id)
    ).first()
    if found is None or not found[1] or not found[0].response:
        return None
    case, email, unit, counter, rated_at, language = found.tuple()
    language = language if language in ("id", "en") else settings.default_language
    local = local_time(rated_at, tz)
    return Mail(
        email, *messages.citizen_response_mail(case.id, unit, counter, local, case.response, language)
    )


def _claim(session: Session, row_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row_id, OutboxMail.status == "waiting", OutboxMail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM)
    ).rowcount
    session.commit()
    return claimed == 1


def _sent(session: Session, row: OutboxMail, now: datetime) -> None:
    row.status, row.sent_at, row.last_error = "sent", now, None
    if row.kind == "citizen_response":
        case = session.get(ComplaintCase, row.case_id)
        if case is not None and case.answered_at is None:
            case.answered_at, case.answered_via = now, "email"
            audit.record(
                session, None, "complaint.answered", "complaint", case.id, None, {"via": "email"}, at=now
            )


def deliver(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    url_for: UrlFor,
    clock: Callable[[], datetime],
) -> Delivery:
    """Sends every mail whose time has come, over one connection (opened only when one is due)."""
    done = Delivery()
    due = session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.status == "waiting", OutboxMail.next_attempt_at <= clock())
        .order_by(OutboxMail.id)
        .limit(BATCH)
    ).all()
    session.commit()
    connection = None
    try:
        for row_id in due:
            now = clock()
            if not _claim(session, row_id, now):
                continue
            row = session.get(OutboxMail, row_id)
            row.attempts += 1
            mail = compose(session, row, settings, url_for)
            if mail is None:
                row.status = "cancelled"
                done.cancelled += 1
                session.commit()
                continue
            try:
                if connection is None:
                    connection = mailer.connect()
                mailer.send(connection, mail)
            except Exception as error:  # any failure: the mail waits and is tried again
                connection = _drop(connection)
                row.last_error = f"{type(error).__name__}: {error}"[:300]
                if row.attempts >= settings.mail_max_attempts:
                    row.status = "failed"
                    done.failed += 1
                    log.error("mail %s given up after %s attempts: %s", row.id, row.attempts, row.last_error)
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    done.retrying += 1
                    log.warning("mail %s not sent (attempt %s): %s", row.id, row.attempts, row.last_error)
                session.commit()
                continue
            _sent(session, row, now)
            done.sent += 1
            session.commit()
    finally:
        _drop(connection)
    return done


def _drop(connection) -> None:
    if connection is not None:
        try:
            connection.quit()
        except Exception:
            connection.close()


def queue_digests(session: Session, now: datetime) -> int:
    """A digest for every user who chose one, of the alerts they were told of since their last digest
    (the last day, the first time); nothing when nothing happened. Returns how many were queued."""
    users = session.scalars(
        select(User).where(User.active.is_(True), User.email.is_not(None), User.mail_mode == "digest")
    ).all()
    if not users:
        return 0
    since: dict[int, datetime] = {}
    for user in users:
        last = session.scalar(
            select(OutboxMail)
            .where(OutboxMail.kind == "digest", OutboxMail.user_id == user.id)
            .order_by(OutboxMail.id.desc())
            .limit(1)
        )
        until = last.facts.get("until") if last else None
        since[user.id] = datetime.fromisoformat(until) if until else now - timedelta(hours=DIGEST_FIRST_HOURS)
    earliest = min(since.values())
    picked: dict[int, list[int]] = {user.id: [] for user in users}
    for alert in session.scalars(
        select(Alert).where(Alert.created_at >= earliest, Alert.created_at < now).order_by(Alert.id)
    ):
        for user_id in recipients(session, alert, "digest"):
            if user_id in picked and alert.created_at >= since[user_id]:
                picked[user_id].append(alert.id)
    queued = 0
    for user_id, alert_ids in picked.items():
        if alert_ids:
            facts = {"alerts": alert_ids, "until": now.isoformat()}
            session.add(
                OutboxMail(kind="digest", user_id=user_id, facts=facts, created_at=now, next_attempt_at=now)
            )
            queued += 1
    session.commit()
    return queued
