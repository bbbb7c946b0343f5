"""Creating staff accounts: the `create-user` command, the first-run admin and demo personas."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Employee, Unit
from portal.kernel.text import has_control_character
from staff_admin import audit
from staff_admin.access import ADMIN, HR, OFFICER, UNIT_HEAD
from staff_admin.auth import hash_password, normalise_username
from staff_admin.models import ROLES, User

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
# An address a mail server accepts: one @, a dot in the domain, no spaces or control characters. The
# mail itself is the real test; this catches typing errors.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
MAX_EMAIL_CHARS = 254
# What a new account without a password holds: no argon2 hash, so no password ever matches it (and
# creating a thousand accounts at once spends no time hashing passwords nobody will type).
NO_PASSWORD = "!none"  # noqa: S105 (not a password: a hash nothing matches)


class UserError(ValueError):
    """A request to create a user that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class NewLogin:
    username: str
    role: str
    password: str | None  # None: the account existed already and keeps its password
    note: str = ""


def clean_email(value: str | None) -> str | None:
    """The address as stored (trimmed; the domain in lower case), None for an empty one; UserError
    for one that cannot be an address."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL_CHARS or has_control_character(value) or not EMAIL_PATTERN.match(value):
        raise UserError("e-mail: not an address such as nama@contoh.go.id")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    now: datetime,
    *,
    username: str,
    role: str,
    password: str | None,
    display_name: str | None = None,
    unit_code: str | None = None,
    nip: str | None = None,
    actor: int | None = None,
    email: str | None = None,
) -> User:
    """Validates and stores a user (audited); the caller commits. `password` None: none yet, the
    account signs in only after its first reset link (staff_admin.passwords) has been used."""
    username = normalise_username(username)
    if not USERNAME_PATTERN.match(username):
        raise UserError("username: 2-64 characters: letters, digits, dot, dash, underscore")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if display_name and has_control_character(display_name):
        raise UserError("display name: no control characters (tab, line break, ...)")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"username {username!r} is taken")
    unit_id = employee_id = None
    if role == UNIT_HEAD:
        if not unit_code:
            raise UserError("a unit head needs --unit CODE")
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
        if unit_id is None:
            raise UserError(f"no unit with code {unit_code!r}")
    elif unit_code:
        raise UserError("--unit is only for unit heads")
    if role == OFFICER:
        if not nip:
            raise UserError("an officer needs --nip NIP (their employee record)")
        employee = session.scalar(select(Employee).where(Employee.nip == nip))
        if employee is None:
            raise UserError(f"no employee with NIP {nip!r}")
        employee_id = employee.id
        display_name = display_name or employee.name
    elif nip:
        raise UserError("--nip is only for officers")
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        password_hash=NO_PASSWORD if password is None else hash_password(password),
        role=role,
        unit_id=unit_id,
        employee_id=employee_id,
        active=True,
        created_at=now,
        email=clean_email(email),
    )
    session.add(user)
    session.flush()
    after = {"username": username, "role": role, "unit_id": unit_id, "employee_id": employee_id}
    if user.email:
        after["email"] = user.email
    audit.record(session, actor, "user.create", "user", user.id, None, after, at=now)
    return user


def ensure_first_admin(session: Session, now: datetime) -> NewLogin | None:
    """An `admin` with a random password, only while no user exists at all; the password is
    returned once, to be printed, and never stored in clear."""
    if session.scalar(select(func.count(User.id))):
        return None
    password = new_password()
    create_user(session, now, username="admin", role=ADMIN, password=password, display_name="Administrator")
    session.commit()
    return NewLogin("admin", ADMIN, password)


def ensure_demo_personas(session: Session, now: datetime) -> list[NewLogin]:
    """Demo HR, unit head and officer accounts on top of the demo data; idempotent."""
    logins = []
    first = ensure_first_admin(session, now)
    logins.append(first or NewLogin("admin", ADMIN, None))
    officer_nip = session.scalar(
        select(Employee.nip)
        .join(Unit, Unit.id == Employee.unit_id)
        .where(Unit.code == "DUKCAPIL", Employee.active.is_(True))
        .order_by(Employee.id)
    )
    wanted = [
        ("hr", HR, "Bagian Kepegawaian (BKPSDM)", {}, ""),
        ("kepala.dukcapil", UNIT_HEAD, "Kepala Dinas Dukcapil", {"unit_code": "DUKCAPIL"}, "DUKCAPIL"),
    ]
    if officer_nip:
        wanted.append(("petugas", OFFICER, None, {"nip": officer_nip}, f"NIP {officer_nip}"))
    for username, role, display_name, scope, note in wanted:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            logins.append(NewLogin(username, role, None, note))
            continue
        if role == UNIT_HEAD and not session.scalar(select(Unit.id).where(Unit.code == "DUKCAPIL")):
            continue  # no demo data loaded
        password = new_password()
        create_user(
            session, now, username=username, role=role, password=password, display_name=display_name, **scope
        )
        session.commit()
        logins.append(NewLogin(username, role, password, note))
    return logins
