"""The officer's evidence sheet for the SKP ("bukti dukung"): one PDF page with real text (checked with
pypdf), from the closed period's frozen results and snapshot; HR's ZIP of a period with one file per
NIP; who may download which sheet."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Employee
from staff_admin.recognition import routes as recognition_routes
from tests.staff_admin.conftest import World, signed_in
from tests.staff_admin.recognition_world import RecognitionWorld, recognition_world

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def closed(client: TestClient, db: Session, world: World, engine, settings, clock) -> RecognitionWorld:
    return recognition_world(client, db, world, engine, settings, clock)


def sheet_url(period_id: int, employee_id: int) -> str:
    return f"/admin/evidence/{period_id}/officers/{employee_id}/sheet.pdf"


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_it_writes_one_page_with_the_score_items_iki_and_provenance(
    client: TestClient, closed: RecognitionWorld, db: Session
) -> None:
    signed_in(client, "hr")
    db.get(
        Employee, closed.sari.id
    ).name = "Sari Pindah Nama"  # renamed after closing: the sheet keeps the old
    db.commit()
    response = client.get(sheet_url(closed.march.id, closed.sari.id) + "?lang=en")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert f"bukti_dukung_{closed.sari.nip}_2026-03.pdf" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    pages, text = pdf_text(response.content)
    assert pages == 1
    assert "Sari Petugas" in text and "Sari Pindah Nama" not in text and closed.sari.nip in text
    assert "Dinas Alpha" in text and "2026-03" in text
    assert "Ratings used 60 of 60 received; 0 excluded" in text
    assert "Above expectations" in text and "Nilai Capaian IKI 120.00" in text
    assert "U6 competence of the officer 4.00 60" in text  # officer NRR, answers, then the unit's
    assert closed.march.input_hash in text.replace(" ", "") and closed.march.detector_version in text
    assert "above expectations for 2 closed periods in a row" in text
    assert "http://127.0.0.1:8000/admin/me" in text.replace(" ", "") and "scores_2026-03.csv" in text


def test_it_writes_the_sheet_in_indonesian_with_decimal_commas(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "officer")
    response = client.get(sheet_url(closed.march.id, closed.sari.id) + "?lang=id")
    _, text = pdf_text(response.content)
    assert "Bukti dukung SKP" in text and "Nilai Capaian IKI 120,00" in text and "Sangat Baik" in text


def test_it_names_the_training_on_a_development_sheet(client: TestClient, closed: RecognitionWorld) -> None:
    signed_in(client, "head_a")
    _, text = pdf_text(client.get(sheet_url(closed.march.id, closed.dodi.id) + "?lang=en").content)
    assert "technical training on the service" in text and "U6 competence of the officer 2.00 40" in text


def test_it_says_not_enough_ratings_instead_of_a_score(client: TestClient, closed: RecognitionWorld) -> None:
    signed_in(client, "head_b")
    _, text = pdf_text(client.get(sheet_url(closed.march.id, closed.budi.id) + "?lang=en").content)
    assert "Not enough ratings" in text and re.search(r"Nilai Capaian IKI [0-9]", text) is None


@pytest.mark.parametrize(
    ("persona", "own", "colleague"),
    [
        ("admin", 200, 200),
        ("hr", 200, 200),
        ("head_a", 200, 404),
        ("head_b", 404, 200),
        ("officer", 200, 404),
    ],
)
def test_it_gives_each_persona_the_sheets_they_may_see(
    client: TestClient, closed: RecognitionWorld, persona: str, own: int, colleague: int
) -> None:
    signed_in(client, persona)
    assert client.get(sheet_url(closed.march.id, closed.sari.id)).status_code == own
    assert client.get(sheet_url(closed.march.id, closed.budi.id)).status_code == colleague


def test_it_answers_404_for_an_open_period_or_an_officer_without_results(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "hr")
    assert client.get(sheet_url(closed.february.id, closed.eka.id)).status_code == 404  # no results then
    assert client.get(sheet_url(closed.march.id + 5, closed.sari.id)).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, closed: RecognitionWorld) -> None:
    response = client.get(sheet_url(closed.march.id, closed.sari.id), follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_zips_every_sheet_of_a_period_named_by_nip(client: TestClient, closed: RecognitionWorld) -> None:
    signed_in(client, "hr")
    response = client.get(f"/admin/evidence/{closed.march.id}/sheets.zip?lang=en")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert 'filename="bukti_dukung_2026-03.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    officers = (closed.sari, closed.eka, closed.dodi, closed.fajar, closed.budi)
    assert archive.namelist() == sorted(f"{officer.nip}.pdf" for officer in officers)
    for name in archive.namelist():  # one layout cut into sheets: each file is its officer's one page
        pages, text = pdf_text(archive.read(name))
        assert pages == 1 and name.removesuffix(".pdf") in text and text.count("NIP") == 1
    _, text = pdf_text(archive.read(f"{closed.dodi.nip}.pdf"))
    assert "Dodi Belajar" in text and "technical training on the service" in text


def test_it_streams_the_zip_a_batch_of_sheets_at_a_time(
    client: TestClient, closed: RecognitionWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Laid out two sheets at a time (a city's thousands of officers in batches): the same files,
    each its officer's one page, and a ZIP that reads whole."""
    monkeypatch.setattr(recognition_routes, "SHEETS_PER_LAYOUT", 2)
    signed_in(client, "hr")
    response = client.get(f"/admin/evidence/{closed.march.id}/sheets.zip?lang=en")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    officers = (closed.sari, closed.eka, closed.dodi, closed.fajar, closed.budi)
    assert archive.namelist() == sorted(f"{officer.nip}.pdf" for officer in officers)
    for name in archive.namelist():
        pages, text = pdf_text(archive.read(name))
        assert pages == 1 and name.removesuffix(".pdf") in text


@pytest.mark.parametrize("persona", ["head_a", "head_b", "officer"])
def test_it_zips_for_hr_and_admins_only(client: TestClient, closed: RecognitionWorld, persona: str) -> None:
    signed_in(client, persona)
    assert client.get(f"/admin/evidence/{closed.march.id}/sheets.zip").status_code == 403


def test_it_lists_the_sheets_a_unit_head_may_download(client: TestClient, closed: RecognitionWorld) -> None:
    signed_in(client, "head_a")
    html = client.get("/admin/evidence/?lang=en").text
    assert "Sari Petugas" in html and "Dodi Belajar" in html and "Budi Rekan" not in html
    assert "sheets.zip" not in html  # the ZIP is HR's
    signed_in(client, "hr")
    html = client.get(f"/admin/evidence/?period={closed.march.id}&lang=en").text
    assert "Budi Rekan" in html and f"/admin/evidence/{closed.march.id}/sheets.zip" in html
    client.cookies.clear()
    assert signed_in(client, "officer").get("/admin/evidence/").status_code == 403
