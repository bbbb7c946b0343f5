"""Users and roles (admin only): create, change role and scope, deactivate; sessions end; audited."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from staff_admin.models import AuditEntry, StaffSession, User
from tests.staff_admin.conftest import PASSWORD, World, csrf_token, signed_in


def post(client: TestClient, path: str, data: dict, lang: str = "en"):
    token = csrf_token(client, "/admin/")
    return client.post(f"{path}?lang={lang}", data={"_csrf_token": token, **data}, follow_redirects=False)


def test_it_creates_a_unit_head(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "admin")
    data = {
        "username": "kepala.beta2",
        "password": PASSWORD,
        "role": "unit_head",
        "unit_id": str(world.unit_b.id),
    }
    assert post(client, "/admin/users/new", data).status_code == 303
    user = db.scalar(select(User).where(User.username == "kepala.beta2"))
    assert (user.role, user.unit_id) == ("unit_head", world.unit_b.id)


def test_it_explains_what_a_new_account_lacks(client: TestClient, world: World) -> None:
    signed_in(client, "admin")
    data = {"username": "hr", "password": "short", "role": "officer"}
    text = post(client, "/admin/users/new", data, lang="id").text
    assert "Nama pengguna ini sudah dipakai." in text
    assert "Kata sandi minimal 10 karakter." in text
    assert "Petugas memerlukan data pegawainya." in text


def test_it_changes_a_role_ends_sessions_and_audits(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "head_a")
    head_a = db.scalar(select(User).where(User.username == "head_a"))
    assert (
        db.scalar(select(func.count()).select_from(StaffSession).where(StaffSession.user_id == head_a.id))
        == 1
    )
    client.cookies.clear()
    signed_in(client, "admin")
    data = {"role": "officer", "employee_id": str(world.officer.id), "display_name": "Now officer"}
    assert post(client, f"/admin/users/{head_a.id}", data).status_code == 303
    assert (
        db.scalar(select(func.count()).select_from(StaffSession).where(StaffSession.user_id == head_a.id))
        == 0
    )
    db.expire_all()
    user = db.get(User, head_a.id)
    assert (user.role, user.unit_id, user.employee_id) == ("officer", None, world.officer.id)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert entry.before["role"] == "unit_head" and entry.after["role"] == "officer"


def test_it_deactivates_a_user_but_not_oneself(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "admin")
    hr = db.scalar(select(User).where(User.username == "hr"))
    admin = db.scalar(select(User).where(User.username == "admin"))
    assert post(client, f"/admin/users/{hr.id}/deactivate", {}).status_code == 303
    db.expire_all()
    assert not db.get(User, hr.id).active
    response = post(client, f"/admin/users/{admin.id}/deactivate", {})
    assert response.status_code == 422 and "You cannot deactivate your own account." in response.text
    assert post(client, "/admin/users/9999/deactivate", {}).status_code == 404


def test_it_lets_only_admins_change_users(client: TestClient, db: Session, world: World) -> None:
    signed_in(client, "hr")
    admin = db.scalar(select(User).where(User.username == "admin"))
    assert post(client, f"/admin/users/{admin.id}/deactivate", {}).status_code == 403
    assert post(client, f"/admin/users/{admin.id}", {"role": "officer"}).status_code == 403
