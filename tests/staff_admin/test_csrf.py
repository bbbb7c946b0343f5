"""CSRF protection of the staff area (issue 21, items 6 and 14): the form token is bound to the staff
session, the cookies carry the `__Host-` prefix over HTTPS, and a malformed token is a plain 403 with one
log line on every /admin POST, signed in or not."""

from __future__ import annotations

import json
import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from portal.kernel.settings import Settings
from staff_admin.models import StaffSession
from tests.conftest import FakeClock
from tests.hostile import MALFORMED_CSRF_TOKENS
from tests.portal.test_http_hardening import set_cookies
from tests.staff_admin.conftest import World, csrf_token, sign_in, signed_in

HTTPS = "https://skm.example.go.id"


def _sessions(db: Session) -> int:
    db.expire_all()
    return len(db.scalars(select(StaffSession.id_hash)).all())


def test_it_refuses_a_token_from_before_sign_in(client: TestClient, world: World, db: Session) -> None:
    before = csrf_token(client)  # the login page's token, as an attacker who planted it would know it
    signed_in(client, "admin")

    refused = client.post("/admin/logout", data={"_csrf_token": before}, follow_redirects=False)

    assert refused.status_code == 403
    assert "Formulir ini sudah kedaluwarsa" in refused.text
    assert _sessions(db) == 1  # still signed in
    fresh = client.post("/admin/logout", data={"_csrf_token": csrf_token(client, "/admin")})
    assert fresh.status_code == 200 and _sessions(db) == 0


def test_it_refuses_a_token_and_cookie_taken_to_another_session(
    client: TestClient, world: World, db: Session
) -> None:
    """Another staff member's CSRF cookie and token, carried into this browser, are no use here."""
    signed_in(client, "head_b")
    token, cookie = csrf_token(client, "/admin"), client.cookies["rp_csrf"]
    client.cookies.clear()
    signed_in(client, "admin")
    client.cookies.set("rp_csrf", cookie, domain="127.0.0.1", path="/admin")

    refused = client.post("/admin/logout", data={"_csrf_token": token}, follow_redirects=False)

    assert refused.status_code == 403
    assert _sessions(db) == 2
    assert client.get("/admin", follow_redirects=False).status_code == 200


def test_it_gives_the_browser_a_new_csrf_cookie_at_sign_in_and_sign_out(
    client: TestClient, world: World
) -> None:
    client.get("/admin/login")
    anonymous = client.cookies["rp_csrf"]
    signed_in(client, "admin")
    signed = client.cookies["rp_csrf"]
    client.post("/admin/logout", data={"_csrf_token": csrf_token(client, "/admin")})

    assert len({anonymous, signed, client.cookies["rp_csrf"]}) == 3


def test_it_uses_host_prefixed_staff_cookies_over_https(
    world: World, db: Session, settings: Settings, clock: FakeClock
) -> None:
    app = create_app(settings.with_(base_url=HTTPS), clock=clock)
    with TestClient(app, base_url=HTTPS) as client:
        first = set_cookies(client.get("/admin/login"))
        signed = set_cookies(sign_in(client, "admin"))
        assert client.get("/admin").status_code == 200
        logout = client.post("/admin/logout", data={"_csrf_token": csrf_token(client, "/admin")})

    assert set(first) == {"__Host-rp_csrf"}
    assert {"__Host-rp_staff", "__Host-rp_csrf"} <= set(signed)
    for header in [*first.values(), *signed.values()]:
        flags = [flag.strip().lower() for flag in header.split(";")]
        assert "secure" in flags and "path=/" in flags and "httponly" in flags
        assert not any(flag.startswith("domain") for flag in flags)
    assert logout.status_code == 200 and _sessions(db) == 0
    assert not {"rp_staff", "rp_csrf", "rp_known"} & set(client.cookies.keys())  # only __Host- cookies


# --- malformed tokens ----------------------------------------------------------------------------------


def admin_posts(app: Litestar) -> list[str]:
    """Every POST route of the staff area, its path parameters filled in: a new form is covered at once."""
    paths = []
    for route in app.routes:
        if route.path.startswith("/admin") and "POST" in getattr(route, "methods", ()):
            paths.append(re.sub(r"\{[^}:]+:int\}", "1", re.sub(r"\{[^}:]+:str\}", "x", route.path)))
    assert len(paths) > 20 and "/admin/login" in paths
    return sorted(paths)


def _malformed(client: TestClient, path: str, kind: str, token: str):
    if kind == "file":
        return client.post(path, files={"_csrf_token": ("token.txt", token.encode())}, follow_redirects=False)
    if kind == "header":
        headers = {"x-csrftoken": token.encode("utf-8")}  # sent as bytes, read as Latin-1 by the server
        return client.post(path, data={"name": "x"}, headers=headers, follow_redirects=False)
    return client.post(path, data={"_csrf_token": token, "name": "x"}, follow_redirects=False)


@pytest.mark.parametrize("persona", [None, "admin"])
def test_a_malformed_csrf_token_is_a_403_with_one_log_line_on_every_admin_post(
    app: Litestar, client: TestClient, world: World, persona: str | None, capfd: pytest.CaptureFixture[str]
) -> None:
    if persona:
        signed_in(client, persona)
    else:
        client.get("/admin/login")  # the browser has its CSRF cookie
    sent = 0
    capfd.readouterr()
    for path in admin_posts(app):
        for name, token in MALFORMED_CSRF_TOKENS.items():
            kinds = ["file"] if name == "file" else ["field", "header"]
            for kind in kinds:
                response = _malformed(client, path, kind, token)
                assert response.status_code == 403, (path, name, kind, response.status_code)
                assert "<h1" in response.text
                sent += 1

    err = capfd.readouterr().err
    lines = err.splitlines()
    assert "Traceback" not in err
    assert len(lines) == sent, err[:3000]  # the access line of each request, nothing more
    assert {json.loads(line)["status"] for line in lines} == {403}
