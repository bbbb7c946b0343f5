"""Commands of the staff side: create-user, demo-users (first-run admin and demo personas), reset-link
(a password reset link for a user who forgot, when no admin can sign in to issue one) and
demo-casework (the staff side of the demo: scored periods, complaint cases, an appeal)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from litestar import Litestar

from portal.kernel.clock import utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.settings import Settings
from staff_admin.models import ROLES
from staff_admin.passwords import issue_reset_link_for_username
from staff_admin.users import UserError, create_user, ensure_demo_personas

AppFactory = Callable[[Settings], Litestar]


def register(commands: argparse._SubParsersAction, create_app: AppFactory) -> None:
    create = commands.add_parser(
        "create-user",
        help="create a staff account (password from --password-stdin or a prompt, never the command line)",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--unit", metavar="CODE", help="the unit a unit head leads (its sub-units included)")
    create.add_argument("--nip", help="an officer's employee NIP")
    create.add_argument("--display-name")
    create.add_argument("--email", help="where alerts and password reset links are sent (optional)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(handler=_create_user)

    demo = commands.add_parser(
        "demo-users", help="first-run admin plus demo HR, unit head and officer accounts; prints new logins"
    )
    demo.set_defaults(handler=_demo_users)
    casework = commands.add_parser(
        "demo-casework",
        help="after demo-data and demo-users: recent months scored, complaint cases and an appeal",
    )
    casework.set_defaults(handler=_demo_casework)

    reset = commands.add_parser(
        "reset-link",
        help="print a password reset link for a staff account (works once, for 30 minutes; replaces "
        "older links)",
    )
    reset.add_argument("--username", required=True)
    reset.set_defaults(handler=lambda args, settings: _reset_link(args, settings, create_app))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise UserError("the passwords do not match")
    return password


def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        password = _read_password(args.password_stdin)
        with make_sessionmaker(engine)() as session:
            user = create_user(
                session,
                datetime.now(UTC),
                username=args.username,
                role=args.role,
                password=password,
                display_name=args.display_name,
                unit_code=args.unit,
                nip=args.nip,
                email=args.email,
            )
            session.commit()
            print(f"created {user.role} {user.username!r} ({user.display_name})")
    except UserError as error:
        print(f"rating-portal create-user: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def _demo_users(_args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        logins = ensure_demo_personas(session, datetime.now(UTC))
    engine.dispose()
    print(f"\n  Staff area: {settings.base_url}/admin/login")
    for login in logins:
        password = login.password or "(unchanged; created on an earlier run)"
        note = f"  [{login.note}]" if login.note else ""
        print(f"    {login.role:<10} {login.username:<16} password: {password}{note}")
    if any(login.password for login in logins):
        print("  New passwords are shown only once; keep them now.")
    return 0


def _reset_link(args: argparse.Namespace, settings: Settings, create_app: AppFactory) -> int:
    app = create_app(settings)  # only to turn the route's name into its path
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            link = issue_reset_link_for_username(session, settings, args.username, datetime.now(UTC))
    except UserError as error:
        print(f"rating-portal reset-link: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    path = app.route_reverse("staff:password_reset", token=link.token)
    print(f"Password reset link for {link.username!r} ({link.display_name}), shown only now:")
    print(f"  {settings.base_url.rstrip('/')}{path}")
    until = link.expires_at.astimezone(ZoneInfo(settings.period_timezone))
    print(f"It works once, until {until:%Y-%m-%d %H:%M %z}; setting the password ends the user's sessions.")
    return 0


def _demo_casework(_args: argparse.Namespace, settings: Settings) -> int:
    from staff_admin.demo import load_demo_casework  # scoring (numpy) loads for this command only

    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        summary = load_demo_casework(session, settings, utc_now)
    engine.dispose()
    print(summary)
    return 0 if not isinstance(summary, str) else 2
