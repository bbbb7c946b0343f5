"""The citizen form must load fast on slow 3G: small, self-contained, no third parties."""

from __future__ import annotations

import re

from litestar.testing import TestClient
from sqlalchemy.orm import Session

from tests import factories

BUDGET_BYTES = 30 * 1024


def test_it_keeps_the_form_and_everything_it_loads_under_30_kb(client: TestClient, db: Session) -> None:
    counter = factories.counter(db, factories.unit(db, "Dinas Penanaman Modal dan PTSP"), "Loket Perizinan 1")
    factories.shift(
        db,
        factories.employee(db, counter.unit, "Rahmat Hidayat"),
        counter,
        client.app.state.portal.clock(),
        client.app.state.portal.clock().replace(hour=23),
    )
    page = client.get(f"/r/{counter.public_token}")
    assert "Rahmat Hidayat" in page.text
    assets = re.findall(r'(?:src|href)="([^"#?]+)"', page.text)
    loaded = [a for a in assets if a.startswith("/static/")]
    total = len(page.content) + sum(len(client.get(a).content) for a in loaded)

    assert total <= BUDGET_BYTES, f"form page weighs {total} bytes"
    third_party = [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert third_party == []
    assert "<script" not in page.text  # works without JavaScript by construction
    for asset in loaded:
        assert "@font-face" not in client.get(asset).text
        assert "@import" not in client.get(asset).text


def test_it_sends_citizen_pages_compressed_and_staff_pages_not(client: TestClient, db: Session) -> None:
    counter = factories.counter(db, factories.unit(db, "Dinas Sosial"), "Loket 1")
    gzip = {"Accept-Encoding": "gzip"}

    form = client.get(f"/r/{counter.public_token}", headers=gzip)
    login = client.get("/admin/login", headers=gzip)

    assert form.headers["content-encoding"] == "gzip"
    assert int(form.headers["content-length"]) < len(form.content) / 2  # decoded by the client
    assert "Loket 1" in form.text
    # staff pages hold CSRF tokens beside reflected input: compressing them would open BREACH
    assert "content-encoding" not in login.headers
