"""A citizen stays unlinkable for the officer they rated (issue 21, item 16): the officer served each
citizen minutes before, so their own view shows ratings by day without the time, a day only once it
holds at least 5 ratings (quieter days fold into their week), in an order that says nothing of time,
and names a rating by an opaque reference (never its id). Unit heads and HR keep the full view."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.i18n import format_date
from portal.kernel.models import Rating
from staff_admin.review.models import Appeal
from staff_admin.review.unlinkable import rating_reference
from tests.conftest import TEST_SECRET, FakeClock
from tests.hostile import reachable_pages
from tests.staff_admin.casework import counter_for, other_officer, post_form, rating
from tests.staff_admin.conftest import World, signed_in

JAKARTA = timedelta(hours=7)
# Local times (Asia/Jakarta) of the officer's ratings: six on Monday 2 March (a day of its own), two
# on Tuesday (folded into their week), one on Tuesday 10 March (alone in its week).
BUSY_DAY = [(9, 17), (9, 41), (10, 23), (11, 8), (13, 52), (14, 36)]
QUIET_DAY = [(10, 47), (15, 29)]
NEXT_WEEK = [(8, 13)]
OFF_LIMITS = (
    "/admin/ratings/export.csv",
    "/admin/ratings?comment=yes",
    "/admin/review/",
    "/admin/appeals/",
    "/admin/complaints/",
    "/admin/audit/",
    "/api/v1/counters",
)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - JAKARTA


def _clock_texts(hour: int, minute: int) -> list[str]:
    """How a time of day could be written: local or UTC, 24 or 12 hours."""
    texts = []
    for h in (hour, (hour - 7) % 24):
        texts += [
            f"{h:02d}:{minute:02d}",
            f"{h}:{minute:02d}",
            f"{h}.{minute:02d}",
            f"{(h - 1) % 12 + 1}:{minute:02d}",
        ]
    return texts


@pytest.fixture
def ratings(db: Session, world: World, clock: FakeClock) -> list[Rating]:
    counter = counter_for(db, world, "a")
    other_officer(db, world, clock())
    made = []
    for day, times in (
        (date(2026, 3, 2), BUSY_DAY),
        (date(2026, 3, 3), QUIET_DAY),
        (date(2026, 3, 10), NEXT_WEEK),
    ):
        for hour, minute in times:
            at = _at(day, hour, minute)
            made.append(
                rating(
                    db,
                    counter,
                    world.officer,
                    at,
                    overall=1 + minute % 4,
                    comment=f"komentar {hour}-{minute}",
                )
            )
    clock.set(_at(date(2026, 3, 16), 9, 0))  # Monday: every day and week above is over
    return made


def _groups(page: str) -> list[tuple[str, list[str]]]:
    """(heading, the references of its ratings in page order) for each group of 'My ratings'."""
    section = page.split('id="ratings"', 1)[1]
    groups = []
    for part in section.split("<h3")[1:]:
        heading, _, rest = part.split(">", 1)[1].partition("</h3>")
        groups.append((heading.strip(), re.findall(r'id="rating-([0-9a-f]{16})"', rest.split("</table>")[0])))
    return groups


def test_it_shows_the_officer_ratings_by_busy_day_or_by_week(
    client: TestClient, world: World, ratings: list[Rating]
) -> None:
    page = signed_in(client, "officer").get("/admin/me?lang=en").text
    groups = dict(_groups(page))
    ref = {r.id: rating_reference(TEST_SECRET, r.id) for r in ratings}
    busy, quiet, alone = ratings[:6], ratings[6:8], ratings[8:]
    assert groups == {
        format_date("en", date(2026, 3, 10) - timedelta(days=1)).join(["week of ", ""]): [
            ref[r.id] for r in alone
        ],
        format_date("en", date(2026, 3, 2)).join(["week of ", ""]): sorted(ref[r.id] for r in quiet),
        format_date("en", date(2026, 3, 2)): sorted(ref[r.id] for r in busy),
    }
    assert "at least 5 ratings" in page
    for r in ratings:  # every comment is there, without its time
        assert r.comment in page


def test_no_officer_facing_page_carries_a_time_finer_than_a_day(
    client: TestClient, db: Session, world: World, ratings: list[Rating]
) -> None:
    signed_in(client, "officer")
    contested = ratings[7]
    assert (
        post_form(
            client,
            f"/admin/me/ratings/{rating_reference(TEST_SECRET, contested.id)}",
            {"reason": "bukan saya"},
        ).status_code
        == 303
    )
    pages = {}
    for lang in ("en", "id"):
        pages |= reachable_pages(client, f"/admin/me?lang={lang}")
        pages |= reachable_pages(client, f"/admin/?lang={lang}")
    # and what an officer could type in: the exports, the staff lists, the API (a key's, not theirs)
    refused = [*OFF_LIMITS, f"/api/v1/units/{world.unit_a.id}/results"]
    for path in refused:
        pages[path] = client.get(path, follow_redirects=False)
        assert pages[path].status_code in (401, 403), path
    rating_pages = [path for path in pages if path.startswith("/admin/me/ratings/")]
    assert len({path.split("?")[0] for path in rating_pages}) == len(ratings)  # each rating's own page too
    ids = {str(r.id) for r in ratings}
    for path, response in pages.items():
        assert response.status_code < 400 or path in refused, path
        body = response.text
        for hour, minute in BUSY_DAY + QUIET_DAY + NEXT_WEEK:
            for text in _clock_texts(hour, minute):
                assert text not in body, (path, text)
        assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", body), path
        for link in re.findall(r'href="/admin/me/ratings/([^"?]+)', body):  # named by reference only
            assert re.fullmatch(r"[0-9a-f]{16}", link) and link not in ids, (path, link)


def test_the_officer_contests_a_rating_by_its_reference_never_its_id(
    client: TestClient, db: Session, world: World, ratings: list[Rating]
) -> None:
    target = ratings[2]
    signed_in(client, "officer")
    assert client.get(f"/admin/me/ratings/{target.id}").status_code == 404
    assert post_form(client, f"/admin/me/ratings/{target.id}", {"reason": "bukan saya"}).status_code == 404
    reference = rating_reference(TEST_SECRET, target.id)
    page = client.get(f"/admin/me/ratings/{reference}?lang=en").text
    assert format_date("en", date(2026, 3, 2)) in page and target.comment in page
    assert post_form(client, f"/admin/me/ratings/{reference}", {"reason": "bukan saya"}).status_code == 303
    appeal = db.scalar(select(Appeal))
    assert (appeal.rating_id, appeal.reason) == (target.id, "bukan saya")
    quiet = rating_reference(TEST_SECRET, ratings[6].id)  # on a quiet day: its page names the week only
    quiet_page = client.get(f"/admin/me/ratings/{quiet}?lang=en").text
    assert "week of " + format_date("en", date(2026, 3, 2)) in quiet_page
    assert format_date("en", date(2026, 3, 3)) not in quiet_page
    client.cookies.clear()
    signed_in(client, "other_officer")
    assert client.get(f"/admin/me/ratings/{reference}").status_code == 404  # another officer's rating


def test_a_day_or_week_appears_once_it_is_over(
    client: TestClient, db: Session, world: World, ratings: list[Rating], clock: FakeClock
) -> None:
    """Refreshed after each citizen, the page would otherwise show which rating just came in."""
    counter = counter_for(db, world, "a")
    busy_today = [
        rating(db, counter, world.officer, clock() + timedelta(minutes=m), comment=f"hari ini {m}")
        for m in range(6)
    ]
    quiet_tomorrow = rating(db, counter, world.officer, clock() + timedelta(days=1), comment="besok")
    today, tomorrow = busy_today[0], quiet_tomorrow

    def shown() -> set[str]:
        client.cookies.clear()  # a new sign-in: the session of the day before has ended
        page = signed_in(client, "officer").get("/admin/me?lang=en").text
        return {r.comment for r in (*busy_today, quiet_tomorrow) if r.comment in page}

    def page_of(r: Rating) -> int:
        return client.get(f"/admin/me/ratings/{rating_reference(TEST_SECRET, r.id)}").status_code

    assert shown() == set() and page_of(today) == 404
    clock.advance(days=1)  # Tuesday: Monday is over, Tuesday's single rating waits for its week
    assert shown() == {r.comment for r in busy_today} and page_of(today) == 200
    assert page_of(tomorrow) == 404
    clock.advance(days=6)  # the next Monday: the week is over
    assert "besok" in shown() and page_of(tomorrow) == 200


@pytest.mark.parametrize("persona", ["head_a", "hr"])
def test_unit_heads_and_hr_keep_the_full_view(
    client: TestClient, db: Session, world: World, ratings: list[Rating], persona: str
) -> None:
    target = ratings[0]
    signed_in(client, "officer")
    post_form(
        client, f"/admin/me/ratings/{rating_reference(TEST_SECRET, target.id)}", {"reason": "bukan saya"}
    )
    client.cookies.clear()
    signed_in(client, persona)
    browser = client.get("/admin/ratings?lang=en").text
    assert "9:17" in browser and "komentar 9-17" in browser
    appeals = client.get("/admin/appeals?lang=en").text
    assert f"Rating {target.id} ·" in appeals and "bukan saya" in appeals
