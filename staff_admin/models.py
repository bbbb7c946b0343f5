"""Staff accounts: users, database-backed sessions, login attempts (throttling), password reset links
and the audit log; and the outbox, every mail to send until it is sent (alerts, digests and
complaint responses write to it, staff_admin.mail.outbox delivers). An outbox row names what the mail
is about rather than holding its text, so no citizen's address or staff link outlives its source, and
a failed send is tried again later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.db import Base
from portal.kernel.models import UTCDateTime

ROLES = ("admin", "hr", "unit_head", "officer")
MAIL_MODES = ("immediate", "digest", "none")  # how a user with an address gets alerts


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role_known"),
        # A unit head without a unit, or an officer without an employee record, would see nothing
        # or (worse) be mistaken for someone else; the schema refuses both.
        CheckConstraint("role <> 'unit_head' OR unit_id IS NOT NULL", name="unit_head_has_unit"),
        CheckConstraint("role <> 'officer' OR employee_id IS NOT NULL", name="officer_has_employee"),
        CheckConstraint(f"mail_mode IN {MAIL_MODES}", name="mail_mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Alerts and password reset links by e-mail (staff_admin.account); None: in the app only
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    mail_mode: Mapped[str] = mapped_column(String(16), default="immediate", server_default="immediate")
    mail_language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")


class StaffSession(Base):
    """A signed-in browser. Only a keyed hash of the cookie value is stored: a leaked table
    cannot be replayed as cookies."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # absolute lifetime
    network_hash: Mapped[str | None] = mapped_column(String(64))


class PasswordResetToken(Base):
    """A link to set a new password without signing in, issued by an admin for a user who forgot (or
    with a new officer account, for HR to hand out). Only a keyed hash of the link's token is stored;
    the link works once (`used_at`), until `expires_at`, and a newer link for the user replaces it."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the CLI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """One sign-in attempt. Throttling counts recent failures per account key and per network;
    the account key is a keyed hash so a password typed into the username box is never stored.
    `network_key` holds where the attempt came from: the network's keyed hash, or a known browser's
    for a browser that signed in to the account before (`staff_admin.auth.Attempt.place`)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_time", "account_key", "at"),
        Index("ix_login_attempts_network_time", "network_key", "at"),
        Index("ix_login_attempts_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_key: Mapped[str] = mapped_column(String(64))
    network_key: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Who did what to which object, when, and the state before and after (JSON)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: system
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


MAIL_KINDS = ("alert", "digest", "citizen_response")
MAIL_STATUSES = ("waiting", "sent", "failed", "cancelled")


class OutboxMail(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN {MAIL_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {MAIL_STATUSES}", name="status_known"),
        Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_cases.id", ondelete="CASCADE"), index=True
    )
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # a digest: its alert ids
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
