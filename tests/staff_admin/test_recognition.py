"""Recognition and development per closed period (HR's page, the HR export's columns, the officer's
own page in plain words), from frozen results only: never from too few ratings or excluded ones."""

from __future__ import annotations

import csv
import io

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from staff_admin.periods.export import COLUMNS
from staff_admin.recognition.rules import DEVELOPMENT_CODES, RECOGNITION_CODES
from staff_admin.recognition.standings import EXPORT_COLUMNS
from tests.staff_admin.conftest import PERSONAS, World, signed_in
from tests.staff_admin.recognition_world import RecognitionWorld, recognition_world
from tests.staff_admin.test_periods_lifecycle import post


@pytest.fixture
def closed(client: TestClient, db: Session, world: World, engine, settings, clock) -> RecognitionWorld:
    return recognition_world(client, db, world, engine, settings, clock)


def section(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_it_lists_recognition_and_development_of_a_closed_period(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "hr")
    html = client.get(f"/admin/recognition/?period={closed.march.id}&lang=en").text
    recognised, development = section(html, "recognised"), section(html, "development")
    assert (
        "Sari Petugas" in recognised
        and "(sustained)" in recognised.split("Sari Petugas")[1].split("</tr>")[0]
    )
    assert "Eka Teladan" in recognised and "Fajar Sekali" in recognised
    assert "Dodi Belajar" not in recognised
    assert "Dodi Belajar" in development and "technical training on the service" in development
    assert "Fajar Sekali" not in development  # U7 weak in February only: not persistent
    assert "Budi Rekan" not in html  # too few ratings: on neither list
    assert "5 officers with results; 1 of them with too few ratings" in html


def test_it_shows_the_latest_closed_period_by_default_and_in_indonesian(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "hr")
    html = client.get("/admin/recognition/?lang=id").text
    assert "2026-03" in html and "Penghargaan" in html and "pelatihan teknis" in html.lower()


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("hr", 200), ("head_a", 403), ("head_b", 403), ("officer", 403)]
)
def test_it_shows_the_lists_to_hr_and_admins_only(
    client: TestClient, closed: RecognitionWorld, persona: str, status: int
) -> None:
    assert persona in PERSONAS
    assert signed_in(client, persona).get("/admin/recognition/").status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client: TestClient, closed: RecognitionWorld) -> None:
    response = client.get("/admin/recognition/", follow_redirects=False)
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


def test_it_answers_404_for_a_period_that_is_not_closed(
    client: TestClient, closed: RecognitionWorld, db: Session
) -> None:
    signed_in(client, "hr")
    assert post(client, "/admin/periods/", {"period": "2026-04"}).status_code == 303
    assert client.get(f"/admin/recognition/?period={closed.march.id + 1}").status_code == 404
    assert client.get("/admin/recognition/?period=abc").status_code == 404


def test_it_adds_recognition_development_and_iki_columns_to_the_hr_export(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "hr")
    response = client.get(f"/admin/periods/{closed.march.id}/export.csv")
    rows = {row["nip"]: row for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert list(COLUMNS)[-len(EXPORT_COLUMNS) :] == list(EXPORT_COLUMNS)
    sari, dodi, budi = rows[closed.sari.nip], rows[closed.dodi.nip], rows[closed.budi.nip]
    assert (sari["recognition"], sari["recognition_periods"]) == ("penghargaan_berturut", "2")
    assert (rows[closed.eka.nip]["recognition"], rows[closed.eka.nip]["recognition_periods"]) == (
        "penghargaan",
        "1",
    )
    assert (dodi["development"], dodi["development_element"], dodi["officer_u6"]) == (
        "pelatihan_teknis",
        "u6",
        "2.0",
    )
    assert rows[closed.fajar.nip]["development"] == "tidak"
    assert (budi["recognition"], budi["development"], budi["iki_category"]) == ("belum_cukup_penilaian",) * 3
    assert budi["iki_realisation"] == budi["iki_value"] == ""  # never a bare number below the minimum
    assert sari["iki_target"] == "85.0" and sari["iki_realisation"] == sari["score"]
    assert float(sari["iki_achievement"]) == pytest.approx(float(sari["score"]) / 85 * 100, abs=0.01)
    assert (sari["iki_category"], sari["iki_value"]) == ("sangat_baik", "120.0")
    assert dodi["iki_category"] == "cukup" and float(dodi["iki_value"]) == pytest.approx(
        float(dodi["iki_achievement"]) - 10, abs=0.01
    )
    assert {row["recognition"] for row in rows.values()} <= set(RECOGNITION_CODES)
    assert {row["development"] for row in rows.values()} <= set(DEVELOPMENT_CODES)
    assert sari["unit_ikm_target"] == sari["unit_ikm_achievement"] == ""  # no target set


def test_it_explains_the_standing_to_the_officer_in_plain_words(
    client: TestClient, closed: RecognitionWorld
) -> None:
    signed_in(client, "officer")
    english = client.get("/admin/me?lang=en").text
    assert "What your closed periods mean" in english
    assert "You have held this for 2 periods in a row" in english
    assert "Nilai Capaian IKI 120" in english and f"/admin/evidence/{closed.march.id}/officers/" in english
    indonesian = client.get("/admin/me?lang=id").text
    assert "2 periode berturut-turut" in indonesian and "Nilai Capaian IKI 120" in indonesian
