"""The review queue built for volume: who may open it, incidents with numbers that stay across
decisions and re-scoring, evidence in plain words, the decision's effect on the officer's score (as the
next scoring run then computes it), one decision per incident with exceptions, a confirmation after
each decision, translated reason labels, paging; audited decisions that win over the detector."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel import rollups
from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from scoring.db.cli import scoring_params
from scoring.db.models import OfficerResult, RatingDecision
from scoring.db.store import score_period
from scoring.periods import parse_period
from staff_admin.models import AuditEntry
from staff_admin.review.models import IncidentRating, ReviewIncident
from tests.conftest import FakeClock
from tests.staff_admin.casework import counter_for, other_officer, post_form, rating
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.hr_data import MONDAY_9_WIB, add_rating, march_ratings

QUEUE = "/admin/review"
INCIDENT = re.compile(r'<section class="incident" id="incident-(\d+)"')


def incidents(html: str) -> list[int]:
    return [int(n) for n in INCIDENT.findall(html)]


def section(html: str, number: int) -> str:
    start = html.index(f'id="incident-{number}"')
    end = html.find('<section class="incident"', start + 1)
    return html[start : end if end > 0 else len(html)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def figure(html: str, row: str, column: str) -> str:
    match = re.search(rf'<tr class="{row}">.*?<td class="{column}">(.*?)</td>', html, re.S)
    assert match, (row, column)
    return text_of(match.group(1))


@pytest.fixture
def burst(db: Session, world: World, clock: FakeClock) -> list[Rating]:
    """Three ratings from one device within minutes (unit A), plus one from another device."""
    counter = counter_for(db, world, "a")
    start = clock() - timedelta(days=1)
    same = [
        rating(db, counter, world.officer, start + timedelta(minutes=i), reasons="burst") for i in range(3)
    ]
    other = rating(db, counter, world.officer, start, reasons="burst", device="dev-2")
    return [*same, other]


def decide(client: TestClient, ids: list[int], action: str, note: str = "checked", **extra: object):
    data = {"rating_id": [str(i) for i in ids], "action": action, "note": note, **extra}
    return post_form(client, f"{QUEUE}/decide", data)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("hr", 200), ("head_a", 200), ("head_b", 200), ("officer", 403), ("other_officer", 403)],
)
def test_it_opens_the_queue_only_for_reviewers(
    client: TestClient,
    db: Session,
    world: World,
    clock: FakeClock,
    burst: list[Rating],
    persona: str,
    status: int,
) -> None:
    other_officer(db, world, clock())
    response = signed_in(client, persona).get(QUEUE)
    assert response.status_code == status
    if persona == "head_b":
        assert f'id="rating-{burst[0].id}"' not in response.text and incidents(response.text) == []
    if status == 200 and persona != "head_b":
        assert f'id="rating-{burst[0].id}"' in response.text


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get(QUEUE, follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_groups_one_device_burst_into_one_incident(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    page = signed_in(client, "head_a").get(f"{QUEUE}?lang=en").text
    assert len(incidents(page)) == 2
    first = section(page, incidents(page)[0])
    assert all(f'id="rating-{r.id}"' in first for r in burst[:3])
    assert "Burst from one device" in page and "The same device sent many ratings" in page


def test_it_keeps_one_device_rating_one_officer_in_one_incident_whatever_its_reasons(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    """Seen in the demo: 7 ratings marked burst;slow_stuffing and 3 marked slow_stuffing, all from one
    phone for one officer, were two incidents."""
    counter = counter_for(db, world, "a")
    for day in range(10):
        reasons = "burst;slow_stuffing" if day < 7 else "slow_stuffing"
        rating(db, counter, world.officer, clock() + timedelta(days=day), reasons=reasons, device="phone")
    page = signed_in(client, "head_a").get(f"{QUEUE}?lang=en").text
    (number,) = incidents(page)
    summary = text_of(section(page, number))
    assert "10 ratings" in summary and "1 device" in summary and "on 10 different days" in summary
    assert (
        "Burst from one device (7 ratings)" in summary and "One device on many days (10 ratings)" in summary
    )


def test_it_shows_reason_labels_in_indonesian_and_never_a_raw_code(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    counter = counter_for(db, world, "a")
    rating(db, counter, world.officer, clock(), reasons="burst;slow_stuffing")
    rating(db, counter, None, clock(), reasons="bot_speed;bot_off_hours", device="bot")
    signed_in(client, "head_a")
    indonesian = text_of(client.get(f"{QUEUE}?lang=id").text)
    assert "Antrean tinjauan" in indonesian and "Satu perangkat pada banyak hari" in indonesian
    assert "Perangkat yang sama mengirim banyak penilaian" in indonesian
    for code in ("slow_stuffing", "bot_speed", "bot_off_hours", "burst"):
        assert code not in indonesian, code
    english = text_of(client.get(f"{QUEUE}?lang=en").text)
    assert "One device on many days" in english and "Faster than a person" in english


def test_it_tells_the_evidence_in_plain_words(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    """Thirty ratings in one evening from thirty devices on two networks at one counter, nobody on
    duty: a script. The evidence says so without a code."""
    counter = counter_for(db, world, "a")
    evening = MONDAY_9_WIB + timedelta(hours=13)  # 22:00 in Jakarta
    for i in range(30):
        network = "net-a" if i % 2 else "net-b"
        at = evening + timedelta(minutes=3 * i)  # 22:00 to 23:27
        rating(db, counter, None, at, reasons="bot_speed;bot_off_hours", device=f"d{i}", network=network)
    page = signed_in(client, "head_a").get(f"{QUEUE}?lang=en").text
    (number,) = incidents(page)
    words = text_of(section(page, number))
    assert "30 ratings" in words and "30 devices, 2 networks" in words
    assert "within 87 minutes" in words and "between 10:00 PM and 11:27 PM" in words
    assert "Incident 1: nobody on duty" in words and "Officer's score" not in words  # the unit's IKM only


@pytest.mark.parametrize("summed", ["from the ratings", "from the rollups"])
def test_it_predicts_the_officer_score_the_next_scoring_run_computes(
    client: TestClient, db: Session, world: World, settings: Settings, clock: FakeClock, summed: str
) -> None:
    """45 honest ratings and a burst of 8 from one phone (excluded by the detector): the queue says
    what the score is now and would be after restoring; after restoring and scoring again the stored
    score is that figure. The same whether the period's sums come from the day rollups or not."""
    march_ratings(db, world)
    if summed == "from the rollups":
        assert rollups.refresh(db, settings.period_timezone, clock() + timedelta(days=60)) > 0
        db.commit()
    period, params = parse_period("2026-03"), scoring_params(settings)
    score_period(db, period, params, settings.period_timezone, clock)
    stored = db.scalars(select(OfficerResult).where(OfficerResult.employee_id == world.officer.id)).one()

    page = signed_in(client, "head_a").get(f"{QUEUE}?lang=en").text
    (number,) = incidents(page)
    effect = section(page, number)
    assert "period 2026-03" in text_of(effect)
    assert figure(effect, "officer", "now").startswith(f"{stored.score:.2f}")
    assert figure(effect, "officer", "confirmed").startswith(f"{stored.score:.2f}")
    restored = figure(effect, "officer", "restored").split()[0]
    assert restored != f"{stored.score:.2f}"

    ids = [int(i) for i in re.findall(r'name="rating_id" value="(\d+)"', effect)]
    assert decide(client, ids, "restore", "a queue of real visitors").status_code == 303
    score_period(db, period, params, settings.period_timezone, clock)
    db.expire_all()
    rescored = db.scalars(select(OfficerResult).where(OfficerResult.employee_id == world.officer.id)).one()
    assert f"{rescored.score:.2f}" == restored and rescored.n_used == 53


def test_incidents_keep_their_numbers_across_decisions_rescoring_and_late_ratings(
    client: TestClient, db: Session, world: World, settings: Settings, clock: FakeClock
) -> None:
    """Three phones each send a burst; the detector flags them and the queue numbers three incidents.
    Deciding one and scoring again leave the other numbers as they were; a late burst rating from the
    decided phone brings its incident back under the same number, its earlier ratings shown decided."""
    counter_a, _ = march_ratings(db, world)  # includes the "stuffer" phone's burst on day 16
    for day, phone in ((5, "phone-1"), (9, "phone-2")):
        for minute in range(8):
            at = MONDAY_9_WIB + timedelta(days=day, minutes=minute)
            add_rating(db, counter_a, world.officer, at, 4, phone)
    db.commit()
    period, params = parse_period("2026-03"), scoring_params(settings)
    score_period(db, period, params, settings.period_timezone, clock)
    signed_in(client, "head_a")
    page = client.get(QUEUE).text
    stuffer, phone_1, phone_2 = incidents(page)
    assert all(db.get(ReviewIncident, n) is not None for n in (stuffer, phone_1, phone_2))

    ids = [int(i) for i in re.findall(r'name="rating_id" value="(\d+)"', section(page, phone_1))]
    assert decide(client, ids, "confirm").status_code == 303
    assert incidents(client.get(QUEUE).text) == [stuffer, phone_2]

    score_period(db, period, params, settings.period_timezone, clock)
    assert incidents(client.get(QUEUE).text) == [stuffer, phone_2]

    at = MONDAY_9_WIB + timedelta(days=5, minutes=8, seconds=30)
    add_rating(db, counter_a, world.officer, at, 4, "phone-1")
    db.commit()
    score_period(db, period, params, settings.period_timezone, clock)
    late = db.scalars(
        select(Rating).where(Rating.device_hash == "phone-1").order_by(Rating.id.desc())
    ).first()
    assert late.excluded and late.reasons == "burst"
    page = client.get(f"{QUEUE}?lang=en").text
    assert incidents(page) == [stuffer, phone_1, phone_2]
    back = section(page, phone_1)
    assert f'id="rating-{late.id}"' in back and "8 more decided already" in text_of(back)
    assert db.get(IncidentRating, late.id).incident_id == phone_1


def test_it_confirms_a_whole_incident_with_decisions_audit_rows_and_a_message(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "head_a")
    number = incidents(client.get(QUEUE).text)[0]
    response = decide(client, [r.id for r in burst[:3]], "confirm", "one phone", page="1")
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["incident"] == [str(number)] and query["confirmed"] == ["3"]
    decisions = db.scalars(select(RatingDecision).order_by(RatingDecision.rating_id)).all()
    assert [d.rating_id for d in decisions] == [r.id for r in burst[:3]]
    assert {d.decision for d in decisions} == {"exclude"} and {d.note for d in decisions} == {"one phone"}
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "rating.exclude")).all()
    assert sorted(e.object_id for e in entries) == sorted(str(r.id) for r in burst[:3])
    assert all(e.note == "one phone" and e.before["excluded"] is True for e in entries)

    english = client.get(response.headers["location"] + "&lang=en").text
    assert f"Incident {number} decided." in english and "3 ratings confirmed as excluded." in english
    assert f'id="rating-{burst[0].id}"' not in english and f'id="rating-{burst[3].id}"' in english
    indonesian = client.get(response.headers["location"] + "&lang=id").text
    assert f"Insiden {number} sudah diputuskan." in indonesian
    odd = client.get(f"{QUEUE}?incident=x,%C2%B2&confirmed=%C2%B2&restored=1")
    assert odd.status_code == 200 and 'class="notice"' not in odd.text


def test_it_gives_the_ticked_exceptions_the_opposite_decision(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "hr")
    ids = [r.id for r in burst[:3]]
    response = decide(client, ids, "confirm", "two fakes, one real", opposite=[str(ids[1])])
    assert response.status_code == 303
    assert "confirmed=2" in response.headers["location"] and "restored=1" in response.headers["location"]
    made = dict(db.execute(select(RatingDecision.rating_id, RatingDecision.decision)).all())
    assert made == {ids[0]: "exclude", ids[1]: "include", ids[2]: "exclude"}
    db.expire_all()
    assert db.get(Rating, ids[1]).excluded is False
    text = text_of(client.get(response.headers["location"] + "&lang=en").text)
    assert "2 ratings confirmed as excluded." in text and "1 rating restored." in text


def test_it_refuses_an_exception_outside_the_decided_ratings(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "head_a")
    response = decide(client, [burst[0].id], "confirm", "x", opposite=[str(burst[3].id)])
    assert response.status_code == 422 and db.scalars(select(RatingDecision)).all() == []


def test_it_requires_a_note_and_writes_nothing_without_one(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "head_a")
    response = post_form(
        client, f"{QUEUE}/decide?lang=en", {"rating_id": str(burst[0].id), "action": "restore", "note": "  "}
    )
    assert response.status_code == 422
    assert "Please write a note explaining the decision." in response.text
    assert db.scalars(select(RatingDecision)).all() == []


def test_it_restores_a_single_rating_at_once(
    client: TestClient, db: Session, world: World, burst: list[Rating]
) -> None:
    signed_in(client, "hr")
    assert decide(client, [burst[3].id], "restore", "real visitor").status_code == 303
    db.expire_all()
    assert db.get(Rating, burst[3].id).excluded is False
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "rating.include"))
    assert entry.object_id == str(burst[3].id) and entry.after["excluded"] is False


def test_it_pages_through_many_incidents(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    counter = counter_for(db, world, "a")
    for k in range(13):
        rating(
            db, counter, world.officer, clock() + timedelta(minutes=k), reasons="burst", device=f"phone-{k}"
        )
    signed_in(client, "head_a")
    first = client.get(f"{QUEUE}?lang=en").text
    assert len(incidents(first)) == 10 and "Page 1 of 2" in first and 'rel="next"' in first
    assert '<strong id="incidents">13</strong>' in first and '<strong id="pending">13</strong>' in first
    second = client.get(f"{QUEUE}?page=2&lang=en").text
    assert len(incidents(second)) == 3 and not set(incidents(first)) & set(incidents(second))
    assert incidents(client.get(f"{QUEUE}?page=99").text) == incidents(second)  # the last page


@pytest.mark.parametrize("persona", ["head_b", "officer"])
def test_it_refuses_decisions_outside_the_principals_units(
    client: TestClient, db: Session, world: World, burst: list[Rating], persona: str
) -> None:
    signed_in(client, persona)
    response = decide(client, [burst[0].id], "restore", "x")
    assert response.status_code == (404 if persona == "head_b" else 403)
    assert db.scalars(select(RatingDecision)).all() == []


def test_it_writes_nothing_when_one_id_of_an_incident_is_out_of_scope(
    client: TestClient, db: Session, world: World, clock: FakeClock, burst: list[Rating]
) -> None:
    foreign = rating(db, counter_for(db, world, "b"), world.colleague, clock(), reasons="burst")
    signed_in(client, "head_a")
    assert decide(client, [burst[0].id, foreign.id], "confirm", "x").status_code == 404
    assert db.scalars(select(RatingDecision)).all() == []


def test_decisions_win_over_the_detector_on_the_next_scoring_run(
    client: TestClient, db: Session, world: World, clock: FakeClock, settings, burst: list[Rating]
) -> None:
    counter = counter_for(db, world, "a")
    ordinary = rating(
        db, counter, world.officer, clock() - timedelta(hours=3), device="dev-9", network="net-9"
    )
    signed_in(client, "head_a")
    decide(client, [r.id for r in burst[:3]], "restore", "real")
    # An ordinary rating can also be excluded by hand (it is not in the queue, but HR/heads may decide).
    decide(client, [ordinary.id], "confirm", "fake")
    score_period(db, parse_period("2026-03"), scoring_params(settings), settings.period_timezone, clock)
    db.expire_all()
    assert [db.get(Rating, r.id).excluded for r in burst[:3]] == [False, False, False]
    assert db.get(Rating, ordinary.id).excluded is True
