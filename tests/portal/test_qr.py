"""QR codes carry the absolute rating URL; posters are ready to print."""

from __future__ import annotations

import numpy as np
import png
import pytest
import zxingcpp
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from app import main
from portal.citizen.qr import qr_png, qr_svg
from tests import factories


def decode_png(data: bytes) -> str:
    width, height, rows, info = png.Reader(bytes=data).asDirect()
    scale = 255 // (2 ** info["bitdepth"] - 1)  # 1-bit PNGs hold 0/1
    pixels = np.array([list(row) for row in rows], dtype=np.uint16) * scale
    grey = pixels.reshape(height, width, info["planes"])[:, :, 0].astype(np.uint8)
    (result,) = zxingcpp.read_barcodes(grey)
    return result.text


def test_it_draws_a_png_that_decodes_to_the_url() -> None:
    url = "https://ikm.example.go.id/r/AbC-123_xyz"
    assert decode_png(qr_png(url)) == url


def test_it_draws_an_svg() -> None:
    svg = qr_svg("https://ikm.example.go.id/r/token").decode()
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg and "<path" in svg


@pytest.fixture
def counter(db: Session):
    unit = factories.unit(db, "Puskesmas Sentosa")
    return factories.counter(db, unit, "Pendaftaran")


def test_it_serves_qr_images_of_the_counter_rating_url(client: TestClient, counter, settings) -> None:
    png_answer = client.get(f"/r/{counter.public_token}/qr.png")
    assert png_answer.headers["content-type"] == "image/png"
    assert decode_png(png_answer.content) == f"{settings.base_url}/r/{counter.public_token}"
    svg_answer = client.get(f"/r/{counter.public_token}/qr.svg")
    assert svg_answer.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/r/unknown/qr.png").status_code == 404


def test_it_serves_a_bilingual_poster(client: TestClient, counter) -> None:
    poster = client.get(f"/r/{counter.public_token}/poster")
    assert poster.status_code == 200
    assert "Puskesmas Sentosa" in poster.text and "Pendaftaran" in poster.text
    assert "Pindai kode ini" in poster.text
    assert "Scan the code with your phone camera" in poster.text
    assert "<svg" in poster.text


def test_it_writes_every_poster_from_the_command_line(
    counter, db: Session, settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = factories.counter(db, factories.unit(db, "Kecamatan Utara"), "Loket Umum")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BASE_URL", "https://ikm.kota.example")
    out = tmp_path / "posters"

    assert main(["qr-posters", "--out", str(out)]) == 0

    for made in (counter, second):
        stem = next(p.stem for p in out.glob("*.html") if p.stem.endswith(f"-counter-{made.id}"))
        assert (
            decode_png((out / f"{stem}.png").read_bytes())
            == f"https://ikm.kota.example/r/{made.public_token}"
        )
        assert (out / f"{stem}.svg").exists()
        assert made.name in (out / f"{stem}.html").read_text()
