"""Staff in a desktop browser: a unit head works the review queue and a complaint; HR closes a period
(found on the home page's to-do) and takes the XLSX export home."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from portal.citizen.followup import ComplaintCase
from scoring.db.models import RatingDecision
from staff_admin.periods.export import COLUMNS
from tests.e2e.browser import LiveServer, fill_rating, latest_rating, sign_in, submit

pytestmark = pytest.mark.slow  # all on one xdist worker, one demo server (tests/parallel.py)

COMPLAINT = "Petugas meninggalkan loket 40 menit tanpa keterangan."


def test_a_unit_head_restores_one_rating_of_a_burst_and_answers_a_complaint(
    phone: Any, desk: Any, live: LiveServer
) -> None:
    # A citizen leaves a low rating with a comment: that opens a complaint case for the unit.
    phone.goto(live.path("portal:rate", token=live.counter("DUKCAPIL", 3).public_token))
    fill_rating(phone, 1, comment=COMPLAINT, touch=True)
    submit(phone)
    complaint_rating = latest_rating(live)

    sign_in(desk, live, "kepala.dukcapil", start="/admin")
    desk.get_by_role("link", name="Review queue").first.click()
    assert desk.locator("h1").inner_text() == "Review queue"
    pending = int(desk.locator("#pending").inner_text())
    why = desk.locator("ul.why", has_text="Burst from one device")
    burst = desk.locator("section.incident").filter(has=why).first
    number = int(burst.get_attribute("id").removeprefix("incident-"))
    rows = burst.locator("tbody tr[id^=rating-]")
    assert not rows.first.is_visible()  # the single ratings are folded away
    ids = [int(row.get_attribute("id").removeprefix("rating-")) for row in rows.all()]
    assert "Burst from one device" in rows.first.text_content() and "burst" not in rows.first.text_content()

    burst.locator("summary").click()  # one of them is a real visitor: the exception
    rows.first.get_by_role("checkbox").check()
    burst.get_by_label("Note for the whole incident (required)").fill("Satu ponsel; satu warga sah.")
    with desk.expect_navigation():
        burst.get_by_role("button", name="Confirm exclusion of all").click()
    notice = desk.locator(".notice").inner_text()
    assert f"Incident {number} decided." in notice and "1 rating restored." in notice
    assert int(desk.locator("#pending").inner_text()) == pending - len(ids)
    assert desk.locator(f"#incident-{number}").count() == 0
    with live.db() as db:
        made = dict(
            db.execute(
                select(RatingDecision.rating_id, RatingDecision.decision).where(
                    RatingDecision.rating_id.in_(ids)
                )
            ).all()
        )
    assert made == {i: "include" if i == ids[0] else "exclude" for i in ids}

    desk.get_by_role("link", name="Complaints").first.click()
    with live.db() as db:
        case = db.scalars(select(ComplaintCase).where(ComplaintCase.rating_id == complaint_rating.id)).one()
    desk.locator(f"a[href='{live.path('complaints:case', case_id=case.id)}']").click()
    assert desk.locator("#comment").inner_text() == COMPLAINT
    with desk.expect_navigation():
        desk.get_by_role("button", name="Start working on it").click()
    desk.get_by_label("Response to the citizen").fill("Petugas sudah ditegur; loket kini dijaga bergantian.")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Resolve").click()
    assert "Resolved" in desk.locator("h1").inner_text()
    with live.db() as db:
        case = db.get(ComplaintCase, case.id)
        assert case.status == "resolved" and case.response.startswith("Petugas sudah ditegur")


def test_hr_closes_a_period_and_downloads_the_xlsx(desk: Any, live: LiveServer, tmp_path: Path) -> None:
    last_month = (live.today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    sign_in(desk, live, "hr")
    # The demo opened and scored last month (`rating-portal demo-casework`), as HR does on this page;
    # the home page lists it among the periods to close.
    assert int(desk.locator("#todo-periods_close .todo-count").inner_text()) >= 1
    desk.locator("#todo-periods_close a").click()
    row = desk.locator("tr").filter(has=desk.locator("td", has_text=re.compile(f"^{last_month}$")))
    assert "Scored" in row.inner_text()
    with desk.expect_navigation():
        row.get_by_role("button", name="Score again").click()  # with whatever came in since
    # queued for the worker; the page follows the job (polling its status) and reloads when it is done
    row.locator(".job-status").wait_for(state="detached", timeout=120_000)
    assert "Scored" in row.inner_text()
    with desk.expect_navigation():
        row.get_by_role("link", name="Close period…").click()
    assert desk.locator("h1").inner_text() == f"Close period {last_month}"
    assert desk.locator("#officers").inner_text().isdigit()
    if desk.locator("#f-override").count():  # the demo's attacks may still wait for review
        desk.get_by_label("Close although reviews or appeals are pending").check()
        desk.get_by_label("Why close now? (required with the override)").fill("Tinjauan menyusul.")
    desk.get_by_label("I confirm").check()
    with desk.expect_navigation():
        desk.get_by_role("button", name="Close period and freeze results").click()
    assert f"Period {last_month} is closed" in desk.locator(".notice").inner_text()
    assert "Closed" in row.inner_text()

    with desk.expect_download() as download_info:
        row.get_by_role("link", name="Export XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    officers = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    assert len(officers) >= 30  # the demo city has 45 officers on six months of rosters
    first_day = date.fromisoformat(last_month + "-01")
    for officer in officers:
        assert re.fullmatch(r"\d{18}", officer["nip"])
        assert officer["period"] == last_month
        assert isinstance(officer["period_start"], datetime) and officer["period_start"].date() == first_day
        assert officer["used"] == officer["ratings_received"] - officer["excluded_total"]
        if officer["sufficient"] == "ya":
            assert 25 <= officer["score_low"] <= officer["score"] <= officer["score_high"] <= 100
            assert officer["skp_category"] in (
                "di_atas_ekspektasi",
                "sesuai_ekspektasi",
                "di_bawah_ekspektasi",
            )
        else:
            assert officer["sufficient"] == "tidak" and officer["skp_category"] == "belum_cukup_penilaian"
            assert officer["score"] is None
    score_cells = [c for c in sheet["L"][1:] if c.value is not None]
    assert score_cells and {c.number_format for c in score_cells} == {"0.00"}
