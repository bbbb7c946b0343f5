"""Flagged ratings grouped into incidents, each under a number that stays.

A rating waits for review (is *pending*) while it is excluded or carries a reason and nobody has
decided on it. Pending ratings are linked when they share one of these keys, and an incident is a set
of linked ratings (every key is within one unit, so no incident crosses units):

- the same device rating the same officer (or, with nobody on duty, the same counter) for a burst,
  slow stuffing, sabotage or a script: one phone is one incident, whatever mix of reasons each of its
  ratings carries;
- sabotage of the same officer (the few devices that repeatedly gave them the lowest rating);
- new devices from the same network for the same officer on the same local day (device rotation);
- scripts at the same counter on the same local day (each of their ratings may use a new device);
- the review marker alone (officer_anomaly): the same officer in the same ISO week;
- anything else stands alone.

Numbers are given the first time the queue meets a rating (whatever flagged it: the periods page, a
background job or `rating-portal score`) and stored (review_incidents, review_incident_ratings): a
rating keeps its incident for good, ratings flagged later join the incident they link to, and an
incident only disappears from the queue once all its ratings are decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.models import RatingDecision
from staff_admin.access import Principal, unit_scope
from staff_admin.kit.reasons import reason_codes
from staff_admin.review.models import IncidentRating, ReviewIncident

DEVICE_CODES = frozenset({"burst", "slow_stuffing", "sabotage", "bot_speed", "bot_off_hours"})
SCRIPT_CODES = frozenset({"bot_speed", "bot_off_hours"})

Key = tuple[object, ...]


def pending() -> ColumnElement[bool]:
    """Ratings that wait for a person's decision: excluded or marked, and not decided yet."""
    decided = exists().where(RatingDecision.rating_id == Rating.id)
    return and_(or_(Rating.excluded.is_(True), Rating.reasons != ""), ~decided)


@dataclass(frozen=True)
class Flagged:
    """A pending rating as the grouping sees it."""

    id: int
    unit_id: int
    counter_id: int
    employee_id: int | None
    device: str | None
    network: str | None
    day: date  # local
    codes: frozenset[str]
    incident_id: int | None = None  # its number, once it has one


def link_keys(rating: Flagged) -> list[Key]:
    """The keys that tie this rating to others of the same incident (the rules at the top)."""
    codes, unit = rating.codes, rating.unit_id
    subject = ("officer", rating.employee_id) if rating.employee_id is not None else ("counter", rating.counter_id)
    keys: list[Key] = []
    if rating.device and codes & DEVICE_CODES:
        keys.append(("device", unit, subject, rating.device))
    if "sabotage" in codes and rating.employee_id is not None:
        keys.append(("sabotage", unit, rating.employee_id))
    if "device_rotation" in codes:
        keys.append(("rotation", unit, subject, rating.network, rating.day))
    if codes & SCRIPT_CODES:
        keys.append(("script", unit, rating.counter_id, rating.day))
    if not keys and "officer_anomaly" in codes and rating.employee_id is not None:
        year, week, _ = rating.day.isocalendar()
        keys.append(("marker", unit, rating.employee_id, year, week))
    if rating.incident_id is not None:
        keys.append(("incident", rating.incident_id))
    return keys or [("rating", rating.id)]


def group(ratings: Iterable[Flagged]) -> list[list[Flagged]]:
    """Linked ratings together (union-find over their keys), each group in id order, the groups in
    the order of their first rating."""
    members = sorted(ratings, key=lambda r: r.id)
    parent = list(range(len(members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holder: dict[Key, int] = {}
    for index, rating in enumerate(members):
        for key in link_keys(rating):
            first = holder.setdefault(key, index)
            a, b = root(first), root(index)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Flagged]] = {}
    for index, rating in enumerate(members):
        groups.setdefault(root(index), []).append(rating)
    return list(groups.values())


@dataclass(frozen=True)
class Numbering:
    """What `plan` decided: new incidents (their ratings, the first one names it) and ratings that
    join an incident already numbered."""

    new: list[list[Flagged]]
    joining: dict[int, list[int]]  # incident id -> rating ids


def plan(ratings: Iterable[Flagged]) -> Numbering:
    """Numbers for the ratings that have none: a group with a numbered rating joins its (lowest)
    incident; a group of unnumbered ratings is a new incident. Numbered ratings never move."""
    new: list[list[Flagged]] = []
    joining: dict[int, list[int]] = {}
    for members in group(ratings):
        fresh = [r for r in members if r.incident_id is None]
        if not fresh:
            continue
        numbered = sorted({r.incident_id for r in members if r.incident_id is not None})
        if numbered:
            joining.setdefault(numbered[0], []).extend(r.id for r in fresh)
        else:
            new.append(fresh)
    return Numbering(new, joining)


def _flagged(session: Session, principal: Principal, timezone: str) -> Iterator[Flagged]:
    zone = ZoneInfo(timezone)
    rows = session.execute(
        select(
            Rating.id,
            Rating.unit_id,
            Rating.counter_id,
            Rating.employee_id,
            Rating.device_hash,
            Rating.network_hash,
            Rating.submitted_at,
            Rating.reasons,
            IncidentRating.incident_id,
        )
        .outerjoin(IncidentRating, IncidentRating.rating_id == Rating.id)
        .where(pending(), unit_scope(principal, Rating.unit_id))
        .execution_options(yield_per=5000)
    )
    for rid, unit, counter, employee, device, network, at, reasons, incident in rows:
        day = at.astimezone(zone).date()
        codes = frozenset(reason_codes(reasons))
        yield Flagged(rid, unit, counter, employee, device, network, day, codes, incident)


def _unnumbered(session: Session, principal: Principal) -> bool:
    numbered = exists().where(IncidentRating.rating_id == Rating.id)
    return (
        session.scalar(
            select(Rating.id).where(pending(), ~numbered, unit_scope(principal, Rating.unit_id)).limit(1)
        )
        is not None
    )


def _store(session: Session, numbering: Numbering, now: datetime) -> None:
    links = [
        {"rating_id": rating_id, "incident_id": incident_id}
        for incident_id, rating_ids in numbering.joining.items()
        for rating_id in rating_ids
    ]
    for members in numbering.new:
        first = members[0]
        incident = ReviewIncident(
            unit_id=first.unit_id,
            employee_id=_one_officer(members),
            first_rating_id=first.id,
            created_at=now,
        )
        session.add(incident)
        session.flush()
        links += [{"rating_id": r.id, "incident_id": incident.id} for r in members]
    if links:
        session.execute(insert(IncidentRating), links)


def _one_officer(members: list[Flagged]) -> int | None:
    officers = {r.employee_id for r in members}
    return officers.pop() if len(officers) == 1 else None


def number_incidents(session: Session, principal: Principal, timezone: str, now: datetime) -> None:
    """Gives every pending rating in the principal's units an incident number (a no-op, one indexed
    query, when all have one). Incidents never cross units, so numbering one principal's units
    gives the numbers numbering all of them would. Two requests numbering at once: the second one's
    insert fails on a unique key, and it starts again from the first one's numbers."""
    for attempt in range(3):
        if not _unnumbered(session, principal):
            session.rollback()  # end the read transaction
            return
        numbering = plan(_flagged(session, principal, timezone))
        try:
            _store(session, numbering, now)
            session.commit()
            return
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
