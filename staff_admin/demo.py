"""The staff side of the demo (`rating-portal demo-casework`, after `demo-data` and `demo-users`): what
a unit head and HR find on the day the demo is loaded, each through the service a person would use.

- Periods, as HR keeps them on the periods page: the last three months and the current month so far
  opened and queued for scoring, and the queued jobs run at once as `rating-portal worker --once`
  runs them; the two oldest of those months closed by HR (with the override: reviews still wait),
  so the recognition and development lists and the officers' evidence sheets have closed periods,
  and last month waits to be closed; the previous quarter opened but not scored yet. Scoring flags
  the demo's attacks, so the review queue has incidents. Before that, the people each unit served
  in those months, entered as from the unit's register, so the SKM reports know their sample
  targets; after it, the demo unit head's follow-up plans (staff_admin.reports.demo).
- Targets: every unit's IKM target for the years of those months, set by HR (audited), and one
  counter's own target, so the dashboard measures against them.
- Complaint cases for the low ratings with a comment of the last six weeks, as the rating form opens
  them: in each unit the newest ones new, one past its due date, the older ones answered.
- An appeal: the demo officer contests their lowest recent rating.

Idempotent: a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from portal.citizen.followup import LOW_RATING_MAX, ComplaintCase, due_date, local_date
from portal.kernel.models import Counter, Rating, Unit
from portal.kernel.settings import Settings
from staff_admin.access import ADMIN, HR, OFFICER, UNIT_HEAD, Principal, principal_for
from staff_admin.alerts.rules import check
from staff_admin.jobs.worker import Worker
from staff_admin.models import User
from staff_admin.periods import closing
from staff_admin.periods import service as periods
from staff_admin.periods.models import ScoringPeriod
from staff_admin.reports.demo import enter_demo_volumes, write_demo_plans
from staff_admin.review import appeals
from staff_admin.review.models import Appeal
from staff_admin.review.unlinkable import rating_reference
from staff_admin.targets import service as targets

DEMO_ROOT = "KOTA"  # portal.ops.demo.ROOT_CODE (the staff side reads the portal's data, not its code)
SCORED_MONTHS = 3  # before the current month
CLOSED_MONTHS = 2  # the oldest of them; last month stays scored, waiting to be closed
CLOSE_NOTE = "Demo: closed while reviews wait, so that recognition and evidence sheets can be shown."
UNIT_TARGET, COUNTER_TARGET, OFFICER_TARGET = "82", "85", "80"
DEMO_TARGET_UNIT = "DUKCAPIL"  # its officers' SKP states their own IKI target
CASE_DAYS = 42
APPEAL_REASON = (
    "Warga tersebut kecewa karena berkasnya belum lengkap, bukan karena pelayanan saya. "
    "Saya sudah menjelaskan persyaratannya dengan sopan."
)
RESPONSE = "Terima kasih atas masukannya. Petugas sudah kami ingatkan dan antrean kini dipantau."


@dataclass(frozen=True)
class CaseworkSummary:
    periods_scored: list[str]
    periods_open: list[str]
    cases: int
    appeals: int
    alerts: int = 0
    periods_closed: list[str] = field(default_factory=list)
    targets: int = 0

    def __str__(self) -> str:
        return (
            f"demo casework: periods scored {', '.join(self.periods_scored) or 'none'}; "
            f"closed {', '.join(self.periods_closed) or 'none'}; "
            f"open to score {', '.join(self.periods_open) or 'none'}; "
            f"{self.cases} complaint cases opened; {self.appeals} appeal(s); {self.alerts} alert(s); "
            f"{self.targets} target(s) set"
        )


def month_label(day: date) -> str:
    return f"{day:%Y-%m}"


def months_before(day: date, count: int) -> date:
    """The first day of the month `count` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def demo_periods(today: date) -> tuple[list[str], str]:
    """The months to score (oldest first, the current one last) and the quarter left to score."""
    months = [month_label(months_before(today, back)) for back in range(SCORED_MONTHS, -1, -1)]
    quarter_end = months_before(today, (today.month - 1) % 3)  # the first day of this quarter
    previous = quarter_end - timedelta(days=1)
    return months, f"{previous.year}-Q{(previous.month - 1) // 3 + 1}"


def _principal(session: Session, username: str, role: str) -> Principal | None:
    user = session.scalar(select(User).where(User.username == username, User.role == role))
    return principal_for(session, user) if user else None


def load_demo_casework(
    session: Session, settings: Settings, clock: Callable[[], datetime]
) -> CaseworkSummary | str:
    """Scored periods, complaint cases and an appeal on top of the demo city (see the module text)."""
    if session.scalar(select(Unit.id).where(Unit.code == DEMO_ROOT)) is None:
        return "no demo data: run `rating-portal demo-data` first"
    hr = _principal(session, "hr", HR)
    if hr is None:
        return "no demo HR account: run `rating-portal demo-users` first"
    now = clock()
    today = local_date(now, settings.period_timezone)
    months, quarter = demo_periods(today)
    admin = _principal(session, "admin", ADMIN)
    if admin is not None:  # the people served, before scoring, so the sample targets are known
        enter_demo_volumes(session, admin, months, settings.period_timezone, clock)
    queued, still_open = [], []
    for label in [*months, quarter]:
        if session.scalar(select(ScoringPeriod.id).where(ScoringPeriod.label == label)) is not None:
            continue
        period_id = periods.create_period(session, hr, label, clock())
        if label == quarter:
            still_open.append(label)
        else:
            periods.queue_score(session, hr, period_id, clock())
            queued.append(label)
    if queued:  # the jobs run now, as `rating-portal worker --once`, so the demo starts scored
        engine = session.get_bind()
        Worker(engine, sessionmaker(bind=engine), settings, clock, log=lambda _line: None).run(once=True)
    done = select(ScoringPeriod.label).where(
        ScoringPeriod.label.in_(queued), ScoringPeriod.status == "scored"
    )
    scored = list(session.scalars(done.order_by(ScoringPeriod.start_date)))
    head = _principal(session, "kepala.dukcapil", UNIT_HEAD)
    if head is not None:  # last month's SKM report has a plan and the state of the one before
        write_demo_plans(session, head, months[-3], months[-2], today, clock)
    closed = _close(session, hr, scored[:CLOSED_MONTHS], settings, clock)
    targets = _targets(session, hr, sorted({int(label[:4]) for label in months}), clock())
    cases = _open_cases(session, settings, now, today)
    appealed = _appeal(session, settings, now)
    # as `rating-portal alerts` would find them today: the late cases, the fresh incidents, grades
    alerts = len(check(session, settings, clock()))
    return CaseworkSummary(scored, still_open, cases, appealed, alerts, closed, targets)


def _close(
    session: Session, hr: Principal, labels: list[str], settings: Settings, clock: Callable[[], datetime]
) -> list[str]:
    """The oldest scored months closed as HR closes them, overriding the reviews that still wait."""
    closed = []
    for label in labels:
        period = session.scalar(select(ScoringPeriod).where(ScoringPeriod.label == label))
        if period is None or period.status != "scored":
            continue
        closing.close(
            session,
            hr,
            period.id,
            clock(),
            settings.period_timezone,
            confirmed=True,
            override=True,
            note=CLOSE_NOTE,
        )
        closed.append(label)
    return closed


def _targets(session: Session, hr: Principal, years: list[int], now: datetime) -> int:
    """Each demo unit's IKM target for `years`, and one counter's own, unless set already."""
    count = 0
    units = session.execute(select(Unit.id, Unit.code).order_by(Unit.code)).all()
    for year in years:
        for unit_id, code in units:
            if targets.unit_target(session, unit_id, year) is not None:
                continue
            form = {"unit_id": str(unit_id), "year": str(year), "ikm_target": UNIT_TARGET}
            if code == DEMO_TARGET_UNIT:
                form["officer_target"] = OFFICER_TARGET
            targets.set_target(session, hr, form, now)
            count += 1
        counter = session.execute(
            select(Counter.id, Counter.unit_id).where(Counter.active.is_(True)).order_by(Counter.id).limit(1)
        ).first()
        if counter is not None and targets.counter_target(session, counter.id, year) is None:
            form = {"unit_id": str(counter.unit_id), "counter_id": str(counter.id), "year": str(year)}
            targets.set_target(session, hr, {**form, "ikm_target": COUNTER_TARGET}, now)
            count += 1
    return count


def _open_cases(session: Session, settings: Settings, now: datetime, today: date) -> int:
    """A case per low rating with a comment of the last weeks that has none yet. Per unit, the newest
    case is new and the newest one past its due date is being worked on, late; other cases past
    their due date were answered, and the rest are new."""
    since = now - timedelta(days=CASE_DAYS)
    has_case = select(ComplaintCase.rating_id)
    ratings = session.scalars(
        select(Rating)
        .where(
            Rating.submitted_at >= since,
            Rating.overall <= LOW_RATING_MAX,
            Rating.comment.is_not(None),
            func.trim(Rating.comment) != "",
            Rating.id.not_in(has_case),
        )
        .order_by(Rating.submitted_at.desc(), Rating.id.desc())
    ).all()
    newest_seen: set[int] = set()
    late_seen: set[int] = set()
    for rating in ratings:  # the newest first
        opened = rating.submitted_at
        case = ComplaintCase(
            rating_id=rating.id,
            unit_id=rating.unit_id,
            low_rating=True,
            reply_requested=False,
            status="new",
            opened_at=opened,
            due_on=due_date(opened, settings),
        )
        if rating.unit_id not in newest_seen:
            newest_seen.add(rating.unit_id)
        elif case.due_on < today and rating.unit_id not in late_seen:
            late_seen.add(rating.unit_id)
            case.status = "in_progress"
        elif case.due_on < today:
            case.status, case.response, case.closed_at = "resolved", RESPONSE, opened + timedelta(days=3)
        session.add(case)
    session.commit()
    return len(ratings)


def _appeal(session: Session, settings: Settings, now: datetime) -> int:
    """The demo officer contests their lowest rating of the last month, once."""
    officer = _principal(session, "petugas", OFFICER)
    if officer is None or officer.employee_id is None:
        return 0
    if session.scalar(select(Appeal.id).where(Appeal.employee_id == officer.employee_id)) is not None:
        return 0
    since = now - timedelta(days=31)
    rating_id = session.scalar(
        select(Rating.id)
        .where(
            Rating.employee_id == officer.employee_id,
            Rating.submitted_at >= since,
            Rating.excluded.is_(False),
        )
        .order_by(Rating.overall, Rating.submitted_at.desc(), Rating.id)
        .limit(1)
    )
    if rating_id is None:
        return 0
    reference = rating_reference(settings.secret_key, rating_id)  # as the officer's page names it
    appeals.contest(session, officer, now, reference, APPEAL_REASON, settings.secret_key)
    return 1
