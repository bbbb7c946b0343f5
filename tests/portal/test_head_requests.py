"""HEAD on every page answers like GET without a body (issue 21, item 15): `curl -I` on a rating link,
uptime monitors and link checkers ask with HEAD."""

from __future__ import annotations

import json

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
