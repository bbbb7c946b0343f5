"""The review queue: ratings the detector excluded or marked, grouped into incidents, and the unit
head's decisions on them (confirm the exclusion, or restore the rating).

Grouping rule (one incident = one thing that happened), on the rating's first reason code:
- burst, slow_stuffing, repeat_visits, bot_speed, bot_off_hours: same code + same device (device
  hash) in the same unit; a rating without a device hash is an incident of its own;
- device_rotation: same code + same officer + same network + same local day;
- sabotage: same code + same officer;
- officer_anomaly, brigade, rating_surge (and any other code): same code + same officer + same ISO
  week.
A rating is pending while no manual decision exists for it; a decision takes it out of the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import Counter, Employee, Rating, Unit
from scoring.db.models import RatingDecision
from scoring.reasons import REASON_ORDER, REASONS
from staff_admin import audit
from staff_admin.access import ADMIN, HR, UNIT_HEAD, NotFound, Principal, require_role, unit_scope
from staff_admin.kit.listing import local_time
from staff_admin.kit.notes import DecisionRefused, required_note
from staff_admin.kit.records import all_or_nothing

DECISIONS = {"confirm": "exclude", "restore": "include"}
QUEUE_LIMIT = 2000
DEVICE_CODES = frozenset({"burst", "slow_stuffing", "repeat_visits", "bot_speed", "bot_off_hours"})


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class QueueRating:
    id: int
    submitted: datetime  # in the local time zone; the template prints it in the page's language
    counter: str
    officer: str | None
    overall: int
    comment: str | None
    excluded: bool
    reasons: list[Reason]


@dataclass(frozen=True)
class Incident:
    key: str
    reason: Reason
    unit: str
    ratings: list[QueueRating]

    @property
    def rating_ids(self) -> list[int]:
        return [r.id for r in self.ratings]


@dataclass(frozen=True)
class QueuePage:
    incidents: list[Incident]
    pending: int


def reason_codes(text: str | None) -> list[str]:
    codes = [c for c in (text or "").split(";") if c]
    return sorted(codes, key=lambda c: REASON_ORDER.index(c) if c in REASON_ORDER else len(REASON_ORDER))


def explain(codes: Iterable[str], language: str) -> list[Reason]:
    """Plain-language reasons; an unknown code is shown as is rather than hidden."""
    lang = language if language in ("id", "en") else "id"
    return [Reason(code, REASONS.get(code, {}).get(lang, code)) for code in codes]


def incident_key(rating: Rating, timezone: str) -> str:
    """The grouping rule documented at the top of this module, as a string key."""
    codes = reason_codes(rating.reasons) or ["manual"]
    code = codes[0]
    local = rating.submitted_at.astimezone(ZoneInfo(timezone))
    if code in DEVICE_CODES:
        who = f"device:{rating.device_hash}" if rating.device_hash else f"rating:{rating.id}"
        return f"{rating.unit_id}|{code}|{who}"
    if code == "device_rotation":
        return f"{rating.unit_id}|{code}|{rating.employee_id}|{rating.network_hash}|{local.date()}"
    if code == "sabotage":
        return f"{rating.unit_id}|{code}|{rating.employee_id}"
    year, week, _ = local.isocalendar()
    return f"{rating.unit_id}|{code}|{rating.employee_id}|{year}-W{week:02d}"


def _can_review(principal: Principal) -> None:
    require_role(principal, ADMIN, HR, UNIT_HEAD)


def _waiting(principal: Principal) -> tuple[ColumnElement[bool], ...]:
    """A rating waits for review while the detector excluded or marked it and nobody has decided."""
    return (
        or_(Rating.excluded.is_(True), Rating.reasons != ""),
        Rating.id.not_in(select(RatingDecision.rating_id)),
        unit_scope(principal, Rating.unit_id),
    )


def waiting_count(session: Session, principal: Principal) -> int:
    """How many ratings wait in the principal's review queue (the home page's to-do)."""
    _can_review(principal)
    return session.scalar(select(func.count()).select_from(Rating).where(*_waiting(principal))) or 0


def review_queue(session: Session, principal: Principal, language: str, timezone: str) -> QueuePage:
    _can_review(principal)
    rows = session.execute(
        select(Rating, Counter.name, Employee.name, Unit.name)
        .join(Counter, Counter.id == Rating.counter_id)
        .join(Unit, Unit.id == Rating.unit_id)
        .outerjoin(Employee, Employee.id == Rating.employee_id)
        .where(*_waiting(principal))
        .order_by(Rating.submitted_at, Rating.id)
        .limit(QUEUE_LIMIT)
    ).all()
    groups: dict[str, list[tuple[Rating, str, str | None, str]]] = {}
    for row in rows:
        groups.setdefault(incident_key(row[0], timezone), []).append(row.tuple())
    incidents = []
    for key, members in groups.items():
        first = members[0][0]
        codes = reason_codes(first.reasons)
        incidents.append(
            Incident(
                key=key,
                reason=explain(codes[:1], language)[0] if codes else Reason("manual", ""),
                unit=members[0][3],
                ratings=[
                    QueueRating(
                        id=rating.id,
                        submitted=local_time(rating.submitted_at, timezone),
                        counter=counter,
                        officer=officer,
                        overall=rating.overall,
                        comment=rating.comment,
                        excluded=rating.excluded,
                        reasons=explain(reason_codes(rating.reasons), language),
                    )
                    for rating, counter, officer, _unit in members
                ],
            )
        )
    return QueuePage(incidents=incidents, pending=len(rows))


def record_decision(
    session: Session, principal: Principal, now: datetime, rating: Rating, decision: str, note: str
) -> None:
    """A manual decision on one rating: the RatingDecision the next scoring run applies, the flag
    updated at once so lists reflect it, and an audit entry, all in the caller's transaction."""
    before = {"excluded": rating.excluded, "reasons": rating.reasons}
    session.add(
        RatingDecision(
            rating_id=rating.id,
            decision=decision,
            note=note,
            decided_by_user_id=principal.user_id,
            decided_at=now,
        )
    )
    rating.excluded = decision == "exclude"
    after = {"excluded": rating.excluded, "reasons": rating.reasons, "decision": decision}
    audit.record(session, principal, f"rating.{decision}", "rating", rating.id, before, after, note, at=now)


def parse_ids(raw: object) -> list[int]:
    values = raw if isinstance(raw, list) else [raw]
    ids = []
    for value in values:
        rating_id = parse_id(value)
        if rating_id is not None:
            ids.append(rating_id)
    return sorted(set(ids))


def decide(
    session: Session,
    principal: Principal,
    now: datetime,
    rating_ids: list[int],
    action: str,
    note: str | None,
) -> int:
    """Confirms or restores one rating or a whole incident; returns how many were decided.
    Every id must be a rating the principal may review, or nothing is written (404)."""
    _can_review(principal)
    decision = DECISIONS.get(action)
    if decision is None or not rating_ids:
        raise DecisionRefused(N_("Please choose what to do with the ratings."))
    text = required_note(note)
    ratings = session.scalars(
        select(Rating).where(Rating.id.in_(rating_ids), unit_scope(principal, Rating.unit_id))
    ).all()
    if len(ratings) != len(set(rating_ids)):
        raise NotFound("rating outside the principal's units")
    with all_or_nothing(session):
        for rating in sorted(ratings, key=lambda r: r.id):
            record_decision(session, principal, now, rating, decision, text)
    return len(ratings)
