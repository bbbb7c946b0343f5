"""What every page offers beyond its content (issue 21, item 15): HEAD answers like GET without a body
(`curl -I` on a rating link, uptime monitors and link checkers ask with HEAD), an empty favicon (no 404
in the browser's console) and a meta description in the page's language."""

from __future__ import annotations

import json
import re

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from tests import factories


def test_head_answers_like_get_without_a_body(
    client: TestClient, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = factories.counter(db, factories.unit(db))
    pages = [f"/r/{counter.public_token}", f"/r/{counter.public_token}/poster", "/publik/", "/admin/login"]
    pages += ["/health", "/api/docs", "/static/css/portal.css"]
    for path in pages:
        got = client.get(path)
        capsys.readouterr()
        head = client.head(path)

        assert (head.status_code, got.status_code) == (200, 200), path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-security-policy"] == got.headers["content-security-policy"], path
        (line,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
        assert (line["method"], line["status"]) == ("HEAD", 200), path
        assert line["route"] is not None, path  # the route is matched, as for the GET
    assert client.head("/no/such/page").status_code == 404
    assert client.head("/admin/logout").status_code == 405  # a POST-only route stays POST-only


def test_head_names_the_route_in_the_access_log(
    client: TestClient, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    token = factories.counter(db, factories.unit(db)).public_token
    capsys.readouterr()

    assert client.head(f"/r/{token}").status_code == 200

    (line,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert (line["method"], line["route"], line["name"]) == ("HEAD", "/r/{token}", "portal:rate")


DESCRIPTION = re.compile(r'<meta name="description" content="([^"]+)">')


def test_every_page_has_a_description_in_its_language_and_an_empty_favicon(
    client: TestClient, db: Session
) -> None:
    token = factories.counter(db, factories.unit(db)).public_token
    pages = [f"/r/{token}", "/publik/", "/admin/login", "/no/such/page"]
    for path in pages:
        described = {}
        for lang in ("id", "en"):
            page = client.get(path, params={"lang": lang}).text
            assert '<link rel="icon" href="data:,">' in page, path
            (described[lang],) = DESCRIPTION.findall(page)
        assert described["id"] != described["en"], path  # translated
        assert len(described["en"]) > 50, path

    poster = client.get(f"/r/{token}/poster").text  # Indonesian, with English beside it
    assert '<link rel="icon" href="data:,">' in poster
    assert DESCRIPTION.findall(poster) == [described_in_id(client, token)]


def described_in_id(client: TestClient, token: str) -> str:
    return DESCRIPTION.findall(client.get(f"/r/{token}", params={"lang": "id"}).text)[0]
