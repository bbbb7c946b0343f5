"""HTTP hardening of the staff area (issue 7, item 4): headers on its pages and errors, session and
CSRF cookie flags, and the sign-in throttle's network taken from the proxy-aware client address."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from app import create_app
from portal.kernel.settings import Settings
from staff_admin.cookies import CSRF as CSRF_COOKIE
from staff_admin.cookies import SESSION as SESSION_COOKIE
from tests.conftest import FakeClock
from tests.portal.test_http_hardening import assert_hardened, set_cookies
from tests.staff_admin.conftest import World, sign_in, signed_in


def test_staff_pages_and_errors_carry_every_header(client: TestClient, world: World) -> None:
    login = client.get("/admin/login")
    forged = client.post("/admin/login", data={"username": "admin", "password": "x", "_csrf_token": "forged"})
    not_signed_in = client.get("/admin/units", follow_redirects=False)
    assert (login.status_code, forged.status_code, not_signed_in.status_code) == (200, 403, 303)
    for response in (login, forged, not_signed_in):
        assert_hardened(response)

    signed_in(client, "admin")
    pages = ["/admin", "/admin/units", "/admin/ratings", "/admin/dashboard", "/admin/audit/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)
    for path, status in [("/admin/units/999999", 404), ("/admin/ratings?overall=9", 400)]:
        response = client.get(path)
        assert response.status_code == status, path
        assert_hardened(response)


def test_the_unit_tree_is_indented_without_inline_style(client: TestClient, world: World) -> None:
    page = signed_in(client, "admin").get("/admin/units").text
    assert 'class="depth-0"' in page and 'class="depth-2"' in page  # Seksi Alpha Satu, two below the top
    assert "style=" not in page


@pytest.mark.parametrize("env", ["development", "production"])
def test_session_and_csrf_cookies_are_http_only_and_secure_outside_development(
    env: str, world: World, settings: Settings, clock: FakeClock
) -> None:
    app = create_app(settings.with_(env=env), clock=clock)
    # A browser keeps Secure cookies only over HTTPS, so production is driven over https.
    base_url = "https://skm.example.go.id" if env == "production" else "http://127.0.0.1:8000"
    with TestClient(app, base_url=base_url) as client:
        csrf = set_cookies(client.get("/admin/login"))[CSRF_COOKIE]
        session = set_cookies(sign_in(client, "admin"))[SESSION_COOKIE]
        assert client.get("/admin").status_code == 200
    for header in (csrf, session):
        flags = [flag.strip().lower() for flag in header.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/admin" in flags
        assert ("secure" in flags) is (env == "production")


def test_sign_in_throttle_ignores_forwarded_for_from_an_untrusted_peer(
    world: World, settings: Settings, clock: FakeClock
) -> None:
    """Without TRUSTED_PROXIES an attacker cannot dodge the per-network limit by inventing addresses."""
    limits = settings.with_(login_failures_per_network=3, login_failures_per_account=100)
    app = create_app(limits, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        for attempt in range(3):
            forged = {"X-Forwarded-For": f"198.51.{attempt}.1"}
            assert sign_in(client, f"guess{attempt}", "x", headers=forged).status_code == 422
        assert sign_in(client, "admin", headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
