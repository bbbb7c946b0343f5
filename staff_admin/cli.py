"""Commands of the staff side: create-user, demo-users (first-run admin and demo personas) and
demo-casework (the staff side of the demo: scored periods, complaint cases, an appeal)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from litestar import Litestar

from portal.citizen.service import utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.settings import Settings
from staff_admin.models import ROLES
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


def _demo_casework(_args: argparse.Namespace, settings: Settings) -> int:
    from staff_admin.demo import load_demo_casework  # scoring (numpy) loads for this command only

    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        summary = load_demo_casework(session, settings, utc_now)
    engine.dispose()
    print(summary)
    return 0 if not isinstance(summary, str) else 2
