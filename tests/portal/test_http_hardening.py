"""HTTP hardening (issue 7, item 4): security headers on every response, the cookie rule, the client
address behind a proxy, and templates that keep the Content-Security-Policy true."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient, transport
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import TEMPLATES_DIR, create_app, main
from portal.citizen import proofs
from portal.kernel.hardening import CONTENT_SECURITY_POLICY, secure_cookies
from portal.kernel.i18n import LANGUAGE_COOKIE
from portal.kernel.models import Counter, Rating
from portal.kernel.security import DEVICE_COOKIE, client_address, network_hash
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.portal.citizen import Citizen

STRICT = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def assert_hardened(response: httpx.Response, hsts: bool = False) -> None:
    for name, value in STRICT.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    assert ("strict-transport-security" in response.headers) is hsts


@pytest.fixture
def counter(db: Session) -> Counter:
    return factories.counter(db, factories.unit(db, "Dinas Kependudukan"), "Loket 1")


@pytest.fixture
def api_secret(db: Session, settings: Settings, clock: FakeClock, counter: Counter) -> str:
    return proofs.create_api_key(db, settings, clock(), counter.unit_id, "queue machine").secret


def test_citizen_pages_and_their_images_carry_every_header(client: TestClient, counter: Counter) -> None:
    token = counter.public_token
    for path in (f"/r/{token}", f"/r/{token}/poster", f"/r/{token}/qr.svg", f"/r/{token}/qr.png", "/publik/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)


def test_the_redirect_after_a_rating_and_the_thanks_page_carry_them(
    client: TestClient, counter: Counter
) -> None:
    answer = Citizen(client, counter.public_token).rate()
    assert answer.status_code == 303
    assert_hardened(answer)
    assert_hardened(client.get(answer.headers["location"]))


def test_error_pages_carry_them(client: TestClient, counter: Counter) -> None:
    citizen = Citizen(client, counter.public_token)
    not_found = [client.get("/no/such/page"), client.get("/r/not-a-token"), client.get("/static/nope.css")]
    invalid = citizen.submit(citizen.open_form(), overall="9")
    wrong_method = client.delete(f"/r/{counter.public_token}")
    too_big = client.post(f"/r/{counter.public_token}", data={"comment": "x" * 300_000})
    expected = [*((r, 404) for r in not_found), (invalid, 422), (wrong_method, 405), (too_big, 413)]
    for response, status in expected:
        assert response.status_code == status, response.request.url
        assert_hardened(response)


def test_the_flood_page_carries_them(settings: Settings, clock: FakeClock, counter: Counter) -> None:
    with TestClient(create_app(settings.with_(submit_flood_limit_per_minute=1), clock=clock)) as client:
        citizen = Citizen(client, counter.public_token)
        citizen.rate()
        citizen.switch_phone()
        flooded = citizen.rate()
    assert flooded.status_code == 429
    assert_hardened(flooded)


def test_static_files_carry_them(client: TestClient) -> None:
    for path in ("/static/css/portal.css", "/static/css/poster.css", "/static/js/kiosk.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)


def test_the_api_and_its_problem_documents_carry_them(client: TestClient, api_secret: str) -> None:
    counters = client.get("/api/v1/counters", headers={"Authorization": f"Bearer {api_secret}"})
    unauthorised = client.get("/api/v1/counters")
    missing = client.get("/api/v1/tickets/99", headers={"Authorization": f"Bearer {api_secret}"})
    schema = client.get("/api/docs/openapi.json")
    for response, status in [(counters, 200), (unauthorised, 401), (missing, 404), (schema, 200)]:
        assert response.status_code == status, response.text
        assert_hardened(response)


def test_the_api_docs_page_loads_swagger_ui_from_this_site_under_the_strict_policy(
    client: TestClient,
) -> None:
    """Issue 21, item 7: no CDN, no inline script or style, the same policy as every other page."""
    docs = client.get("/api/docs")

    assert docs.status_code == 200
    assert_hardened(docs)  # the strict Content-Security-Policy
    assert "<style" not in docs.text and " style=" not in docs.text and "http" not in docs.text
    sources = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]*)"', docs.text)
    assert sources and all(s.startswith("/static/") or s == "data:," for s in sources), sources
    assert all(
        re.fullmatch(r'<script src="[^"]+"(?: data-spec-url="[^"]+")?></script>', tag)
        for tag in re.findall(r"<script.*?</script>", docs.text, re.DOTALL)
    )  # no inline code
    for source in sources:
        if source.startswith("/static/"):
            asset = client.get(source)
            assert asset.status_code == 200 and len(asset.content) > 100, source
            assert_hardened(asset)
    spec_url = re.search(r'data-spec-url="([^"]+)"', docs.text).group(1)
    assert client.get(spec_url).json()["info"]["title"] == "Rating portal API"
    assert client.get("/api/docs/oauth2-redirect.html").status_code == 404  # Swagger UI's inline page


def test_hsts_is_sent_only_when_the_site_is_served_over_https(
    settings: Settings, clock: FakeClock, counter: Counter
) -> None:
    https = create_app(settings.with_(base_url="https://ikm.kota.example"), clock=clock)
    with TestClient(https, base_url="https://ikm.kota.example") as client:
        for response in (client.get(f"/r/{counter.public_token}"), client.get("/nope")):
            assert_hardened(response, hsts=True)
            assert response.headers["strict-transport-security"] == "max-age=31536000"


# --- cookies ------------------------------------------------------------------------------------------


def set_cookies(response: httpx.Response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


@pytest.mark.parametrize(
    ("env", "base_url", "secure"),
    [
        ("development", "http://127.0.0.1:8000", False),
        ("test", "http://127.0.0.1:8000", False),
        ("production", "http://ikm.kota.example", True),
        ("development", "https://ikm.kota.example", True),
    ],
)
def test_one_rule_decides_secure_cookies(env: str, base_url: str, secure: bool, settings: Settings) -> None:
    assert secure_cookies(settings.with_(env=env, base_url=base_url)) is secure


@pytest.mark.parametrize("env", ["development", "production"])
def test_citizen_cookies_are_http_only_and_secure_outside_development(
    env: str, settings: Settings, clock: FakeClock, counter: Counter
) -> None:
    with TestClient(create_app(settings.with_(env=env), clock=clock)) as client:
        cookies = set_cookies(client.get(f"/r/{counter.public_token}", params={"lang": "en"}))
    assert set(cookies) == {DEVICE_COOKIE, LANGUAGE_COOKIE}
    for header in cookies.values():
        flags = [flag.strip().lower() for flag in header.split(";")]
        assert "httponly" in flags
        assert "samesite=lax" in flags
        assert ("secure" in flags) is (env == "production")


# --- client address behind a proxy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("10.0.0.1", "203.0.113.57", (), "10.0.0.1"),  # no proxies configured: the header is ignored
        ("192.0.2.1", "203.0.113.57", ("10.0.0.0/8",), "192.0.2.1"),  # an untrusted peer's header is ignored
        ("10.0.0.1", "203.0.113.57", ("10.0.0.0/8",), "203.0.113.57"),
        # Forged hops on the left are skipped: the rightmost untrusted hop is the one our proxy saw.
        ("10.0.0.1", "1.1.1.1, 198.51.100.9, 203.0.113.57", ("10.0.0.0/8",), "203.0.113.57"),
        ("10.0.0.1", "198.51.100.9, 203.0.113.57, 10.0.0.7", ("10.0.0.0/8",), "203.0.113.57"),
        ("10.0.0.1", "", ("10.0.0.0/8",), "10.0.0.1"),
        ("10.0.0.1", None, ("10.0.0.0/8",), "10.0.0.1"),
        ("2001:db8::1", "2001:db8:ffff::9", ("2001:db8::/64",), "2001:db8:ffff::9"),
        ("10.0.0.1", "10.0.0.8, 10.0.0.9", ("10.0.0.0/8",), "10.0.0.8"),  # all trusted: the leftmost
        (None, "203.0.113.57", ("*",), None),
    ],
)
def test_it_believes_forwarded_for_only_from_a_trusted_peer(
    peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...], expected: str | None
) -> None:
    assert client_address(peer, forwarded_for, trusted) == expected


@pytest.fixture
def peer(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The TCP peer the test client pretends to be (Litestar's test transport always says
    "testclient"); set `peer[0]` to an address."""
    address = ["testclient"]
    original = transport.TestClientTransport.parse_request

    def parse_request(self: transport.TestClientTransport, request: httpx.Request) -> dict:
        scope = original(self, request)
        scope["client"] = (address[0], 50000)
        return scope

    monkeypatch.setattr(transport.TestClientTransport, "parse_request", parse_request)
    yield address


def stored_network(db: Session) -> str | None:
    db.expire_all()
    return db.scalars(select(Rating.network_hash).order_by(Rating.id.desc())).first()


@pytest.mark.parametrize(
    ("peer_address", "network_of"),
    [("10.0.0.5", "203.0.113.57"), ("192.0.2.44", "192.0.2.44")],
    ids=["trusted-proxy", "untrusted-peer"],
)
def test_the_rating_network_comes_from_forwarded_for_only_through_a_trusted_proxy(
    peer_address: str,
    network_of: str,
    peer: list[str],
    settings: Settings,
    clock: FakeClock,
    counter: Counter,
    db: Session,
) -> None:
    peer[0] = peer_address
    app: Litestar = create_app(settings.with_(trusted_proxies=("10.0.0.0/8",)), clock=clock)
    with TestClient(app) as client:
        client.headers["X-Forwarded-For"] = "203.0.113.57"
        assert Citizen(client, counter.public_token).rate().status_code == 303
    assert stored_network(db) == network_hash(TEST_SECRET, network_of)


# --- the templates keep the policy true -----------------------------------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(TEMPLATES_DIR.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_needs_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.relative_to(TEMPLATES_DIR)}: {', '.join(found)} breaks the CSP"


def test_printed_posters_come_with_their_stylesheet(
    counter: Counter, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    out = tmp_path / "posters"
    assert main(["qr-posters", "--out", str(out)]) == 0
    (poster,) = out.glob("*.html")
    assert '<link rel="stylesheet" href="poster.css">' in poster.read_text()
    assert "@page" in (out / "poster.css").read_text()
