"""The officer's own view: scores per period, the ratings they received by day or week (paged, by
month), and their per-question averages against their unit's.

The officer sees their ratings by day or week, never their time, id or order (review.unlinkable);
a rating's page and a contest name it by an opaque reference. The averages cover whole days that are
over and need as many counted ratings as a day shown on its own, for the same reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from portal.kernel.models import SKM_ELEMENTS, Counter, Employee, Rating
from portal.kernel.questionnaire import SKM_QUESTIONS
from scoring.db.models import OfficerResult, ScoringRun
from staff_admin.access import OFFICER, NotFound, Principal, require_role
from staff_admin.kit.listing import Paging, local_time, paging
from staff_admin.kit.reasons import Reason, explain, reason_codes
from staff_admin.kit.tallies import EVER, Where, bucket_tallies, day_counts
from staff_admin.recognition.service import OwnSignals, own_signals
from staff_admin.review.models import Appeal
from staff_admin.review.unlinkable import (
    MIN_RATINGS_PER_DAY,
    When,
    looks_like_reference,
    newest_first,
    rating_reference,
    when_for_day,
)

RATINGS_PER_PAGE = 200  # a page holds whole groups up to this many ratings, or one part of a bigger group
QUESTION_TITLES = [("overall", N_("Overall rating"))] + [(q.element, q.title) for q in SKM_QUESTIONS]


CATEGORY_WORDS = {
    "di_atas_ekspektasi": N_("Above expectations"),
    "sesuai_ekspektasi": N_("Meets expectations"),
    "di_bawah_ekspektasi": N_("Below expectations"),
    "insufficient": N_("Not enough ratings for a score"),
}


@dataclass(frozen=True)
class PeriodScore:
    period: str
    score: float | None
    low: float | None
    high: float | None
    n_used: int
    n_excluded: int
    sufficient: bool
    category: str  # msgid


@dataclass(frozen=True)
class OwnAppeal:
    """An officer's own appeal, without the rating's id or time."""

    kind: str
    reason: str
    status: str
    decision_note: str | None
    decided_on: date | None = None  # the day of the unit head's ruling


@dataclass(frozen=True)
class OwnRating:
    reference: str  # opaque: neither the rating's id nor its time
    when: When  # its day, or its week when the day holds few ratings
    counter: str
    overall: int
    comment: str | None
    excluded: bool
    reasons: list[Reason]
    appeal: OwnAppeal | None


@dataclass(frozen=True)
class RatingGroup:
    when: When
    ratings: list[OwnRating]  # in the order of their references, which says nothing of time
    part: int = 1  # a group of more than RATINGS_PER_PAGE ratings is shown in parts, a page each
    parts: int = 1


@dataclass(frozen=True)
class QuestionAverage:
    element: str  # "overall", "u1".."u9"
    title: str  # msgid
    mine: float | None
    unit: float | None


@dataclass(frozen=True)
class OfficerPage:
    name: str
    scores: list[PeriodScore]
    groups: list[RatingGroup]  # this page of the chosen month's groups, newest first
    paging: Paging
    months: list[str]  # "YYYY-MM" that hold shown groups, newest first
    month: str | None  # the filter; None: every month
    questions_month: str | None  # the month of the averages below (the filter, else the latest)
    questions: list[QuestionAverage]  # empty: too few ratings that month to show averages
    questions_used: int  # the officer's counted ratings behind the averages
    min_per_day: int = MIN_RATINGS_PER_DAY
    # closed periods with recognition, development and the IKI in plain words (staff_admin.recognition)
    closed: list[OwnSignals] = field(default_factory=list)


def own_employee(principal: Principal) -> int:
    require_role(principal, OFFICER)
    if principal.employee_id is None:
        raise NotFound("no employee record")
    return principal.employee_id


def latest_appeals(session: Session, rating_ids: list[int]) -> dict[int, Appeal]:
    latest: dict[int, Appeal] = {}
    if rating_ids:
        for appeal in session.scalars(
            select(Appeal).where(Appeal.rating_id.in_(rating_ids)).order_by(Appeal.id)
        ):
            latest[appeal.rating_id] = appeal
    return latest


def own_rating_id(session: Session, employee_id: int, reference: str, secret_key: str) -> int:
    """The officer's own rating behind a reference; any other reference is "not found"."""
    if looks_like_reference(reference):
        for rating_id in session.scalars(select(Rating.id).where(Rating.employee_id == employee_id)):
            if rating_reference(secret_key, rating_id) == reference:
                return rating_id
    raise NotFound(f"rating reference {reference[:20]!r}")


def _own_rating(
    session: Session,
    principal: Principal,
    reference: str,
    language: str,
    tz: str,
    secret_key: str,
    today: date,
) -> OwnRating:
    employee_id = own_employee(principal)
    rating_id = own_rating_id(session, employee_id, reference, secret_key)
    rating, counter = session.execute(
        select(Rating, Counter.name)
        .join(Counter, Counter.id == Rating.counter_id)
        .where(Rating.id == rating_id)
    ).one()
    zone = ZoneInfo(tz)
    day = rating.submitted_at.astimezone(zone).date()
    that_day = session.scalar(
        select(func.count())
        .select_from(Rating)
        .where(
            Rating.employee_id == employee_id,
            Rating.submitted_at >= datetime.combine(day, time(0), zone),
            Rating.submitted_at < datetime.combine(day + timedelta(days=1), time(0), zone),
        )
    )
    when = when_for_day(day, that_day or 0)
    if not when.is_over(today):  # not on the officer's page yet either
        raise NotFound(f"rating reference {reference!r}")
    return _to_own(rating, counter, when, latest_appeals(session, [rating_id]), language, secret_key, tz)


def _to_own(
    rating: Rating,
    counter: str,
    when: When,
    appeals: dict[int, Appeal],
    language: str,
    secret_key: str,
    tz: str,
) -> OwnRating:
    appeal = appeals.get(rating.id)
    return OwnRating(
        reference=rating_reference(secret_key, rating.id),
        when=when,
        counter=counter,
        overall=rating.overall,
        comment=rating.comment,
        excluded=rating.excluded,
        reasons=explain(reason_codes(rating.reasons), language),
        appeal=_own_appeal(appeal, tz) if appeal else None,
    )


def _own_appeal(appeal: Appeal, tz: str) -> OwnAppeal:
    decided_on = local_time(appeal.decided_at, tz).date() if appeal.decided_at else None
    return OwnAppeal(appeal.kind, appeal.reason, appeal.status, appeal.decision_note, decided_on)


def own_rating(
    session: Session,
    principal: Principal,
    reference: str,
    language: str,
    tz: str,
    secret_key: str,
    now: datetime,
) -> OwnRating:
    """One of the officer's own ratings by its reference, once its group is over; any other
    reference is "not found"."""
    today = local_time(now, tz).date()
    return _own_rating(session, principal, reference, language, tz, secret_key, today)


def _month(when: When) -> str:
    return when.first_day.strftime("%Y-%m")


def _over_groups(
    session: Session, employee_id: int, tz: str, today: date
) -> tuple[dict[When, list[date]], dict[When, int]]:
    """Every group of the officer's ratings whose day or week is over, with its local days and its
    number of ratings (counted per day from the day rollups and the ratings beyond them:
    staff_admin.kit.tallies)."""
    members: dict[When, list[date]] = {}
    sizes: dict[When, int] = {}
    for day, count in day_counts(session, *EVER, tz, lambda dims: [dims["employee"] == employee_id]):
        when = when_for_day(day, count)
        if when.is_over(today):
            members.setdefault(when, []).append(day)
            sizes[when] = sizes.get(when, 0) + count
    return members, sizes


Part = tuple[When, int, int]  # a group, which part of it (from 1), in how many parts


def _pages(groups: list[When], sizes: dict[When, int]) -> list[list[Part]]:
    """Whole groups, newest first, cut into pages of at most RATINGS_PER_PAGE ratings; a bigger group
    fills pages of its own, a part on each: a busy officer's page stays as light as a quiet one's."""
    pages: list[list[Part]] = []
    held = 0
    for when in groups:
        parts = -(-sizes[when] // RATINGS_PER_PAGE)
        if parts > 1:
            pages += [[(when, part, parts)] for part in range(1, parts + 1)]
            held = RATINGS_PER_PAGE  # the next group starts a page
            continue
        if not pages or held + sizes[when] > RATINGS_PER_PAGE:
            pages.append([])
            held = 0
        pages[-1].append((when, 1, 1))
        held += sizes[when]
    return pages or [[]]


def _groups(
    session: Session,
    employee_id: int,
    members: dict[When, list[date]],
    shown: list[Part],
    language: str,
    tz: str,
    secret_key: str,
) -> list[RatingGroup]:
    """The ratings of these groups (parts): their ids read by their days, each in the group of its
    day and in the order of its reference (which says nothing of time), then only the ratings of the
    parts shown read whole."""
    zone = ZoneInfo(tz)
    group_of = {day: when for when, _, _ in shown for day in members[when]}
    spans = [
        and_(
            Rating.submitted_at >= datetime.combine(day, time(0), zone),
            Rating.submitted_at < datetime.combine(day + timedelta(days=1), time(0), zone),
        )
        for day in group_of
    ]
    ids: dict[When, list[int]] = {when: [] for when, _, _ in shown}
    if spans:
        found = select(Rating.id, Rating.submitted_at).where(Rating.employee_id == employee_id, or_(*spans))
        for rating_id, at in session.execute(found):
            ids[group_of[at.astimezone(zone).date()]].append(rating_id)
    chosen: dict[int, When] = {}
    for when, part, parts in shown:
        ordered = sorted(ids[when], key=lambda rating_id: rating_reference(secret_key, rating_id))
        size = -(-len(ordered) // parts)
        chosen |= dict.fromkeys(ordered[(part - 1) * size : part * size], when)
    rows = (
        session.execute(
            select(Rating, Counter.name)
            .join(Counter, Counter.id == Rating.counter_id)
            .where(Rating.id.in_(list(chosen)))
        ).all()
        if chosen
        else []
    )
    appeals = latest_appeals(session, list(chosen))
    by_group: dict[When, list[OwnRating]] = {when: [] for when, _, _ in shown}
    for rating, counter in rows:
        when = chosen[rating.id]
        by_group[when].append(_to_own(rating, counter, when, appeals, language, secret_key, tz))
    return [
        RatingGroup(when, sorted(by_group[when], key=lambda r: r.reference), part, parts)
        for when, part, parts in shown
    ]


def _averages(
    session: Session, start: datetime, end: datetime, tz: str, where: Where
) -> tuple[list[float | None], int]:
    """Mean overall face and answers of the ratings not excluded in [start, end) matching `where`."""
    tallies = bucket_tallies(
        session, [(start, end)], tz, ("overall",), lambda dims: [dims["excluded"].is_(False), *where(dims)]
    )
    used = sum(tally.n for tally in tallies.values())
    overall = sum(key[1] * tally.n for key, tally in tallies.items())
    sums = [sum(tally.sums[i] for tally in tallies.values()) for i in range(len(SKM_ELEMENTS))]
    counts = [sum(tally.counts[i] for tally in tallies.values()) for i in range(len(SKM_ELEMENTS))]
    averages: list[float | None] = [overall / used if used else None]
    for element, _ in QUESTION_TITLES[1:]:
        index = SKM_ELEMENTS.index(element)
        averages.append(sums[index] / counts[index] if counts[index] else None)
    return averages, used


def _question_averages(
    session: Session, employee_id: int, month: str, tz: str, today: date
) -> tuple[list[QuestionAverage], int]:
    """The officer's and their unit's mean answers over the month's whole days that are over."""
    zone = ZoneInfo(tz)
    first = date.fromisoformat(month + "-01")
    after = min((first + timedelta(days=32)).replace(day=1), today)
    start, end = datetime.combine(first, time(0), zone), datetime.combine(after, time(0), zone)
    mine, used = _averages(session, start, end, tz, lambda dims: [dims["employee"] == employee_id])
    if used < MIN_RATINGS_PER_DAY:
        return [], used
    units = {
        key[1]
        for key in bucket_tallies(
            session, [(start, end)], tz, ("unit",), lambda dims: [dims["employee"] == employee_id]
        )
    }
    unit, _ = _averages(session, start, end, tz, lambda dims: [dims["unit"].in_(sorted(units))])
    rows = [
        QuestionAverage(element, title, own, whole)
        for (element, title), own, whole in zip(QUESTION_TITLES, mine, unit, strict=True)
    ]
    return rows, used


def officer_page(
    session: Session,
    principal: Principal,
    language: str,
    tz: str,
    secret_key: str,
    now: datetime,
    month: str | None = None,
    page: int = 1,
) -> OfficerPage:
    """`now` decides which groups are over (their day or week ended in `tz`); `month` ("YYYY-MM")
    narrows the ratings to one month, `page` pages through its groups, newest first."""
    employee_id = own_employee(principal)
    today = local_time(now, tz).date()
    results = session.execute(
        select(OfficerResult, ScoringRun.period_label)
        .join(ScoringRun, ScoringRun.id == OfficerResult.run_id)
        .where(OfficerResult.employee_id == employee_id)
        .order_by(ScoringRun.period_start.desc(), ScoringRun.period_end)
    ).all()
    scores = [
        PeriodScore(
            period=label,
            score=result.score,
            low=result.score_low,
            high=result.score_high,
            n_used=result.n_used,
            n_excluded=result.n_excluded,
            sufficient=result.sufficient,
            category=CATEGORY_WORDS.get(result.category, result.category),
        )
        for result, label in results
    ]
    members, sizes = _over_groups(session, employee_id, tz, today)
    months = sorted({_month(when) for when in members}, reverse=True)
    month = month if month in months else None
    pages = _pages(newest_first(when for when in members if month is None or _month(when) == month), sizes)
    shown = paging(len(pages), page, 1)
    questions_month = month or (months[0] if months else None)
    questions, used = (
        _question_averages(session, employee_id, questions_month, tz, today) if questions_month else ([], 0)
    )
    name = session.scalar(select(Employee.name).where(Employee.id == employee_id)) or principal.display_name
    return OfficerPage(
        name=name,
        scores=scores,
        groups=_groups(session, employee_id, members, pages[shown.page - 1], language, tz, secret_key),
        paging=shown,
        months=months,
        month=month,
        questions_month=questions_month,
        questions=questions,
        questions_used=used,
        closed=own_signals(session, principal),
    )
