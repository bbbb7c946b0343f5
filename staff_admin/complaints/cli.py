"""`rating-portal purge-contacts`: deletes citizens' contact details after the retention period."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from portal.kernel.clock import Clock, utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.settings import Settings
from staff_admin.complaints.service import purge_contacts


def register(commands: argparse._SubParsersAction, _create_app: Callable) -> None:
    purge = commands.add_parser(
        "purge-contacts",
        help="delete contact details of complaint cases closed more than CONTACT_RETENTION_DAYS ago",
    )
    purge.set_defaults(handler=_purge)


def _purge(_args: argparse.Namespace, settings: Settings, clock: Clock = utc_now) -> int:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        deleted = purge_contacts(session, clock(), settings.contact_retention_days)
    engine.dispose()
    days = settings.contact_retention_days
    print(f"deleted contact details of {deleted} closed case(s) (retention {days} days)")
    return 0
