"""Comment themes on the unit dashboard through HTTP on the real databases: each unit head sees the
themes of their own unit with examples, officers cannot reach them, citizens' words are escaped,
comments of excluded ratings stay out, and scoring from the periods page (its job run by the worker)
computes them."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.dashboard_world import SCRIPT_COMMENT, rate, score
from tests.staff_admin.scoring_jobs import run_jobs

DASHBOARD = "/admin/dashboard"
AC = "Ruang tunggu panas, AC tidak menyala."
QUEUE = "Antrean terlalu panjang, mohon ditambah petugas."
TOILET = "Toilet kotor, tidak ada air."
STUFFED = "Petugas terbaik sedunia"


def comment_ratings(db: Session, world: World) -> None:
    """The persona world's ratings (tests/staff_admin/dashboard_world.py) with comments: in Dinas Alpha
    the AC complaint on six honest ratings and the queue on four, praise on the eight burst ratings the
    detector excludes; in Dinas Beta the toilet on all five (rated 2)."""
    rate(db, world)
    alpha = list(
        db.scalars(
            select(Rating.id)
            .where(
                Rating.unit_id == world.unit_a.id, Rating.comment.is_(None), Rating.device_hash != "stuffer"
            )
            .order_by(Rating.id)
        )
    )
    comments = {**dict.fromkeys(alpha[10:16], AC), **dict.fromkeys(alpha[20:24], QUEUE)}
    for rating_id, text in comments.items():
        db.execute(update(Rating).where(Rating.id == rating_id).values(comment=text))
    db.execute(update(Rating).where(Rating.device_hash == "stuffer").values(comment=STUFFED))
    db.execute(update(Rating).where(Rating.unit_id == world.unit_b.id).values(comment=TOILET))
    db.commit()


@pytest.fixture
def themed(db: Session, world: World, settings: Settings, clock: FakeClock) -> None:
    comment_ratings(db, world)
    assert score(db, settings, clock).excluded_by_reason == {"burst": 8}


def _themes_table(html: str) -> list[tuple[str, str, str]]:
    """(theme, comments, low ratings) per theme row of the themes table (examples rows left out)."""
    table = re.search(r'<table class="results themes">(.*?)</table>', html, re.S)
    assert table, "no themes table"
    rows = re.findall(
        r'<th scope="row">(.*?)</th>\s*<td class="num">([^<]+)</td>\s*<td class="num">([^<]+)</td>',
        table.group(1),
        re.S,
    )
    return [(re.sub(r"<[^>]+>", "", label).strip(), count, low) for label, count, low in rows]


def test_it_shows_a_unit_head_the_comment_themes_of_their_unit(
    client: TestClient, world: World, themed: None
) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    assert "<caption>Comment themes of Dinas Alpha</caption>" in html
    rows = _themes_table(html)
    assert rows[0][0].startswith("ac tidak menyala") and rows[0][1:] == ("6", "0%")
    assert "antrean" in rows[1][0] and rows[1][1:] == ("4", "0%")
    assert rows[-1] == ("Other comments", "2", "0%")  # the two odd comments of dashboard_world
    assert re.search(r"<summary>1 example</summary>\s*<ul><li class=\"comment-text\">" + re.escape(AC), html)


def test_it_shows_each_unit_head_only_the_themes_of_their_own_unit(
    client: TestClient, world: World, themed: None
) -> None:
    html = signed_in(client, "head_b").get(DASHBOARD, params={"lang": "en"}).text

    assert _themes_table(html) == [("toilet kotor · tidak ada air", "5", "100%")]
    assert TOILET in html
    assert "ac tidak menyala" not in html and AC not in html and "antrean" not in html


def test_it_answers_404_when_a_unit_head_asks_for_another_units_themes(
    client: TestClient, world: World, themed: None
) -> None:
    response = signed_in(client, "head_b").get(DASHBOARD, params={"unit": world.unit_a.id})

    assert response.status_code == 404
    assert AC not in response.text and "ac tidak menyala" not in response.text


@pytest.mark.parametrize("unit", [None, "unit_a"])
def test_it_keeps_officers_from_the_themes_and_their_examples(
    client: TestClient, world: World, themed: None, unit: str | None
) -> None:
    params = {"unit": world.unit_a.id} if unit else {}

    response = signed_in(client, "officer").get(DASHBOARD, params=params)

    assert response.status_code == 403
    assert AC not in response.text and "ac tidak menyala" not in response.text


def test_it_shows_hr_the_themes_of_any_unit(client: TestClient, world: World, themed: None) -> None:
    html = signed_in(client, "hr").get(DASHBOARD, params={"lang": "en", "unit": world.unit_b.id}).text

    assert _themes_table(html) == [("toilet kotor · tidak ada air", "5", "100%")]


def test_it_escapes_the_citizens_words_and_leaves_out_excluded_ratings(
    client: TestClient, world: World, themed: None
) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD, params={"lang": "en"}).text

    assert SCRIPT_COMMENT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; pelayanan lambat" in html
    assert "terbaik" not in html  # the burst's comments were excluded with its ratings


def test_it_speaks_indonesian_by_default(client: TestClient, world: World, themed: None) -> None:
    html = signed_in(client, "head_a").get(DASHBOARD).text

    assert "<caption>Tema komentar Dinas Alpha</caption>" in html
    assert "Komentar lainnya" in html and "1 contoh" in html


def test_it_explains_when_a_unit_has_no_themes(client: TestClient, world: World, themed: None) -> None:
    html = signed_in(client, "hr").get(DASHBOARD, params={"lang": "en", "unit": world.unit_a1.id}).text

    assert "No comments in this period" in html and '<table class="results themes">' not in html


def test_it_computes_the_themes_when_hr_scores_the_period_on_the_periods_page(
    client: TestClient, db: Session, world: World, engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    comment_ratings(db, world)
    browser = signed_in(client, "hr")
    token = csrf_token(browser, "/admin/periods/")
    opened = browser.post(
        "/admin/periods/", data={"_csrf_token": token, "period": "2026-03"}, follow_redirects=False
    )
    assert opened.status_code == 303
    page = browser.get("/admin/periods/").text
    (score_path,) = set(re.findall(r'action="(/admin/periods/\d+/score)"', page))

    response = browser.post(score_path, data={"_csrf_token": token}, follow_redirects=False)

    assert response.status_code == 303
    assert run_jobs(engine, settings, clock) == {"done": 1}  # the worker runs the queued job
    html = browser.get(DASHBOARD, params={"lang": "en", "unit": world.unit_b.id}).text
    assert _themes_table(html) == [("toilet kotor · tidak ada air", "5", "100%")]
