"""Each alert rule against its thresholds, and each situation stored once however often the check
runs (`rating-portal alerts` runs every five minutes)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.kernel.settings import Settings
from staff_admin.alerts.models import Alert
from staff_admin.alerts.rules import check
from staff_admin.models import OutboxMail, User
from tests.conftest import FakeClock
from tests.staff_admin.alert_world import (
    burst,
    give_email,
    grade_fell,
    low_ratings,
    open_case,
    run,
    unit_result,
)
from tests.staff_admin.casework import counter_for, rating
from tests.staff_admin.conftest import World

TODAY = date(2026, 3, 2)


def _kinds(db: Session) -> list[tuple[str, str]]:
    return [(a.kind, a.key) for a in db.scalars(select(Alert).order_by(Alert.id))]


def test_it_alerts_once_when_a_counters_recent_ratings_are_mostly_low(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    counter = counter_for(db, world)
    low_ratings(db, counter, clock(), low=4, high=2)  # 4 of 6 > 0.5

    new = check(db, settings, clock())

    assert [(a.kind, a.counter_id, a.facts) for a in new] == [
        ("low_share", counter.id, {"low": 4, "ratings": 6, "minutes": 60})
    ]
    clock.advance(minutes=5)
    rating(db, counter, None, clock(), overall=2, device="late")
    assert check(db, settings, clock()) == []  # the same run of low ratings: no second alert
    assert len(_kinds(db)) == 1


def test_it_alerts_again_when_low_ratings_return_after_the_window(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    counter = counter_for(db, world)
    low_ratings(db, counter, clock(), low=5)
    check(db, settings, clock())
    clock.advance(hours=3)
    low_ratings(db, counter, clock(), low=5)

    assert [a.kind for a in check(db, settings, clock())] == ["low_share"]
    assert len(_kinds(db)) == 2


def test_it_keeps_quiet_below_the_share_or_with_too_few_ratings(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    low_ratings(db, counter_for(db, world), clock(), low=3, high=3)  # 0.5 is not above 0.5
    low_ratings(db, counter_for(db, world, "b"), clock(), low=4)  # 4 < ALERT_LOW_MIN_RATINGS

    assert check(db, settings, clock()) == []
    stricter = settings.with_(alert_low_share=0.4)
    assert [a.kind for a in check(db, stricter, clock())] == ["low_share"]


def test_it_counts_only_the_last_n_ratings_of_a_counter(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    counter = counter_for(db, world)
    low_ratings(db, counter, clock(), low=5, high=5)  # the five low ones are the oldest

    assert check(db, settings.with_(alert_low_last_ratings=5), clock()) == []
    assert [
        a.kind for a in check(db, settings.with_(alert_low_last_ratings=10, alert_low_share=0.45), clock())
    ] == ["low_share"]


def test_it_alerts_once_per_complaint_case_that_became_overdue(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    counter = counter_for(db, world)
    late = open_case(
        db, rating(db, counter, None, clock() - timedelta(days=9), overall=1), TODAY - timedelta(days=1)
    )
    open_case(db, rating(db, counter, None, clock(), overall=1), TODAY)  # due today: not late yet
    open_case(db, rating(db, counter, None, clock(), overall=1), TODAY - timedelta(days=3), status="resolved")

    new = check(db, settings, clock())

    assert [(a.kind, a.subject_id, a.facts["due_on"]) for a in new] == [
        ("complaint_overdue", late.id, "2026-03-01")
    ]
    clock.advance(days=1)  # the second case is now late too; the first is not told again
    assert [a.key for a in check(db, settings, clock())] == [f"complaint_overdue:{late.id + 1}"]


def test_it_alerts_a_new_detector_incident_but_not_a_review_marker(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    counter = counter_for(db, world)
    burst(db, counter, clock(), "burst")
    rating(db, counter, world.officer, clock() - timedelta(hours=1), reasons="officer_anomaly", device="x")

    new = check(db, settings, clock())

    assert [(a.kind, a.facts["ratings"], a.facts["reasons"]) for a in new] == [("incident", 4, ["burst"])]
    assert check(db, settings, clock()) == []


def test_it_leaves_old_incidents_alone(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    burst(db, counter_for(db, world), clock() - timedelta(days=5), "sabotage")

    assert check(db, settings, clock()) == []


def test_it_alerts_when_a_units_grade_falls_from_one_period_to_the_next(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    grade_fell(db, world.unit_a, clock())

    new = check(db, settings, clock())

    assert [(a.kind, a.unit_id, a.facts["previous_grade"], a.facts["grade"]) for a in new] == [
        ("grade_drop", world.unit_a.id, "B", "C")
    ]
    assert check(db, settings, clock()) == []


def test_it_ignores_a_grade_kept_or_risen_and_periods_of_other_lengths(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    q4 = run(db, "2025-Q4", date(2025, 10, 1), date(2025, 12, 31), clock() - timedelta(days=60))
    january = run(db, "2026-01", date(2026, 1, 1), date(2026, 1, 31), clock() - timedelta(hours=2))
    february = run(db, "2026-02", date(2026, 2, 1), date(2026, 2, 28), clock() - timedelta(hours=1))
    unit_result(db, q4, world.unit_a, 90, "A")  # a quarter: not the period before a month
    unit_result(db, january, world.unit_a, 80, "B")
    unit_result(db, february, world.unit_a, 89, "A")
    unit_result(db, january, world.unit_b, 70, "C")
    unit_result(db, february, world.unit_b, 71, "C")

    assert check(db, settings, clock()) == []


def test_it_queues_a_mail_only_for_recipients_who_want_it_at_once_and_only_with_smtp(
    db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    give_email(db, "head_a")
    give_email(db, "hr", mode="digest")
    give_email(db, "head_b")
    grade_fell(db, world.unit_a, clock())

    check(db, settings, clock())  # SMTP_URL unset: in the app only
    assert db.scalars(select(OutboxMail)).all() == []

    db.execute(delete(Alert))
    db.commit()
    check(db, settings.with_(smtp_url="smtp://127.0.0.1:1", mail_from="p@x.id"), clock())
    mails = db.scalars(select(OutboxMail)).all()
    users = {m.user_id for m in mails}
    assert len(mails) == 1 and [m.kind for m in mails] == ["alert"]
    assert users == {_user_id(db, "head_a")}


def _user_id(db: Session, username: str) -> int:
    return db.scalar(select(User.id).where(User.username == username))
