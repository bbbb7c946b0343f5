"""Flagged ratings grouped into incidents, each under a number that stays.

A rating waits for review (is *pending*) while it is excluded or carries a reason and nobody has
decided on it. Flagged ratings are linked when they share one of these keys, and an incident is a set
of linked ratings (every key is within one unit, so no incident crosses units):

- the same device rating the same officer (or, with nobody on duty, the same counter) for a burst,
  slow stuffing, sabotage or a script: one phone is one incident, whatever mix of reasons each of its
  ratings carries;
- sabotage of the same officer (the few devices that repeatedly gave them the lowest rating);
- new devices from the same network for the same officer on the same local day (device rotation);
- scripts at the same counter on the same local day (each of their ratings may use a new device);
- the review marker alone (officer_anomaly): the same officer in the same ISO week;
- anything else stands alone.

Numbers are given the first time the queue meets a pending rating (whatever flagged it: the periods
page, a background job or `rating-portal score`) and stored with the incident's keys
(review_incidents, review_incident_ratings, review_incident_keys): a rating keeps its incident for
good, and a rating flagged later joins the incident one of its keys already names, even one decided
before (the same phone back a month later is the same incident, its earlier ratings shown as decided).
An incident leaves the queue once all its ratings are decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, insert, literal_column, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from scoring.db.models import RatingDecision
from staff_admin.access import Principal, unit_scope
from staff_admin.kit.reasons import reason_codes
from staff_admin.review.models import IncidentKey, IncidentRating, ReviewIncident

DEVICE_CODES = frozenset({"burst", "slow_stuffing", "sabotage", "bot_speed", "bot_off_hours"})
SCRIPT_CODES = frozenset({"bot_speed", "bot_off_hours"})

Key = tuple[object, ...]


def pending() -> ColumnElement[bool]:
    """Ratings that wait for a person's decision: excluded or marked, and not decided yet."""
    decided = exists().where(RatingDecision.rating_id == Rating.id)
    # '' as a literal, not a parameter: the partial index ix_ratings_pending has this very predicate
    return and_(or_(Rating.excluded.is_(True), Rating.reasons != literal_column("''")), ~decided)


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


def link_keys(rating: Flagged) -> list[Key]:
    """The keys that tie this rating to others of the same incident (the rules at the top)."""
    codes, unit = rating.codes, rating.unit_id
    subject = (
        f"officer:{rating.employee_id}" if rating.employee_id is not None else f"counter:{rating.counter_id}"
    )
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
    return keys or [("rating", rating.id)]


def key_text(key: Key) -> str:
    """A key as review_incident_keys stores it."""
    return "|".join("" if part is None else str(part) for part in key)


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
    joining: dict[int, list[Flagged]]  # incident id -> its new ratings


def plan(fresh: Iterable[Flagged], known: dict[str, int]) -> Numbering:
    """Numbers for ratings that have none. `known`: stored key text -> incident. A group of linked
    ratings with a known key joins that incident (the lowest, when its keys name several: numbers
    never move); a group without one is a new incident."""
    new: list[list[Flagged]] = []
    joining: dict[int, list[Flagged]] = {}
    for members in group(fresh):
        named = sorted({known[text] for r in members for k in link_keys(r) if (text := key_text(k)) in known})
        if named:
            joining.setdefault(named[0], []).extend(members)
        else:
            new.append(members)
    return Numbering(new, joining)


def _unnumbered(session: Session, principal: Principal, timezone: str) -> list[Flagged]:
    zone = ZoneInfo(timezone)
    numbered = exists().where(IncidentRating.rating_id == Rating.id)
    unnumbered = [pending(), ~numbered, unit_scope(principal, Rating.unit_id)]
    # Nearly always none: asked of the pending index alone first, the rows read only when some are.
    if session.scalar(select(Rating.id).where(*unnumbered).limit(1)) is None:
        return []
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
        ).where(*unnumbered)
    )
    return [
        Flagged(
            rid,
            unit,
            counter,
            employee,
            device,
            network,
            at.astimezone(zone).date(),
            frozenset(reason_codes(reasons)),
        )
        for rid, unit, counter, employee, device, network, at, reasons in rows
    ]


KEYS_PER_QUERY = 500


def _known(session: Session, texts: set[str]) -> dict[str, int]:
    ordered, known = sorted(texts), {}
    for start in range(0, len(ordered), KEYS_PER_QUERY):
        chunk = ordered[start : start + KEYS_PER_QUERY]
        known |= dict(
            session.execute(
                select(IncidentKey.key, IncidentKey.incident_id).where(IncidentKey.key.in_(chunk))
            ).all()
        )
    return known


def _store(session: Session, numbering: Numbering, known: dict[str, int], now: datetime) -> None:
    assigned: list[tuple[int, list[Flagged]]] = list(numbering.joining.items())
    for members in numbering.new:
        first = members[0]
        officers = {r.employee_id for r in members}
        incident = ReviewIncident(
            unit_id=first.unit_id,
            employee_id=officers.pop() if len(officers) == 1 else None,
            first_rating_id=first.id,
            created_at=now,
        )
        session.add(incident)
        session.flush()
        assigned.append((incident.id, members))
    links, keys = [], {}
    for incident_id, members in assigned:
        links += [{"rating_id": r.id, "incident_id": incident_id} for r in members]
        for rating in members:
            for key in link_keys(rating):
                text = key_text(key)
                if key[0] != "rating" and text not in known:
                    keys.setdefault(text, incident_id)
    if links:
        session.execute(insert(IncidentRating), links)
    if keys:
        session.execute(insert(IncidentKey), [{"key": k, "incident_id": i} for k, i in keys.items()])


def number_incidents(session: Session, principal: Principal, timezone: str, now: datetime) -> None:
    """Gives every pending rating in the principal's units an incident number (one indexed query when
    all have one). Incidents never cross units, so numbering one principal's units gives the numbers
    numbering all of them would. When two requests number at once, the second one's insert fails on
    a unique key, and it starts again from the first one's numbers."""
    for attempt in range(3):
        fresh = _unnumbered(session, principal, timezone)
        if not fresh:
            session.rollback()  # end the read transaction
            return
        known = _known(session, {key_text(k) for r in fresh for k in link_keys(r)})
        try:
            _store(session, plan(fresh, known), known, now)
            session.commit()
            return
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
