"""Passwords through the real app: every user changes their own (other sessions end); an admin issues
a reset link (shown once, stored as a hash, single use, 30 minutes) that sets a new password without
signing in; `rating-portal reset-link` for when no admin can sign in. Audited throughout."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from staff_admin.models import AuditEntry, PasswordResetToken, StaffSession, User
from tests.conftest import FakeClock
from tests.staff_admin.conftest import PASSWORD, PERSONAS, World, csrf_token, sign_in, signed_in
from tests.staff_admin.test_cli import _run, cli_env  # noqa: F401 (the fixture)

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r'value="(https?://[^"]+/admin/password-reset/([^"]+))"')


def browser(client: TestClient, username: str) -> dict[str, str]:
    """A browser of its own signed in as `username`: its cookies, for `use` later; the client is then
    left without cookies. (One client, cookie jars swapped, as test_login does.)"""
    client.cookies.clear()
    signed_in(client, username)
    cookies = dict(client.cookies.items())
    client.cookies.clear()
    return cookies


def use(client: TestClient, cookies: dict[str, str]) -> TestClient:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value, domain="127.0.0.1", path="/admin")
    return client


def post(client: TestClient, path: str, data: dict, lang: str = "en", token_from: str = "/admin/"):  # noqa: S107
    token = csrf_token(client, token_from)
    return client.post(f"{path}?lang={lang}", data={"_csrf_token": token, **data}, follow_redirects=False)


def change(
    client: TestClient, current: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None, **kw
):
    data = {
        "current_password": current,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }
    return post(client, "/admin/password", data, token_from="/admin/password", **kw)


def user_id(db: Session, username: str) -> int:
    return db.scalar(select(User.id).where(User.username == username))


def sessions_of(db: Session, username: str) -> int:
    return db.scalar(
        select(func.count()).select_from(StaffSession).where(StaffSession.user_id == user_id(db, username))
    )


# --- changing one's own password ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_every_user_change_their_password(
    persona: str, client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, persona)
    assert 'href="/admin/password"' in client.get("/admin/").text  # linked from every staff page

    response = change(client)

    assert response.status_code == 303 and response.headers["location"] == "/admin/password?changed=0"
    assert (
        "Your password is changed. 0 other sessions were signed out."
        in client.get("/admin/password?changed=0&lang=en").text
    )
    client.cookies.clear()
    assert sign_in(client, persona, PASSWORD).status_code == 422  # the old password no longer works
    assert sign_in(client, persona, NEW_PASSWORD).status_code == 303
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_change"))
    assert (entry.actor_user_id, entry.object_id) == (user_id(db, persona), str(user_id(db, persona)))
    assert NEW_PASSWORD not in str(entry.after) and PASSWORD not in str(entry.after)


def test_it_ends_the_users_other_sessions_but_keeps_this_one(
    client: TestClient, db: Session, world: World
) -> None:
    phone, desk = browser(client, "head_a"), browser(client, "head_a")
    browser(client, "head_b")
    assert sessions_of(db, "head_a") == 2

    assert change(use(client, desk)).headers["location"] == "/admin/password?changed=1"

    assert client.get("/admin/", follow_redirects=False).status_code == 200
    ended = use(client, phone).get("/admin/", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/admin/login")
    assert sessions_of(db, "head_a") == 1 and sessions_of(db, "head_b") == 1  # nobody else's


def test_it_explains_what_is_wrong_and_changes_nothing(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "officer")
    before = db.scalar(select(User.password_hash).where(User.username == "officer"))

    wrong = change(client, current="not my password", new="short", again="other", lang="id")
    same = change(client, current=PASSWORD, new=PASSWORD, lang="en")
    mismatch = change(client, new=NEW_PASSWORD, again=NEW_PASSWORD + "!", lang="en")

    assert wrong.status_code == 422
    assert "Kata sandi saat ini tidak benar." in wrong.text
    assert "Kata sandi minimal 10 karakter." in wrong.text
    assert "Kedua kata sandi baru tidak sama." in wrong.text
    assert "not my password" not in wrong.text  # passwords are never echoed
    assert same.status_code == 422 and "Choose a new password, not the current one." in same.text
    assert mismatch.status_code == 422 and "The two new passwords are not the same." in mismatch.text
    db.expire_all()
    assert db.scalar(select(User.password_hash).where(User.username == "officer")) == before
    assert db.scalar(select(func.count()).where(AuditEntry.action == "user.password_change")) == 0


def test_it_throttles_guessing_the_current_password(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    signed_in(client, "hr")
    clock.advance(seconds=1)  # after the sign-in, which forgave the failures before it
    for _ in range(5):  # LOGIN_FAILURES_PER_ACCOUNT
        assert change(client, current="a wrong guess").status_code == 422

    refused = change(client, current=PASSWORD)

    assert refused.status_code == 422
    assert "Too many wrong passwords. Please wait 15 minutes and try again." in refused.text
    client.cookies.clear()
    assert sign_in(client, "hr", PASSWORD).status_code == 429  # the same count as the sign-in form's
    clock.advance(minutes=15)
    assert sign_in(client, "hr", NEW_PASSWORD).status_code == 422  # nothing changed
    assert sign_in(client, "hr", PASSWORD).status_code == 303


def test_it_sends_anonymous_visitors_to_sign_in_and_refuses_forms_without_a_token(
    client: TestClient, world: World
) -> None:
    response = client.get("/admin/password", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    assert client.post("/admin/password", data=data, follow_redirects=False).status_code == 403


# --- reset links ------------------------------------------------------------------------------------


def issue_link(client: TestClient, db: Session, username: str) -> tuple[str, str]:
    """(the link's path, its token) as the admin's page shows it."""
    target = user_id(db, username)
    response = post(client, f"/admin/users/{target}/reset-link", {}, token_from=f"/admin/users/{target}")
    assert response.status_code == 200, response.text
    address, token = LINK.search(response.text).groups()
    return urlsplit(address).path, token


def set_password(client: TestClient, path: str, new: str = NEW_PASSWORD, again: str | None = None, lang="en"):
    data = {"new_password": new, "new_password_again": new if again is None else again}
    return post(client, path, data, lang=lang, token_from="/admin/login")  # the link page has none once used


def test_an_admin_issues_a_link_that_sets_a_new_password_once(
    client: TestClient, db: Session, world: World
) -> None:
    hrs_desk = browser(client, "hr")  # the user's own browser, signed in somewhere
    signed_in(client, "admin")
    path, token = issue_link(client, db, "hr")
    client.cookies.clear()  # the user opens the link without signing in

    assert path.startswith("/admin/password-reset/")
    stored = db.scalars(select(PasswordResetToken)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # only a keyed hash
    page = client.get(path + "?lang=en")
    assert page.status_code == 200 and "For the account hr (User hr)" in page.text
    done = set_password(client, path)

    assert done.status_code == 303 and done.headers["location"] == "/admin/login?reset=1"
    assert "Your new password is set. Sign in with it." in client.get("/admin/login?reset=1&lang=en").text
    assert sessions_of(db, "hr") == 0  # every session of the user ended
    assert use(client, hrs_desk).get("/admin/", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert sign_in(client, "hr", PASSWORD).status_code == 422  # the old password no longer works
    assert sign_in(client, "hr", NEW_PASSWORD).status_code == 303
    client.cookies.clear()
    again = client.get(path + "?lang=id")
    assert again.status_code == 410 and "Tautan ini sudah tidak berlaku." in again.text  # single use
    assert set_password(client, path, "yet another passphrase").status_code == 410
    assert sign_in(client, "hr", "yet another passphrase").status_code == 422
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user_id(db, "hr"))))
    assert {"user.reset_link", "user.password_reset"} <= set(actions)


def test_a_link_expires_after_30_minutes(
    client: TestClient, db: Session, world: World, clock: FakeClock
) -> None:
    signed_in(client, "admin")
    first, _ = issue_link(client, db, "head_b")
    clock.advance(minutes=29)
    assert client.get(first).status_code == 200
    clock.advance(minutes=1)

    assert client.get(first).status_code == 410
    assert set_password(client, first).status_code == 410
    assert sign_in(client, "head_b", NEW_PASSWORD).status_code == 422


def test_a_newer_link_replaces_the_older_one(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "admin")
    older, _ = issue_link(client, db, "officer")
    newer, _ = issue_link(client, db, "officer")

    assert client.get(older).status_code == 410
    assert set_password(client, newer).status_code == 303


def test_a_password_change_voids_an_open_link(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "admin")
    path, _ = issue_link(client, db, "head_a")
    assert change(use(client, browser(client, "head_a"))).status_code == 303

    assert client.get(path).status_code == 410


def test_the_link_page_explains_a_bad_password_and_stays_valid(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "admin")
    path, _ = issue_link(client, db, "hr")
    client.cookies.clear()

    refused = set_password(client, path, "short", "other", lang="id")

    assert refused.status_code == 422
    assert (
        "Kata sandi minimal 10 karakter." in refused.text
        and "Kedua kata sandi baru tidak sama." in refused.text
    )
    assert set_password(client, path).status_code == 303


@pytest.mark.parametrize("persona", ["hr", "head_a", "head_b", "officer"])
def test_only_an_admin_issues_reset_links(
    persona: str, client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, persona)
    target = user_id(db, "officer")
    response = post(client, f"/admin/users/{target}/reset-link", {})
    assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 0


def test_anonymous_visitors_cannot_issue_links_and_unknown_links_set_nothing(
    client: TestClient, db: Session, world: World
) -> None:
    target = user_id(db, "officer")
    response = post(client, f"/admin/users/{target}/reset-link", {}, token_from="/admin/login")
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    assert client.get("/admin/password-reset/not-a-token").status_code == 410
    assert client.get("/admin/password-reset/" + "x" * 500).status_code == 410


def test_no_link_for_a_deactivated_account(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "admin")
    hr = db.scalar(select(User).where(User.username == "hr"))
    hr.active = False
    db.commit()
    response = post(
        client, f"/admin/users/{hr.id}/reset-link", {}, lang="id", token_from=f"/admin/users/{hr.id}"
    )
    assert response.status_code == 422
    assert "Akun ini dinonaktifkan" in response.text


def test_the_command_line_prints_a_link_for_when_no_admin_can_sign_in(
    cli_env: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
    db: Session,
    world: World,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(monkeypatch, ["reset-link", "--username", "Admin"]) == 0
    printed = capsys.readouterr().out
    path = re.search(r"https?://\S+(/admin/password-reset/\S+)", printed).group(1)
    assert "shown only now" in printed

    assert set_password(client, path).status_code == 303
    assert sign_in(client, "admin", NEW_PASSWORD).status_code == 303
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_link"))
    assert entry.actor_user_id is None and entry.note == "command line"
    assert _run(monkeypatch, ["reset-link", "--username", "nobody"]) == 2


@pytest.mark.parametrize(
    ("new", "again", "status"),
    [
        ("x" * 257, "x" * 257, 422),  # longer than any password needs
        ("<script>alert(1)</script>", "<script>alert(1)</script>", 303),  # a password may hold anything
        (["first passphrase", "second passphrase"], "first passphrase", 303),  # sent twice: the first
        ("", "", 422),
    ],
)
def test_the_link_page_takes_odd_values_without_failing(
    new: object, again: str, status: int, client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "admin")
    path, _ = issue_link(client, db, "officer")
    client.cookies.clear()
    token = csrf_token(client, path)

    data = {"_csrf_token": token, "new_password": new, "new_password_again": again}
    response = client.post(path, data=data, follow_redirects=False)

    assert response.status_code == status
    assert "<script>alert(1)" not in response.text
    if status == 303:
        password = new[0] if isinstance(new, list) else new
        assert sign_in(client, "officer", password).status_code == 303
