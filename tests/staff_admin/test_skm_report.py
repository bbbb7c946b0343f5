"""The SKM report (/admin/reports/skm) through the real app on the real databases: who may open it,
its figures from the scored period, the sample target's N from the people served (queue tickets or
the register, never the ratings), the respondent profile in aggregate, the follow-up plan and its
state in the next report, the PDF's text, publishing to /publik, and the `report skm` command."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import main
from portal.kernel.models import Rating
from portal.kernel.settings import Settings
from scoring.db.models import ScoringRun, UnitResult
from scoring.skm import sample_target
from tests.conftest import FakeClock
from tests.portal.machines import queue_machine
from tests.staff_admin.conftest import World, csrf_token, signed_in
from tests.staff_admin.dashboard_world import Rated, rate, score

REPORT = "/admin/reports/skm"


@pytest.fixture
def rated(db: Session, world: World, settings: Settings, clock: FakeClock) -> Rated:
    rated = rate(db, world)
    clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))
    score(db, settings, clock, "2026-02")
    score(db, settings, clock)
    return rated


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def _report(client: TestClient, world: World, unit=None, **params) -> str:
    unit = world.unit_a.id if unit is None else unit
    response = client.get(REPORT, params={"period": "2026-03", "unit": unit, "lang": "en", **params})
    assert response.status_code == 200, response.text
    return _text(response.text)


def _stored_target(db: Session, world: World) -> int | None:
    return db.scalar(
        select(UnitResult.sample_target)
        .join(ScoringRun, ScoringRun.id == UnitResult.run_id)
        .where(UnitResult.unit_id == world.unit_a.id, ScoringRun.period_label == "2026-03")
    )


def _post(client: TestClient, path: str, **data: object):
    token = csrf_token(client, f"{REPORT}?period=2026-03")
    return client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False)


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("hr", 200), ("head_a", 200), ("head_b", 404), ("officer", 403)]
)
def test_it_shows_a_units_report_only_to_who_may_see_the_unit(
    client: TestClient, world: World, rated: Rated, persona: str, status: int
) -> None:
    response = signed_in(client, persona).get(REPORT, params={"period": "2026-03", "unit": world.unit_a.id})

    assert response.status_code == status
    assert ("Dinas Alpha" in response.text) is (status == 200)


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, world: World) -> None:
    response = client.get(REPORT, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize(("persona", "status"), [("hr", 200), ("admin", 200), ("head_a", 404)])
def test_it_shows_every_unit_together_to_hr_and_admin_only(
    client: TestClient, world: World, rated: Rated, persona: str, status: int
) -> None:
    response = signed_in(client, persona).get(
        REPORT, params={"period": "2026-03", "unit": "all", "lang": "en"}
    )

    assert response.status_code == status
    if status == 200:  # A's 40 kept ratings, A1's 4 and B's 5
        assert "SKM report: every unit" in response.text
        assert "Respondents (ratings not excluded) 49" in _text(response.text)


def test_it_reports_nrr_weighted_nrr_converted_value_ikm_and_grade_with_official_names(
    client: TestClient, world: World, rated: Rated
) -> None:
    text = _report(signed_in(client, "head_a"), world)

    # 14 answers of 4 and 26 of 3 on every element: NRR 3.35, x 1/9 = 0.372, x 25 = 83.75
    assert "U1 Persyaratan (Requirements) 3.35 0.372 83.75" in text
    assert "U9 Penanganan pengaduan, saran dan masukan" in text
    assert "IKM 3.3500 83.75 B" in text
    assert "Ratings received 48" in text and "Respondents (ratings not excluded) 40" in text
    assert (
        "1. U1 Persyaratan: NRR 3.35 2. U2" in text.replace("1. ", "1. ", 1)
        or "U1 Persyaratan: NRR 3.35" in text
    )


def test_it_lists_the_three_weakest_elements_first(
    client: TestClient, db: Session, world: World, rated: Rated, settings: Settings, clock: FakeClock
) -> None:
    db.execute(update(Rating).where(Rating.unit_id == world.unit_a.id).values(u4=1, u8=2))
    db.commit()
    score(db, settings, clock)

    text = _report(signed_in(client, "head_a"), world)

    weakest = text.split("The three weakest elements", 1)[1].split("Trend", 1)[0]
    assert re.findall(r"U\d", weakest) == ["U4", "U8", "U1"]


def test_it_shows_the_trend_against_earlier_periods_of_the_same_kind(
    client: TestClient, world: World, rated: Rated
) -> None:
    text = _report(signed_in(client, "head_a"), world)

    assert "2026-02 100.00 A (Very Good) 3 2026-03 (this report) 83.75 B (Good) 40" in text


def test_it_says_the_target_is_unknown_without_the_people_served_and_never_uses_the_ratings(
    client: TestClient, db: Session, world: World, rated: Rated
) -> None:
    text = _report(signed_in(client, "head_a"), world)

    assert "People served (N) unknown Sample target unknown" in text
    assert "unknown: the number of people served is not known" in text
    assert _stored_target(db, world) is None  # scoring no longer takes the ratings for the population


def test_it_takes_n_from_the_register_the_unit_head_enters(
    client: TestClient, db: Session, world: World, rated: Rated, settings: Settings, clock: FakeClock
) -> None:
    head = signed_in(client, "head_a")
    token = csrf_token(head, "/admin/reports/volumes")
    saved = head.post(
        "/admin/reports/volumes",
        data={"_csrf_token": token, "unit": world.unit_a.id, "month": "2026-03", "people": "1.000"},
        follow_redirects=False,
    )
    assert saved.status_code == 303

    text = _report(head, world)
    assert f"People served (N) 1,000 Sample target {sample_target(1000)} Target not met" in text
    assert "March 2026 0 1,000 register" in text
    score(db, settings, clock)  # scoring stores the same target
    assert _stored_target(db, world) == 278


@pytest.mark.parametrize(("persona", "status"), [("head_b", 404), ("hr", 403), ("officer", 403)])
def test_it_lets_only_the_units_head_or_an_admin_enter_the_register(
    client: TestClient, world: World, rated: Rated, persona: str, status: int
) -> None:
    staff = signed_in(client, persona)
    token = csrf_token(staff, "/admin/login")
    response = staff.post(
        "/admin/reports/volumes",
        data={"_csrf_token": token, "unit": world.unit_a.id, "month": "2026-03", "people": "100"},
        follow_redirects=False,
    )
    assert response.status_code == status


def test_it_refuses_a_register_number_that_is_not_one(client: TestClient, world: World, rated: Rated) -> None:
    head = signed_in(client, "head_a")
    token = csrf_token(head, "/admin/reports/volumes")
    response = head.post(
        "/admin/reports/volumes",
        data={
            "_csrf_token": token,
            "unit": world.unit_a.id,
            "month": "2099-13",
            "people": "-5",
            "lang": "en",
        },
    )
    assert response.status_code == 422
    assert "Tulis jumlah orang yang dilayani sebagai bilangan bulat." in response.text


def test_it_counts_the_queue_tickets_where_the_unit_issues_them(
    client: TestClient, db: Session, world: World, rated: Rated, settings: Settings, clock: FakeClock
) -> None:
    machine = queue_machine(client, db, settings, clock, world.unit_a)
    clock.set(datetime(2026, 3, 20, 3, 0, tzinfo=UTC))
    for _ in range(3):
        assert machine.issue(rated.counter_a.id).status_code == 201
    clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))

    text = _report(signed_in(client, "head_a"), world)

    assert f"People served (N) 3 Sample target {sample_target(3)} Target met" in text
    assert "March 2026 3 – queue tickets" in text


def test_it_shows_the_respondents_profile_never_a_group_under_five(
    client: TestClient, db: Session, world: World, rated: Rated, settings: Settings, clock: FakeClock
) -> None:
    ids = list(
        db.scalars(
            select(Rating.id)
            .where(Rating.unit_id == world.unit_a.id, Rating.device_hash.like("citizen-%"))
            .order_by(Rating.id)
        )
    )
    db.execute(update(Rating).where(Rating.id.in_(ids[:6])).values(gender="p", occupation="pns"))
    db.execute(update(Rating).where(Rating.id.in_(ids[6:8])).values(gender="l"))
    db.commit()
    score(db, settings, clock)

    text = _report(signed_in(client, "head_a"), world)

    assert "Gender Male < 5 Female 6" in text
    assert "Civil servant 6 Armed forces (TNI) < 5" in text


def test_it_keeps_a_follow_up_plan_and_shows_its_state_in_the_next_report(
    client: TestClient, db: Session, world: World, rated: Rated
) -> None:
    head = signed_in(client, "head_a")
    token = csrf_token(head, f"{REPORT}?period=2026-02&unit={world.unit_a.id}")
    added = head.post(
        f"{REPORT}/plan",
        data={
            "_csrf_token": token,
            "period": "2026-02",
            "unit": world.unit_a.id,
            "element": "u3",
            "action": "Menambah petugas pada jam sibuk",
            "responsible": "Kepala Seksi Pelayanan",
            "due": "2026-03-15",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    february = _report(head, world, period="2026-02")
    assert (
        "U3 Waktu penyelesaian Menambah petugas pada jam sibuk Kepala Seksi Pelayanan Mar 15, 2026 Planned"
        in february
    )

    march = _report(head, world)
    assert "The plan written for 2026-02" in march
    assert "Menambah petugas pada jam sibuk Kepala Seksi Pelayanan Mar 15, 2026 Planned (late) 3.35" in march

    action_id = re.search(
        r"/admin/reports/skm/plan/(\d+)", head.get(REPORT, params={"period": "2026-03"}).text
    )
    assert action_id
    done = head.post(
        f"{REPORT}/plan/{action_id.group(1)}",
        data={
            "_csrf_token": token,
            "period": "2026-03",
            "unit": world.unit_a.id,
            "state": "done",
            "state_note": "Dua petugas ditambah",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Mar 15, 2026 Done Dua petugas ditambah 3.35" in _report(head, world)


def test_it_refuses_an_action_without_text(client: TestClient, world: World, rated: Rated) -> None:
    head = signed_in(client, "head_a")
    response = _post(
        head,
        f"{REPORT}/plan",
        period="2026-03",
        unit=world.unit_a.id,
        element="u1",
        action=" ",
        responsible="",
        due="x",
    )
    assert response.status_code == 422
    assert response.text.count('class="field-error"') >= 1
    assert "No follow-up plan has been written for this period yet." in _report(head, world)


@pytest.mark.parametrize(("persona", "status"), [("head_b", 404), ("hr", 403), ("officer", 403)])
def test_it_lets_only_the_units_head_or_an_admin_write_the_plan(
    client: TestClient, world: World, rated: Rated, persona: str, status: int
) -> None:
    staff = signed_in(client, persona)
    token = csrf_token(staff, "/admin/login")
    data = {
        "period": "2026-03",
        "unit": world.unit_a.id,
        "element": "u1",
        "action": "a",
        "responsible": "b",
        "due": "2026-05-01",
    }
    response = staff.post(f"{REPORT}/plan", data={"_csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code == status


def _pdf_text(body: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_it_makes_a_pdf_with_searchable_text(client: TestClient, world: World, rated: Rated) -> None:
    response = signed_in(client, "head_a").get(
        f"{REPORT}.pdf", params={"period": "2026-03", "unit": world.unit_a.id}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "SKM-" in response.headers["content-disposition"]
    text = _pdf_text(response.content)
    assert "Laporan SKM: Dinas Alpha" in text
    assert "Persyaratan" in text and "83,75" in text


def test_it_publishes_a_report_that_citizens_can_download(
    client: TestClient, world: World, rated: Rated
) -> None:
    head = signed_in(client, "head_a")
    published = _post(head, f"{REPORT}/publish", period="2026-03", unit=world.unit_a.id)
    assert published.status_code == 303
    head.cookies.clear()

    public = client.get("/publik", params={"lang": "en"})
    link = re.search(
        r'href="(/publik/laporan/\d+\.pdf)">SKM report of Dinas Alpha, period 2026-03<', public.text
    )
    assert link, public.text
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "83,75" in _pdf_text(pdf.content)
    assert client.get("/publik/laporan/999.pdf").status_code == 404


def test_it_dates_a_published_report_on_the_offices_day(
    client: TestClient, world: World, rated: Rated, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 4, 1, 18, 30, tzinfo=UTC))  # 01:30 on 2 April in Jakarta
    head = signed_in(client, "head_a")
    assert _post(head, f"{REPORT}/publish", period="2026-03", unit=world.unit_a.id).status_code == 303
    head.cookies.clear()

    public = client.get("/publik", params={"lang": "en"}).text

    assert "published on April 2, 2026" in public


@pytest.mark.parametrize(("persona", "status"), [("head_b", 404), ("hr", 403)])
def test_it_lets_only_the_units_head_or_an_admin_publish(
    client: TestClient, world: World, rated: Rated, persona: str, status: int
) -> None:
    response = _post(signed_in(client, persona), f"{REPORT}/publish", period="2026-03", unit=world.unit_a.id)
    assert response.status_code == status


def test_the_command_line_writes_the_pdf_and_the_html(
    world: World, rated: Rated, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    pdf, html = tmp_path / "skm.pdf", tmp_path / "skm.html"

    assert main(["report", "skm", "--unit", world.unit_a.code, "--period", "2026-03", "--out", str(pdf)]) == 0
    assert (
        main(
            [
                "report",
                "skm",
                "--unit",
                "all",
                "--period",
                "2026-03",
                "--out",
                str(html),
                "--format",
                "html",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    assert main(["report", "skm", "--unit", "NOPE", "--period", "2026-03", "--out", str(html)]) == 2
    assert (
        main(["report", "skm", "--unit", world.unit_a.code, "--period", "2025-01", "--out", str(html)]) == 1
    )

    assert "Dinas Alpha" in _pdf_text(pdf.read_bytes())
    assert "SKM report: every unit" in html.read_text()
    assert "no unit has the code 'NOPE'" in capsys.readouterr().err
