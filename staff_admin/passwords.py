"""Passwords of existing accounts: a change by the signed-in user (the current password, the new one
twice), and reset links. An admin (or `rating-portal reset-link` on the server) issues a link for a user
who forgot; a new officer account gets one as its first sign-in. A link is a random token shown once,
stored only as a keyed hash, valid once until it expires; a newer link for the user replaces it.

Every change ends the user's other sessions and is written to the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings
from staff_admin import audit
from staff_admin.access import ADMIN, Principal, require_role
from staff_admin.auth import (
    LoginThrottled,
    account_key,
    check_current_password,
    credential_with_user,
    end_user_sessions,
    hash_password,
    may_sign_in,
    normalise_username,
    session_hash,
)
from staff_admin.kit.problems import Invalid, Problem
from staff_admin.kit.records import get_or_404
from staff_admin.models import LoginAttempt, PasswordResetToken, User
from staff_admin.users import MIN_PASSWORD_LENGTH, UserError

RESET_LINK_LIFETIME = timedelta(minutes=30)
# The first link of a new officer account is printed and handed out by HR, which takes days.
FIRST_LINK_LIFETIME = timedelta(days=7)
# argon2 hashes any length, but a megabyte "password" would only cost the server time.
MAX_PASSWORD_CHARS = 256
MAX_TOKEN_CHARS = 128


class LinkNotValid(Exception):
    """An unknown, used, expired or replaced link, or one for an account that may not sign in."""


@dataclass(frozen=True)
class ResetLink:
    """A link just issued: the token goes into the link shown once, never into the database."""

    user_id: int
    username: str
    display_name: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class ResetTarget:
    """Whose password a valid link sets, for its page."""

    username: str
    display_name: str
    expires_at: datetime


def new_password_problems(new: str, again: str) -> list[Problem]:
    problems = []
    if len(new) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                "new_password",
                N_("The password needs at least %(n)s characters."),
                {"n": MIN_PASSWORD_LENGTH},
            )
        )
    elif len(new) > MAX_PASSWORD_CHARS:
        problems.append(
            Problem(
                "new_password",
                N_("The password may have at most %(n)s characters."),
                {"n": MAX_PASSWORD_CHARS},
            )
        )
    if new != again:
        problems.append(Problem("new_password_again", N_("The two new passwords are not the same.")))
    return problems


def change_password(
    session: Session,
    settings: Settings,
    principal: Principal,
    current: str,
    new: str,
    again: str,
    session_token: str | None,
    address: str | None,
    now: datetime,
) -> int:
    """Any signed-in user, their own password. The browser that changed it (`session_token`) stays
    signed in; every other session of the user ends, and earlier reset links stop working. Returns
    how many sessions ended. Invalid (nothing changed) for a wrong current password, counted and
    throttled like a failed sign-in."""
    user = get_or_404(session, User, principal.user_id)
    problems = new_password_problems(new, again)
    try:
        valid = check_current_password(session, settings, now, user, current, address)
    except LoginThrottled as throttled:
        minutes = -(-throttled.retry_after_seconds // 60)
        raise Invalid(
            Problem(
                "current_password",
                N_("Too many wrong passwords. Please wait %(minutes)s minutes and try again."),
                {"minutes": minutes},
            )
        ) from None
    if not valid:
        problems.insert(0, Problem("current_password", N_("The current password is not correct.")))
    elif new == current:
        problems.append(Problem("new_password", N_("Choose a new password, not the current one.")))
    if problems:
        session.commit()  # the attempt's outcome (a right current password forgives earlier wrong ones)
        raise Invalid(*problems)
    user.password_hash = hash_password(new)
    keep = session_hash(settings, session_token) if session_token else None
    ended = end_user_sessions(session, user.id, keep=keep)
    _void_links(session, user.id)
    audit.record(
        session, principal, "user.password_change", "user", user.id, None, {"sessions_ended": ended}, at=now
    )
    session.commit()
    return ended


def _token_hash(settings: Settings, token: str) -> str:
    return keyed_hash(settings.secret_key, "password-reset", token)


def _void_links(session: Session, user_id: int) -> None:
    session.execute(
        delete(PasswordResetToken).where(
            PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None)
        )
    )


def issue_link(
    session: Session,
    settings: Settings,
    actor: Principal | None,
    user: User,
    now: datetime,
    lifetime: timedelta = RESET_LINK_LIFETIME,
    note: str | None = None,
) -> ResetLink:
    """A new link for `user` (replacing any unused one), audited; the caller checked who may issue it
    and commits. `actor` None: the command line."""
    # Links used or expired are of no further use: the audit log keeps the record.
    session.execute(
        delete(PasswordResetToken).where(
            or_(PasswordResetToken.used_at.is_not(None), PasswordResetToken.expires_at <= now)
        )
    )
    _void_links(session, user.id)
    token = secrets.token_urlsafe(32)
    expires_at = now + lifetime
    session.add(
        PasswordResetToken(
            token_hash=_token_hash(settings, token),
            user_id=user.id,
            issued_by_user_id=actor.user_id if actor else None,
            created_at=now,
            expires_at=expires_at,
        )
    )
    audit.record(
        session, actor, "user.reset_link", "user", user.id, None, {"expires_at": expires_at}, note, at=now
    )
    return ResetLink(user.id, user.username, user.display_name, token, expires_at)


def issue_reset_link(
    session: Session, settings: Settings, principal: Principal, user_id: int, now: datetime
) -> ResetLink:
    """An admin's link for a user who forgot their password (shown once, valid RESET_LINK_LIFETIME)."""
    require_role(principal, ADMIN)
    user = get_or_404(session, User, user_id)
    if not user.active:
        raise Invalid(Problem("", N_("This account is deactivated; it cannot get a reset link.")))
    link = issue_link(session, settings, principal, user, now)
    session.commit()
    return link


def issue_reset_link_for_username(
    session: Session, settings: Settings, username: str, now: datetime
) -> ResetLink:
    """`rating-portal reset-link`: whoever runs commands on the server holds the database already."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise UserError(f"no user {username!r}")
    if not user.active:
        raise UserError(f"the account {user.username!r} is deactivated")
    link = issue_link(session, settings, None, user, now, note="command line")
    session.commit()
    return link


def _link(session: Session, settings: Settings, token: str, now: datetime) -> tuple[PasswordResetToken, User]:
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise LinkNotValid()
    token_hash = _token_hash(settings, token)
    row = credential_with_user(session, PasswordResetToken, PasswordResetToken.token_hash, token_hash)
    if row is None:
        raise LinkNotValid()
    link, user, employee_active = row.tuple()
    if link.used_at is not None or now >= link.expires_at or not may_sign_in(user, employee_active):
        raise LinkNotValid()
    return link, user


def reset_target(session: Session, settings: Settings, token: str, now: datetime) -> ResetTarget:
    """Whose password the link sets; LinkNotValid when it sets none."""
    link, user = _link(session, settings, token, now)
    return ResetTarget(user.username, user.display_name, link.expires_at)


def reset_password(
    session: Session, settings: Settings, token: str, new: str, again: str, now: datetime
) -> str:
    """Sets the password through a valid link and uses the link up; every session of the user ends
    and their failed sign-ins are forgiven. Returns the username, for the sign-in page."""
    link, user = _link(session, settings, token, now)
    problems = new_password_problems(new, again)
    if problems:
        raise Invalid(*problems)
    # Only one of two forms sent at once with the same link finds it unused.
    claimed = session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.id == link.id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise LinkNotValid()
    user.password_hash = hash_password(new)
    ended = end_user_sessions(session, user.id)
    _void_links(session, user.id)
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.account_key == account_key(settings, user.username))
    )
    audit.record(
        session, user.id, "user.password_reset", "user", user.id, None, {"sessions_ended": ended}, at=now
    )
    session.commit()
    return user.username
