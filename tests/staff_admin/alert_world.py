"""Arrangements for the alert tests: low ratings at a counter, an overdue case, a detector incident
and a fallen grade, each in a chosen unit of the persona world (tests/staff_admin/conftest.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase, ContactDetails
from portal.kernel.models import Counter, Rating, Unit
from scoring.db.models import ScoringRun, UnitResult
from staff_admin.models import User
from tests.staff_admin.casework import rating


def low_ratings(db: Session, at: Counter, now: datetime, low: int, high: int = 0) -> list[Rating]:
    """`low` ratings of 1 and `high` of 4 in the last half hour, a minute apart (the newest last)."""
    made = []
    for i in range(low + high):
        overall = 1 if i < low else 4
        made.append(rating(db, at, None, now - timedelta(minutes=30 - i), overall=overall, device=f"d{i}"))
    return made


def open_case(
    db: Session,
    on: Rating,
    due_on: date,
    status: str = "new",
    email: str | None = None,
    phone: str | None = None,
) -> ComplaintCase:
    case = ComplaintCase(
        rating_id=on.id,
        unit_id=on.unit_id,
        low_rating=True,
        reply_requested=bool(email or phone),
        status=status,
        opened_at=on.submitted_at,
        due_on=due_on,
    )
    db.add(case)
    db.flush()
    if email or phone:
        db.add(ContactDetails(case_id=case.id, phone=phone, email=email, consented_at=on.submitted_at))
    db.commit()
    return case


def burst(db: Session, at: Counter, now: datetime, reasons: str = "burst", n: int = 4) -> list[Rating]:
    """Ratings from one device that the detector flagged (as a scoring run leaves them)."""
    return [
        rating(
            db, at, None, now - timedelta(hours=2, minutes=i), overall=4, reasons=reasons, device="phone-x"
        )
        for i in range(n)
    ]


def run(db: Session, label: str, start: date, end: date, finished: datetime) -> ScoringRun:
    made = ScoringRun(
        period_key=f"{start}..{end}",
        period_label=label,
        period_start=start,
        period_end=end,
        timezone="Asia/Jakarta",
        detector_version="test",
        input_hash="0" * 64,
        n_ratings=100,
        params={},
        started_at=finished,
        finished_at=finished,
    )
    db.add(made)
    db.commit()
    return made


def unit_result(db: Session, of: ScoringRun, unit: Unit, ikm: float, mutu: str) -> None:
    nrr = {f"nrr_u{i}": ikm / 25 for i in range(1, 10)}
    db.add(UnitResult(run_id=of.id, unit_id=unit.id, n_ratings=100, n_used=100, ikm=ikm, mutu=mutu, **nrr))
    db.commit()


def grade_fell(db: Session, unit: Unit, now: datetime) -> None:
    """February B, March C for `unit`; March scored just now."""
    february = run(db, "2026-02", date(2026, 2, 1), date(2026, 2, 28), now - timedelta(days=20))
    march = run(db, "2026-03", date(2026, 3, 1), date(2026, 3, 31), now - timedelta(hours=1))
    unit_result(db, february, unit, 80.5, "B")
    unit_result(db, march, unit, 70.25, "C")


def give_email(db: Session, username: str, mode: str = "immediate", language: str = "en") -> str:
    address = f"{username.replace('_', '.')}@pemkot.example.go.id"
    db.execute(
        update(User)
        .where(User.username == username)
        .values(email=address, mail_mode=mode, mail_language=language)
    )
    db.commit()
    return address
