"""Signing in and out through the real form: sessions, expiry, throttling, CSRF, redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from portal.kernel.settings import Settings
from staff_admin.models import LoginAttempt, StaffSession, User
from tests import factories
from tests.conftest import FakeClock
from tests.staff_admin.conftest import PASSWORD, World, csrf_token, sign_in, signed_in


def test_it_signs_in_and_shows_who_is_signed_in(client: TestClient, world: World, db: Session) -> None:
    response = sign_in(client, "head_a")

    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"]
    assert "rp_staff=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/admin" in cookie and "Secure" not in cookie  # http base_url
    page = client.get("/admin")
    assert page.status_code == 200
    assert "User head_a" in page.text
    token = client.cookies["rp_staff"]
    stored = db.scalars(select(StaffSession.id_hash)).all()
    assert len(stored) == 1 and token not in stored[0]  # only a keyed hash is stored
    assert db.scalar(select(User.last_login_at).where(User.username == "head_a")) is not None


def test_it_marks_the_cookie_secure_on_https(world: World, settings: Settings, clock: FakeClock) -> None:
    app = create_app(settings.with_(base_url="https://skm.example.go.id"), clock=clock)
    with TestClient(app, base_url="https://skm.example.go.id") as client:
        response = sign_in(client, "admin")
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("username", "password"), [("admin", "wrong password"), ("nobody", PASSWORD), ("", "")]
)
def test_it_refuses_bad_credentials_with_one_clear_message(
    client: TestClient, world: World, username: str, password: str
) -> None:
    response = sign_in(client, username, password)

    assert response.status_code == 422
    assert "rp_staff" not in response.headers.get("set-cookie", "")
    assert "Nama pengguna atau kata sandi tidak benar." in response.text
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_it_refuses_a_disabled_account(client: TestClient, world: World, db: Session) -> None:
    user = db.scalar(select(User).where(User.username == "hr"))
    user.active = False
    db.commit()

    assert sign_in(client, "hr").status_code == 422


def test_an_officers_session_ends_when_their_employee_record_is_deactivated(
    client: TestClient, world: World, db: Session
) -> None:
    """Issue 21, item 10: as for a deactivated account."""
    signed_in(client, "officer")
    assert client.get("/admin/me/", follow_redirects=False).status_code == 200
    officers_browser = dict(client.cookies.items())
    client.cookies.clear()
    signed_in(client, "hr")
    deactivate = f"/admin/employees/{world.officer.id}/deactivate"
    token = csrf_token(client, f"/admin/employees/{world.officer.id}")
    assert client.post(deactivate, data={"_csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    for name, value in officers_browser.items():
        client.cookies.set(name, value, domain="127.0.0.1", path="/admin")

    ended = client.get("/admin/me/", follow_redirects=False)

    assert ended.status_code == 303 and "expired=1" in ended.headers["location"]
    db.expire_all()
    officer_id = db.scalar(select(User.id).where(User.username == "officer"))
    assert db.scalars(select(StaffSession).where(StaffSession.user_id == officer_id)).all() == []
    assert sign_in(client, "officer").status_code == 422  # nor can they sign in again


def test_it_signs_out(client: TestClient, world: World, db: Session) -> None:
    signed_in(client, "admin")

    response = client.post(
        "/admin/logout", data={"_csrf_token": csrf_token(client, "/admin")}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    assert db.scalars(select(StaffSession)).all() == []
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_it_ends_an_idle_session(
    client: TestClient, world: World, clock: FakeClock, settings: Settings
) -> None:
    signed_in(client, "admin")
    clock.advance(seconds=settings.staff_session_idle_seconds - 1)
    assert client.get("/admin").status_code == 200  # activity keeps it alive

    clock.advance(seconds=settings.staff_session_idle_seconds)
    response = client.get("/admin/units/1", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%2Funits%2F1&expired=1"
    assert "Sesi Anda telah berakhir" in client.get(response.headers["location"]).text


def test_it_ends_a_session_at_its_absolute_lifetime(
    client: TestClient, world: World, clock: FakeClock, settings: Settings
) -> None:
    signed_in(client, "admin")
    step = settings.staff_session_idle_seconds // 2
    elapsed = 0
    while elapsed + step < settings.staff_session_max_seconds:
        clock.advance(seconds=step)
        elapsed += step
        assert client.get("/admin", follow_redirects=False).status_code == 200

    clock.advance(seconds=step)

    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_it_throttles_one_account_after_repeated_failures(
    client: TestClient, world: World, clock: FakeClock, settings: Settings
) -> None:
    for _ in range(settings.login_failures_per_account):
        assert sign_in(client, "admin", "wrong password").status_code == 422

    throttled = sign_in(client, "ADMIN")  # even the right password, in any letter case

    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= settings.login_window_seconds
    assert "Terlalu banyak percobaan masuk yang gagal" in throttled.text
    assert "15 menit" in throttled.text
    assert sign_in(client, "hr").status_code == 303  # other accounts on this network still work

    clock.advance(seconds=settings.login_window_seconds)
    assert sign_in(client, "admin").status_code == 303


def test_it_forgives_account_failures_after_a_successful_sign_in(
    client: TestClient, world: World, settings: Settings
) -> None:
    for _ in range(settings.login_failures_per_account - 1):
        sign_in(client, "admin", "wrong password")
    assert sign_in(client, "admin").status_code == 303
    for _ in range(settings.login_failures_per_account - 1):
        sign_in(client, "admin", "wrong password")

    assert sign_in(client, "admin").status_code == 303


@pytest.fixture
def proxied_app(settings: Settings, clock: FakeClock) -> Litestar:
    """Behind a trusted load balancer, so each request can say which network it comes from."""
    return create_app(settings.with_(trusted_proxies=("*",)), clock=clock)


def test_it_throttles_a_network_across_accounts(
    proxied_app: Litestar, world: World, db: Session, settings: Settings
) -> None:
    network = {"X-Forwarded-For": "203.0.113.7"}
    with TestClient(proxied_app, base_url="http://127.0.0.1:8000") as client:
        for attempt in range(settings.login_failures_per_network):
            assert sign_in(client, f"guess{attempt}", "x", headers=network).status_code == 422

        same_network = {"X-Forwarded-For": "203.0.113.200"}  # same /24
        assert sign_in(client, "admin", headers=same_network).status_code == 429
        other_network = {"X-Forwarded-For": "198.51.100.9"}
        assert sign_in(client, "admin", headers=other_network).status_code == 303
    stored = db.scalars(select(LoginAttempt.network_key)).all()
    assert all("203.0.113" not in key for key in stored)  # keyed hashes, never addresses


def test_it_locks_an_account_only_from_the_network_that_failed(
    proxied_app: Litestar, world: World, settings: Settings
) -> None:
    """Issue 21, item 1: a stranger's wrong passwords do not lock the owner out from elsewhere."""
    with TestClient(proxied_app, base_url="http://127.0.0.1:8000") as client:
        for _ in range(settings.login_failures_per_account):
            stranger = {"X-Forwarded-For": "203.0.113.7"}
            assert sign_in(client, "admin", "wrong password", headers=stranger).status_code == 422

        assert sign_in(client, "admin", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
        assert sign_in(client, "admin", headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 303


def test_it_slows_guessing_from_many_networks_with_a_growing_delay_but_locks_nobody_out(
    proxied_app: Litestar, world: World, settings: Settings, clock: FakeClock
) -> None:
    with TestClient(proxied_app, base_url="http://127.0.0.1:8000") as client:
        assert sign_in(client, "admin", headers={"X-Forwarded-For": "192.0.2.10"}).status_code == 303
        owners_browser = client.cookies["rp_known"]
        client.cookies.clear()
        waits = []
        for guess in range(settings.login_failures_per_account + 9):
            network = {"X-Forwarded-For": f"10.{guess}.0.1"}  # a new network for every guess
            answer = sign_in(client, "admin", f"guess {guess}", headers=network)
            if answer.status_code == 429:
                waits.append(int(answer.headers["Retry-After"]))
                assert "Terlalu banyak percobaan masuk yang gagal" in answer.text
                clock.advance(seconds=waits[-1])
                answer = sign_in(client, "admin", f"guess {guess}", headers=network)
            assert answer.status_code == 422, guess

        # No delay for as many failures as one network may make, then it doubles up to its longest.
        assert waits == [1, 2, 4, 8, 16, 32, 64, 128]
        elsewhere = {"X-Forwarded-For": "198.51.100.9"}
        held = sign_in(client, "admin", headers=elsewhere)
        assert held.status_code == 429 and int(held.headers["Retry-After"]) == 180  # 15 minutes / 5
        # The owner's browser, which signed in before, is not held back at all ...
        client.cookies.set("rp_known", owners_browser, domain="127.0.0.1", path="/admin")
        assert sign_in(client, "admin", headers=elsewhere).status_code == 303
        # ... and a new one only for the delay: nobody is locked out.
        client.cookies.clear()
        clock.advance(seconds=180)
        assert sign_in(client, "admin", headers=elsewhere).status_code == 303


def test_a_browser_that_signed_in_before_is_not_held_back_by_strangers_on_its_network(
    proxied_app: Litestar, world: World, settings: Settings
) -> None:
    office = {"X-Forwarded-For": "203.0.113.20"}
    with TestClient(proxied_app, base_url="http://127.0.0.1:8000") as client:
        assert sign_in(client, "hr", headers=office).status_code == 303
        hr_browser = client.cookies["rp_known"]
        client.cookies.clear()
        guesses = [("hr", i) for i in range(settings.login_failures_per_account)]
        guesses += [(f"guess{i}", i) for i in range(settings.login_failures_per_network)]
        for username, i in guesses:  # a stranger in the same office, on the same network
            assert sign_in(client, username, f"guess {i}", headers=office).status_code in (422, 429)
        assert sign_in(client, "hr", headers=office).status_code == 429  # a new browser waits

        client.cookies.set("rp_known", hr_browser, domain="127.0.0.1", path="/admin")
        assert sign_in(client, "hr", headers=office).status_code == 303


def test_a_known_browser_cookie_counts_only_for_its_own_account(
    proxied_app: Litestar, world: World, settings: Settings
) -> None:
    network = {"X-Forwarded-For": "203.0.113.30"}
    with TestClient(proxied_app, base_url="http://127.0.0.1:8000") as client:
        assert sign_in(client, "hr", headers=network).status_code == 303  # the browser is known for hr
        for i in range(settings.login_failures_per_account):
            assert sign_in(client, "admin", f"guess {i}", headers=network).status_code == 422
        assert sign_in(client, "admin", headers=network).status_code == 429
        client.cookies.set("rp_known", "forged.0123", domain="127.0.0.1", path="/admin")
        assert sign_in(client, "admin", headers=network).status_code == 429


def test_it_rejects_a_form_without_the_csrf_token(client: TestClient, world: World, db: Session) -> None:
    client.get("/admin/login")  # the browser has the CSRF cookie, but the form lacks the field
    response = client.post(
        "/admin/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "Formulir ini sudah kedaluwarsa" in response.text

    signed_in(client, "admin")
    response = client.post("/admin/logout", data={"_csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert len(db.scalars(select(StaffSession)).all()) == 1  # still signed in


def test_it_leaves_citizen_pages_without_csrf(client: TestClient, db: Session) -> None:
    counter = factories.counter(db, factories.unit(db))

    response = client.get(f"/r/{counter.public_token}")

    assert response.status_code == 200
    assert "rp_csrf" not in response.headers.get("set-cookie", "")


def test_it_sends_anonymous_visitors_to_sign_in_and_back(client: TestClient, world: World) -> None:
    target = f"/admin/units/{world.unit_a.id}"
    response = client.get(target, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/login?next=%2Fadmin%2Funits%2F{world.unit_a.id}"

    login_page = client.get(response.headers["location"])
    assert f'name="next" value="{target}"' in login_page.text
    assert sign_in(client, "admin", next_=target).headers["location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/admin",
        "//evil.example/admin",
        "/\\evil.example",
        "javascript:alert(1)",
        "/admin\r\nSet-Cookie: x=1",
        "admin",
    ],
)
def test_it_refuses_to_redirect_off_site(client: TestClient, world: World, target: str) -> None:
    response = sign_in(client, "admin", next_=target)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin"


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("?lang=en", "id", "Sign in to the staff area"),
        ("", "en-US,en;q=0.9", "Sign in to the staff area"),
        ("", "id-ID", "Masuk ke area staf"),
        ("?lang=id", "en", "Masuk ke area staf"),
    ],
)
def test_it_renders_the_login_page_in_both_languages(
    client: TestClient, query: str, header: str, expected: str
) -> None:
    response = client.get(f"/admin/login{query}", headers={"Accept-Language": header})

    assert response.status_code == 200
    assert expected in response.text
    assert '<html lang="{}">'.format("en" if "Sign" in expected else "id") in response.text


def test_it_upgrades_old_password_hashes_at_sign_in(
    client: TestClient, world: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from staff_admin import auth

    old_hash = db.scalar(select(User.password_hash).where(User.username == "admin"))
    monkeypatch.setattr(
        auth, "hasher", auth.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
    )

    assert sign_in(client, "admin").status_code == 303

    db.expire_all()
    new_hash = db.scalar(select(User.password_hash).where(User.username == "admin"))
    assert new_hash != old_hash and "m=19456,t=2,p=1" in new_hash


def test_it_keeps_throttle_state_in_the_database(
    client: TestClient, world: World, db: Session, settings: Settings, clock: FakeClock
) -> None:
    """Another app process (a second app on the same database) sees the same failures."""
    for _ in range(settings.login_failures_per_account):
        sign_in(client, "admin", "wrong password")
    other_process = create_app(settings, clock=clock)
    with TestClient(other_process, base_url="http://127.0.0.1:8000") as other:
        assert sign_in(other, "admin").status_code == 429
    assert clock() - timedelta(seconds=1) < max(db.scalars(select(LoginAttempt.at)).all()) + timedelta(
        seconds=1
    )
