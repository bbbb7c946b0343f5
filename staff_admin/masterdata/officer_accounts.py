"""Officer accounts for imported employees, in bulk (HR and admins): one account per active employee
without one, the NIP as its username, role officer, linked to the employee, no password yet. Each
account gets a first reset link (staff_admin.passwords), delivered once as a CSV for HR to hand out."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.flood import one_at_a_time
from portal.citizen.forms import N_
from portal.kernel.models import Employee, Unit
from portal.kernel.settings import Settings
from staff_admin import audit
from staff_admin.access import ADMIN, HR, OFFICER, Principal, require_role
from staff_admin.kit.exports import neutralise
from staff_admin.kit.listing import local_time
from staff_admin.kit.problems import invalid
from staff_admin.kit.records import all_or_nothing
from staff_admin.models import User
from staff_admin.passwords import FIRST_LINK_LIFETIME, ResetLink, issue_link
from staff_admin.users import create_user

# Accounts made by one click (one request, one transaction); the page offers the rest afterwards.
BATCH = 500
CSV_COLUMNS = ("nip", "name", "unit_code", "username", "reset_link", "valid_until")
SHOWN = 200  # employees listed on the page; the counts cover everyone


@dataclass(frozen=True)
class Candidate:
    employee_id: int
    nip: str
    name: str
    unit_code: str
    unit_name: str
    username_taken: bool  # another account already has the NIP as its username: left alone


@dataclass(frozen=True)
class OfficerAccountsPage:
    candidates: list[Candidate]  # the first SHOWN
    creatable: int
    blocked: list[Candidate]  # username taken, all of them
    batch: int = BATCH


@dataclass(frozen=True)
class FirstLogin:
    nip: str
    name: str
    unit_code: str
    link: ResetLink


def _candidates(session: Session) -> list[Candidate]:
    with_account = select(User.employee_id).where(User.employee_id.is_not(None))
    rows = session.execute(
        select(Employee.id, Employee.nip, Employee.name, Unit.code, Unit.name)
        .join(Unit, Unit.id == Employee.unit_id)
        .where(Employee.active.is_(True), Employee.id.not_in(with_account))
        .order_by(Unit.name, Employee.name, Employee.nip)
    ).all()
    taken = set(session.scalars(select(User.username)))
    return [Candidate(eid, nip, name, code, unit, nip in taken) for eid, nip, name, code, unit in rows]


def officer_accounts_page(session: Session, principal: Principal) -> OfficerAccountsPage:
    require_role(principal, ADMIN, HR)
    candidates = _candidates(session)
    creatable = [c for c in candidates if not c.username_taken]
    return OfficerAccountsPage(creatable[:SHOWN], len(creatable), [c for c in candidates if c.username_taken])


def create_officer_accounts(
    session: Session, settings: Settings, principal: Principal, now: datetime
) -> list[FirstLogin]:
    """Up to BATCH accounts with their first links, all or none; Invalid when no employee needs one."""
    require_role(principal, ADMIN, HR)
    with all_or_nothing(session):
        # Two people clicking at once would both pick the same employees; the second waits here.
        one_at_a_time(session, "officer-accounts", "bulk")
        chosen = [c for c in _candidates(session) if not c.username_taken][:BATCH]
        if not chosen:
            raise invalid("", N_("Every active employee has an account already."))
        created = []
        for candidate in chosen:
            user = create_user(
                session, now, username=candidate.nip, role=OFFICER, password=None, nip=candidate.nip,
                actor=principal.user_id,
            )  # fmt: skip
            link = issue_link(session, settings, principal, user, now, FIRST_LINK_LIFETIME, "first sign-in")
            created.append(FirstLogin(candidate.nip, candidate.name, candidate.unit_code, link))
        audit.record(
            session, principal, "user.bulk_create", "user", None, None,
            {"created": len(created), "role": OFFICER}, at=now,
        )  # fmt: skip
    return created


def first_logins_csv(logins: list[FirstLogin], link_of: dict[int, str], timezone: str) -> bytes:
    """The CSV HR hands out: `link_of` maps a user id to the full address of their link. Text a
    spreadsheet would run as a formula is neutralised (a name is whatever the HR file said)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for login in logins:
        until = local_time(login.link.expires_at, timezone).isoformat(sep=" ", timespec="minutes")
        row = (
            login.nip,
            login.name,
            login.unit_code,
            login.link.username,
            link_of[login.link.user_id],
            until,
        )
        writer.writerow([neutralise(value) for value in row])
    return text.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
