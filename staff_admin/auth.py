"""Passwords (argon2), sign-in with throttling (see `throttle_wait`), and database-backed sessions.

Everything lives in the database, so any number of app processes share sessions and throttles.
The session cookie holds a random token; the table holds only its keyed hash."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from hmac import compare_digest
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from portal.citizen.flood import one_at_a_time
from portal.kernel.models import Employee
from portal.kernel.security import keyed_hash, network_hash
from portal.kernel.settings import Settings
from staff_admin.access import Principal, principal_for
from staff_admin.models import LoginAttempt, StaffSession, User

TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most once a minute per session

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 70 ms on the 2-core
# servers, so a burst of sign-ins cannot exhaust memory or CPU. Stronger settings later are picked
# up by rehashing at the next successful sign-in.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class InvalidCredentials(Exception):
    """Unknown user, wrong password or disabled account: one answer for all three."""


class LoginThrottled(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class NotAuthenticated(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("session expired" if expired else "not signed in")
        self.expired = expired


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie, never into the database
    principal: Principal
    known_browser: str  # the known-browser cookie for this account


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def account_key(settings: Settings, username: str) -> str:
    return keyed_hash(settings.secret_key, "login-account", normalise_username(username))


def network_key(settings: Settings, address: str | None) -> str:
    # Unknown addresses share one bucket rather than escaping the network limit.
    return network_hash(settings.secret_key, address) or keyed_hash(settings.secret_key, "network", "unknown")


def session_hash(settings: Settings, token: str) -> str:
    return keyed_hash(settings.secret_key, "staff-session", token)


KNOWN_BROWSER_SECONDS = 180 * 24 * 3600


@dataclass(frozen=True)
class Attempt:
    """Who a sign-in attempt is for and where it comes from, as keyed hashes."""

    account: str  # the username
    network: str  # its /24 or /64
    browser: str | None  # a browser that signed in to this account before (its known-browser cookie)

    @property
    def place(self) -> str:
        """What failures are counted against, besides the account: the known browser, else the network.
        (Stored in `LoginAttempt.network_key`.)"""
        return self.browser or self.network


def _browser_mac(settings: Settings, username: str, browser: str) -> str:
    return keyed_hash(settings.secret_key, "known-browser", f"{account_key(settings, username)}:{browser}")


def known_browser_cookie(settings: Settings, username: str) -> str:
    """The value of the known-browser cookie given at a successful sign-in: a random id and its MAC
    with the account, so it names no one and counts only for that account."""
    browser = secrets.token_urlsafe(18)
    return f"{browser}.{_browser_mac(settings, username, browser)}"


def known_browser(settings: Settings, username: str, cookie: str | None) -> str | None:
    """The key of the browser behind a known-browser cookie valid for this account, else None."""
    if not cookie or len(cookie) > 128 or not cookie.isascii():
        return None
    browser, _, mac = cookie.partition(".")
    if not browser or not compare_digest(mac, _browser_mac(settings, username, browser)):
        return None
    return keyed_hash(settings.secret_key, "login-browser", browser)


def _wait_seconds(
    session: Session,
    where: ColumnElement[bool],
    since: datetime,
    limit: int,
    window: timedelta,
    now: datetime,
) -> int:
    """Sliding window: with `limit` failures after `since`, wait until the oldest that still
    counts leaves the window."""
    times = session.scalars(
        select(LoginAttempt.at)
        .where(where, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


def longest_delay(settings: Settings) -> int:
    """The per-account delay stops growing here: a guesser with any number of networks is then no
    faster than one network against the lockout (`LOGIN_FAILURES_PER_ACCOUNT` per window)."""
    return max(1, settings.login_window_seconds // settings.login_failures_per_account)


def account_delay(settings: Settings, failures: int) -> int:
    """Seconds from an account's latest failure until its next attempt from a new browser: none for
    as many failures as one network may make, then 1, 2, 4, ... up to `longest_delay`."""
    beyond = failures - settings.login_failures_per_account
    return 0 if beyond <= 0 else min(longest_delay(settings), 2 ** min(beyond - 1, 30))


def throttle_wait(session: Session, settings: Settings, now: datetime, attempt: Attempt) -> int:
    """Seconds before this attempt may be checked (0: now).

    - Lockout per account *and* place: `LOGIN_FAILURES_PER_ACCOUNT` failures in the window lock the
      account from that network (or known browser) only; the owner elsewhere still signs in.
    - A delay per account, growing with its failures from everywhere (`account_delay`): guessing spread
      over many networks is slowed, and nobody is locked out for longer than that delay.
    - `LOGIN_FAILURES_PER_NETWORK` failures in the window, for any accounts, hold a network back.
    A browser that signed in to the account before counts on its own: strangers' failures on its
    network and the account's delay leave it alone."""
    window = timedelta(seconds=settings.login_window_seconds)
    start = now - window
    account = LoginAttempt.account_key == attempt.account
    here = LoginAttempt.network_key == attempt.place
    # A successful sign-in forgives the failures made at its place before it.
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(account, here, LoginAttempt.succeeded.is_(True))
    )
    since = max(start, last_success) if last_success else start
    waits = [
        _wait_seconds(session, and_(account, here), since, settings.login_failures_per_account, window, now)
    ]
    if attempt.browser is None:
        failures, latest = session.execute(
            select(func.count(), func.max(LoginAttempt.at)).where(
                account, LoginAttempt.succeeded.is_(False), LoginAttempt.at > start
            )
        ).one()
        if latest is not None:
            delay = timedelta(seconds=account_delay(settings, failures))
            waits.append(max(0, math.ceil((latest + delay - now).total_seconds())))
        waits.append(_wait_seconds(session, here, start, settings.login_failures_per_network, window, now))
    return max(waits)


def _count_attempt(session: Session, settings: Settings, now: datetime, attempt: Attempt) -> LoginAttempt:
    """The attempt counted as failed (and committed) before its password is checked; LoginThrottled
    while the account or place must wait. The caller marks it succeeded when the password is right."""
    # Checking the throttle and counting this attempt happen under a lock per account and per place
    # (always in this order), in any app process: guesses sent all at once are counted one by one.
    one_at_a_time(session, "login-account", attempt.account)
    one_at_a_time(session, "login-network", attempt.place)
    wait = throttle_wait(session, settings, now, attempt)
    if wait:
        session.rollback()
        raise LoginThrottled(wait)  # not recorded: waiting out the window must end the lock
    # Attempts older than the window never count again.
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(seconds=settings.login_window_seconds))
    )
    counted = LoginAttempt(at=now, account_key=attempt.account, network_key=attempt.place, succeeded=False)
    session.add(counted)
    session.commit()  # counted as failed before the password is checked; releases the locks
    return counted


def check_current_password(
    session: Session, settings: Settings, now: datetime, user: User, password: str, address: str | None
) -> bool:
    """Whether `password` is the user's, counted like a sign-in: someone at an unattended signed-in
    browser guessing the password (to change it) is throttled as at the sign-in form."""
    counted = _count_attempt(
        session,
        settings,
        now,
        Attempt(account_key(settings, user.username), network_key(settings, address), None),
    )
    valid = verify_password(user.password_hash, password)
    counted.succeeded = valid
    session.flush()
    return valid


def login(
    session: Session,
    settings: Settings,
    now: datetime,
    username: str,
    password: str,
    address: str | None,
    browser_cookie: str | None = None,
) -> SignedIn:
    attempt = Attempt(
        account_key(settings, username),
        network_key(settings, address),
        known_browser(settings, username, browser_cookie),
    )
    counted = _count_attempt(session, settings, now, attempt)
    row = session.execute(
        select(User, Employee.active)
        .outerjoin(Employee, Employee.id == User.employee_id)
        .where(User.username == normalise_username(username))
    ).first()
    user = row.User if row else None
    if row is None:
        verify_password(_dummy_hash(), password)  # about the same time as a real check
        valid = False
    else:
        valid = verify_password(row.User.password_hash, password) and may_sign_in(row.User, row.active)
    if not valid or user is None:
        raise InvalidCredentials(username)
    counted.succeeded = True
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    end_expired_sessions(session, settings, now)
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id_hash=session_hash(settings, token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=settings.staff_session_max_seconds),
            network_hash=network_hash(settings.secret_key, address),
        )
    )
    principal = principal_for(session, user)
    session.commit()
    return SignedIn(token, principal, known_browser_cookie(settings, username))


def may_sign_in(user: User, employee_active: bool | None) -> bool:
    """An active account; an officer's also needs their employee record active: deactivating the
    record (a form, an HR import) ends their sessions at their next request, as for the account."""
    return user.active and (user.employee_id is None or bool(employee_active))


def credential_with_user(session: Session, model: type, hash_column: Any, token_hash: str) -> Any:
    """A stored credential (a session, a reset link) found by its hash, with its user and whether that
    user's employee record is active: what `may_sign_in` needs. None when there is no such credential."""
    return session.execute(
        select(model, User, Employee.active)
        .join(User, User.id == model.user_id)
        .outerjoin(Employee, Employee.id == User.employee_id)
        .where(hash_column == token_hash)
    ).first()


def authenticate(session: Session, settings: Settings, now: datetime, token: str | None) -> Principal:
    """The principal behind a session cookie; an expired session is deleted on sight."""
    if not token:
        raise NotAuthenticated()
    row = credential_with_user(session, StaffSession, StaffSession.id_hash, session_hash(settings, token))
    if row is None:
        raise NotAuthenticated()
    staff_session, user, employee_active = row.tuple()
    idle = timedelta(seconds=settings.staff_session_idle_seconds)
    if (
        not may_sign_in(user, employee_active)
        or now >= staff_session.expires_at
        or now - staff_session.last_seen_at >= idle
    ):
        session.delete(staff_session)
        session.commit()
        raise NotAuthenticated(expired=True)
    if now - staff_session.last_seen_at >= TOUCH_EVERY:
        staff_session.last_seen_at = now
        session.commit()
    return principal_for(session, user)


def logout(session: Session, settings: Settings, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.id_hash == session_hash(settings, token)))
        session.commit()


def end_expired_sessions(session: Session, settings: Settings, now: datetime) -> None:
    idle = timedelta(seconds=settings.staff_session_idle_seconds)
    session.execute(
        delete(StaffSession).where(
            or_(StaffSession.expires_at <= now, StaffSession.last_seen_at <= now - idle)
        )
    )


def end_user_sessions(session: Session, user_id: int, keep: str | None = None) -> int:
    """For password changes and deactivation: every browser of that user must sign in again, but the
    one whose session hash is `keep` (the browser that changed the password). Returns how many ended."""
    ending = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep is not None:
        ending = ending.where(StaffSession.id_hash != keep)
    return session.execute(ending).rowcount or 0
