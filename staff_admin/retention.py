"""`rating-portal retention`: personal data is kept no longer than its purpose needs. Run it daily.

- Ratings submitted more than HASH_RETENTION_DAYS ago lose their device and network hashes (set to
  NULL); the rating itself stays and keeps counting. The hashes serve only the abuse detector, which
  needs them while a period can still be scored; closed periods are frozen, so results do not move.
- Contact details of complaint cases closed more than CONTACT_RETENTION_DAYS ago are deleted.
- Housekeeping of rows that carry network hashes only for a while: flood-control windows older than
  a day, staff sessions that have ended, failed sign-ins older than the throttling window.

Purges of personal data are audited as the system (counts and cut-off, never the data itself).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from portal.kernel.clock import Clock, utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.models import RateLimitHit, Rating
from portal.kernel.settings import Settings
from staff_admin import audit
from staff_admin.auth import end_expired_sessions
from staff_admin.complaints.service import purge_contacts
from staff_admin.models import LoginAttempt

RATE_WINDOW_SECONDS = (
    60  # every rate_limit_hits key counts one-minute windows (portal.citizen.flood.count_hit)
)
RATE_WINDOWS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class RetentionSummary:
    ratings_without_hashes: int
    contacts_deleted: int
    rate_windows_deleted: int


def purge_rating_hashes(session: Session, now: datetime, retention_days: int) -> int:
    """Sets device_hash and network_hash to NULL on ratings submitted before the cut-off; audited."""
    cutoff = now - timedelta(days=retention_days)
    cleared = session.execute(
        update(Rating)
        .where(
            Rating.submitted_at < cutoff,
            or_(Rating.device_hash.is_not(None), Rating.network_hash.is_not(None)),
        )
        .values(device_hash=None, network_hash=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if cleared:
        audit.record(
            session,
            None,
            "rating.purge_hashes",
            "rating",
            None,
            {"ratings_with_hashes": cleared},
            {"ratings_with_hashes": 0, "submitted_before": cutoff},
            f"retention {retention_days} days: device and network hashes removed",
            at=now,
        )
    session.commit()
    return cleared


def purge_stale_rows(session: Session, settings: Settings, now: datetime) -> int:
    """Old flood-control windows, ended staff sessions and old failed sign-ins; returns the windows."""
    oldest_window = int((now - RATE_WINDOWS_KEPT).timestamp()) // RATE_WINDOW_SECONDS
    windows = session.execute(delete(RateLimitHit).where(RateLimitHit.window_start < oldest_window)).rowcount
    end_expired_sessions(session, settings, now)
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(seconds=settings.login_window_seconds))
    )
    session.commit()
    return windows


def run_retention(session: Session, settings: Settings, now: datetime) -> RetentionSummary:
    hashes = purge_rating_hashes(session, now, settings.hash_retention_days)
    contacts = purge_contacts(session, now, settings.contact_retention_days)
    windows = purge_stale_rows(session, settings, now)
    return RetentionSummary(hashes, contacts, windows)


def register(commands: argparse._SubParsersAction, _create_app: Callable) -> None:
    command = commands.add_parser(
        "retention",
        help="remove rating hashes after HASH_RETENTION_DAYS and contact details after "
        "CONTACT_RETENTION_DAYS (audited); run it daily from cron",
    )
    command.set_defaults(handler=_retention)


def _retention(_args: argparse.Namespace, settings: Settings, clock: Clock = utc_now) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            summary = run_retention(session, settings, clock())
    finally:
        engine.dispose()
    print(
        f"removed device and network hashes from {summary.ratings_without_hashes} rating(s) older than "
        f"{settings.hash_retention_days} days; deleted contact details of {summary.contacts_deleted} "
        f"closed case(s) (retention {settings.contact_retention_days} days); "
        f"{summary.rate_windows_deleted} old flood-control window(s) removed"
    )
    return 0
