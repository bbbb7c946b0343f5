"""`rating-portal alerts` (cron, every 5 minutes): find new alerts, then send what waits in the
outbox (alert mails, citizens' responses, retries). `rating-portal digest` (cron, once a day): a
summary mail for everyone who chose one, then the outbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from litestar import Litestar

from portal.kernel.clock import Clock, utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.settings import Settings
from staff_admin.alerts.rules import check
from staff_admin.mail.messages import UrlFor
from staff_admin.mail.outbox import Delivery, deliver, queue_digests
from staff_admin.mail.smtp import Mailer

AppFactory = Callable[[Settings], Litestar]


def register(commands: argparse._SubParsersAction, create_app: AppFactory) -> None:
    alerts = commands.add_parser(
        "alerts", help="find new alerts and send the mails that wait (run from cron every 5 minutes)"
    )
    alerts.set_defaults(handler=lambda args, settings: run_alerts(settings, create_app))
    digest = commands.add_parser(
        "digest", help="queue and send the daily summary mail of alerts (run from cron once a day)"
    )
    digest.set_defaults(handler=lambda args, settings: run_digest(settings, create_app))


def url_maker(app: Litestar, settings: Settings) -> UrlFor:
    base = settings.base_url.rstrip("/")
    return lambda link: f"{base}{app.route_reverse(link.route, **link.params)}{link.query}"


def _report(delivery: Delivery) -> str:
    return (
        f"mail: {delivery.sent} sent, {delivery.retrying} to try again, {delivery.failed} given up, "
        f"{delivery.cancelled} no longer needed"
    )


def _send(session, settings: Settings, create_app: AppFactory, clock: Clock) -> str:
    if not settings.smtp_url:
        return "mail: off (SMTP_URL is not set): alerts are shown in the app only"
    url_for = url_maker(create_app(settings), settings)
    try:
        return _report(deliver(session, settings, Mailer(settings), url_for, clock))
    except Exception as error:  # e.g. the database went away: the mails wait for the next run
        print(f"rating-portal: sending stopped: {type(error).__name__}: {error}", file=sys.stderr)
        raise


def run_alerts(settings: Settings, create_app: AppFactory, clock: Clock = utc_now) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            new = check(session, settings, clock())
            kinds = ", ".join(f"{k} {sum(a.kind == k for a in new)}" for k in sorted({a.kind for a in new}))
            print(f"alerts: {len(new)} new" + (f" ({kinds})" if kinds else ""))
            print(_send(session, settings, create_app, clock))
    finally:
        engine.dispose()
    return 0


def run_digest(settings: Settings, create_app: AppFactory, clock: Clock = utc_now) -> int:
    if not settings.smtp_url:
        print("digest: mail is off (SMTP_URL is not set); nothing sent")
        return 0
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            print(f"digest: {queue_digests(session, clock())} summary mail(s) queued")
            print(_send(session, settings, create_app, clock))
    finally:
        engine.dispose()
    return 0
