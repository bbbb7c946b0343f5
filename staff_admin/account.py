"""A user's own account settings (the e-mail address, how alerts come, the mails' language) and the
self-service password reset: a link mailed to the address of the account.

The reset request answers the same whether or not the address belongs to an account, and the mail
goes out after the answer (so its timing tells nothing either); the link is the admin's kind of link
(staff_admin.passwords: single use, 30 minutes, stored as a keyed hash), never written anywhere but
into the mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.settings import LANGUAGES, Settings
from staff_admin import audit
from staff_admin.access import Principal
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.kit.records import get_or_404
from staff_admin.mail.smtp import Mail, Mailer
from staff_admin.models import MAIL_MODES, PasswordResetToken, User
from staff_admin.passwords import ResetLink, issue_link
from staff_admin.users import UserError, clean_email

log = logging.getLogger("rating_portal.mail")
# A second request within this time sends no second mail (a full mailbox is no help to anyone).
REQUEST_PAUSE = timedelta(minutes=2)


@dataclass(frozen=True)
class AccountSettings:
    email: str
    mail_mode: str
    mail_language: str
    mail_on: bool  # SMTP_URL is set: mails go out at all

    @property
    def values(self) -> dict[str, str]:
        return {"email": self.email, "mail_mode": self.mail_mode, "mail_language": self.mail_language}


def account_settings(session: Session, settings: Settings, principal: Principal) -> AccountSettings:
    user = get_or_404(session, User, principal.user_id)
    return AccountSettings(user.email or "", user.mail_mode, user.mail_language, bool(settings.smtp_url))


def save_account(
    session: Session, principal: Principal, email: str, mode: str, language: str, now: datetime
) -> None:
    """Any signed-in user, their own settings; audited (before and after)."""
    user = get_or_404(session, User, principal.user_id)
    problems = []
    try:
        address = clean_email(email)
    except UserError:
        problems.append(Problem("email", N_("This is not an e-mail address (such as nama@contoh.go.id).")))
        address = None
    if mode not in MAIL_MODES:
        problems.append(Problem("mail_mode", N_("Please choose how alerts should come.")))
    if language not in LANGUAGES:
        problems.append(Problem("mail_language", N_("Please choose a language.")))
    if problems:
        raise Invalid(*problems, values={"email": email, "mail_mode": mode, "mail_language": language})
    before = {"email": user.email, "mail_mode": user.mail_mode, "mail_language": user.mail_language}
    after = {"email": address, "mail_mode": mode, "mail_language": language}
    if before != after:
        user.email, user.mail_mode, user.mail_language = address, mode, language
        audit.record(session, principal, "user.mail_settings", "user", user.id, before, after, at=now)
    session.commit()


def request_reset(session: Session, settings: Settings, email: str, now: datetime) -> list[ResetLink]:
    """Links for the active accounts with this address (usually one; none for an unknown address, a
    second request within REQUEST_PAUSE, or when mail is off). The caller mails them."""
    if not settings.smtp_url:
        return []
    try:
        address = clean_email(email)
    except UserError:
        return []
    if address is None:
        return []
    users = session.scalars(
        select(User).where(User.active.is_(True), func.lower(User.email) == address.lower())
    ).all()
    links = []
    for user in users:
        recent = session.scalar(
            select(PasswordResetToken.id).where(
                PasswordResetToken.user_id == user.id,
                PasswordResetToken.used_at.is_(None),
                PasswordResetToken.created_at > now - REQUEST_PAUSE,
            )
        )
        if recent is None:
            links.append(issue_link(session, settings, None, user, now, note="requested by e-mail"))
    session.commit()
    return links


def send_now(settings: Settings, mails: list[Mail]) -> None:
    """Sends at once (after the page was answered); a failure is logged, and the user asks again."""
    if not mails:
        return
    mailer = Mailer(settings)
    try:
        connection = mailer.connect()
        try:
            for mail in mails:
                mailer.send(connection, mail)
        finally:
            connection.quit()
    except Exception as error:
        log.error("password reset mail not sent: %s: %s", type(error).__name__, error)
