"""Commands of the citizen side: db, demo-data, serve, qr-posters, kiosk, api-key."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen import proofs, qr
from portal.kernel import rollups
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.models import Counter, Unit
from portal.kernel.settings import REPO_ROOT, Settings
from portal.ops import accesslog, migrate
from portal.ops.demo import load_demo_data
from portal.ops.demo_scale import load_scaled_demo

AppFactory = Callable[[Settings], Litestar]

POSTER_CSS = REPO_ROOT / "static" / "css" / "poster.css"


def register(commands: argparse._SubParsersAction, create_app: AppFactory) -> None:
    db = commands.add_parser("db", help="database schema migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(handler=_db_upgrade)
    down = db_commands.add_parser("downgrade", help="step the schema back")
    down.add_argument("revision", nargs="?", default="-1")
    down.set_defaults(handler=_db_downgrade)

    demo = commands.add_parser("demo-data", help="load demo units, staff, rosters and six months of ratings")
    demo.add_argument(
        "--ratings",
        type=int,
        metavar="N",
        help="the demo city at size: N ratings over twelve months (e.g. 1000000)",
    )
    demo.set_defaults(handler=_demo_data)

    rollup = commands.add_parser("rollups", help="bring the staff pages' rollups up to date (or --rebuild)")
    rollup.add_argument("--rebuild", action="store_true", help="rebuild every day")
    rollup.set_defaults(handler=_rollups)

    serve = commands.add_parser("serve", help="serve the app with uvicorn (HOST, PORT)")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    serve.set_defaults(handler=_serve)

    kiosk = commands.add_parser("kiosk", help="counter screens showing a rotating QR code")
    kiosk_commands = kiosk.add_subparsers(dest="kiosk_command", required=True)
    register_kiosk = kiosk_commands.add_parser("register", help="register a screen; prints its URL once")
    register_kiosk.add_argument("--counter", type=int, required=True, metavar="ID", help="counter id")
    register_kiosk.add_argument("--name", required=True, help="e.g. 'Tablet loket 2'")
    register_kiosk.set_defaults(handler=_kiosk_register)
    revoke_kiosk = kiosk_commands.add_parser("revoke", help="stop a screen at once")
    revoke_kiosk.add_argument("device_id", type=int)
    revoke_kiosk.set_defaults(handler=_kiosk_revoke)
    kiosk_commands.add_parser("list", help="registered screens").set_defaults(handler=_kiosk_list)

    api_key = commands.add_parser("api-key", help="API keys of queue machines and service applications")
    key_commands = api_key.add_subparsers(dest="api_key_command", required=True)
    create_key = key_commands.add_parser("create", help="create a key for one unit; prints the secret once")
    create_key.add_argument("--unit", required=True, metavar="CODE", help="the unit's code")
    create_key.add_argument("--name", required=True, help="e.g. 'Mesin antrean lantai 1'")
    create_key.set_defaults(handler=_api_key_create)
    revoke_key = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke_key.add_argument("key_id", type=int)
    revoke_key.set_defaults(handler=_api_key_revoke)
    key_commands.add_parser("list", help="keys (prefixes only, never secrets)").set_defaults(
        handler=_api_key_list
    )

    posters = commands.add_parser("qr-posters", help="write a printable poster and QR images per counter")
    posters.add_argument("--out", type=Path, required=True, help="directory to write into")
    posters.set_defaults(handler=lambda args, settings: _qr_posters(args, settings, create_app))


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    migrate.upgrade(settings.database_url)
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    migrate.downgrade(settings.database_url, args.revision)
    return 0


def _demo_data(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        if args.ratings is None:
            summary = load_demo_data(session, settings)
        else:
            summary = load_scaled_demo(session, settings, max(0, args.ratings))
    engine.dispose()
    print(summary)
    return 0


def _rollups(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        days = rollups.refresh(session, settings.period_timezone, full=args.rebuild)
        session.commit()
    engine.dispose()
    print(f"rollups: {days} days recomputed")
    return 0


def _first_counter_token(settings: Settings) -> str | None:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        token = session.scalar(
            select(Counter.public_token).where(Counter.active.is_(True)).order_by(Counter.id)
        )
    engine.dispose()
    return token


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from portal.ops.serving import EVENT_LOOP, HTTP_PROTOCOL

    token = _first_counter_token(settings)
    print(f"\n  Rating portal on http://{settings.host}:{settings.port}")
    if token:
        print(f"  Try a citizen rating:  {settings.base_url}/r/{token}")
        print(f"  Its printable poster:  {settings.base_url}/r/{token}/poster\n")
    uvicorn.run(
        "app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        http=HTTP_PROTOCOL,
        loop=EVENT_LOOP,
        access_log=False,  # access logs would hold client addresses; we keep none
        log_config=str(accesslog.UVICORN_LOG_CONFIG),  # its own lines as JSON, like the app's
        proxy_headers=False,
    )
    return 0


def _qr_posters(args: argparse.Namespace, settings: Settings, create_app: AppFactory) -> int:
    app = create_app(settings)
    environment = app.template_engine.engine  # type: ignore[union-attr]
    template = environment.get_template("portal/poster.html")
    engine = make_engine(settings.database_url)
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    with make_sessionmaker(engine)() as session:
        rows = session.execute(
            select(Counter, Unit).join(Unit, Unit.id == Counter.unit_id).where(Counter.active.is_(True))
        ).all()
        for counter, unit in rows:
            url = qr.rating_url(
                settings.base_url, app.route_reverse("portal:rate", token=counter.public_token)
            )
            stem = f"{unit.code}-counter-{counter.id}"
            page = {"unit_name": unit.name, "counter_name": counter.name}
            html = template.render(
                lang="id", page=page, rating_url=url, qr_svg=qr.qr_svg_inline(url), stylesheet=POSTER_CSS.name
            )
            (args.out / f"{stem}.html").write_text(html, encoding="utf-8")
            (args.out / f"{stem}.png").write_bytes(qr.qr_png(url))
            (args.out / f"{stem}.svg").write_bytes(qr.qr_svg(url))
            written += 1
    engine.dispose()
    (args.out / POSTER_CSS.name).write_bytes(POSTER_CSS.read_bytes())  # the posters link it
    print(f"wrote {written} posters to {args.out}")
    return 0


def _with_session(settings: Settings, work: Callable[[Session], int]) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return work(session)
    except (proofs.NotFound, proofs.Invalid) as error:
        print(f"rating-portal: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _kiosk_register(args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session) -> int:
        kiosk = proofs.register_kiosk(session, settings, datetime.now(UTC), args.counter, args.name)
        print(f"registered kiosk {kiosk.device_id} for counter {args.counter}")
        print("open this address on the screen (shown once; keep it private):")
        print(f"  {settings.base_url}{kiosk.path}")
        return 0

    return _with_session(settings, work)


def _kiosk_revoke(args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session) -> int:
        changed = proofs.revoke_kiosk(session, datetime.now(UTC), args.device_id)
        print(f"kiosk {args.device_id} {'revoked' if changed else 'was already revoked'}")
        return 0

    return _with_session(settings, work)


def _kiosk_list(_args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session) -> int:
        for device in proofs.list_kiosks(session):
            state = f"revoked {device.revoked_at:%Y-%m-%d}" if device.revoked_at else "active"
            seen = f"{device.last_seen_at:%Y-%m-%d %H:%M}Z" if device.last_seen_at else "never"
            print(f"{device.id}\tcounter {device.counter_id}\t{device.name}\t{state}\tlast seen {seen}")
        return 0

    return _with_session(settings, work)


def _api_key_create(args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session) -> int:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == args.unit))
        if unit_id is None:
            raise proofs.NotFound(f"no unit with code {args.unit!r}")
        key = proofs.create_api_key(session, settings, datetime.now(UTC), unit_id, args.name)
        print(f"created API key {key.key_id} (prefix {key.prefix}) for unit {args.unit}")
        print("the secret, shown once (send it as `Authorization: Bearer ...`):")
        print(f"  {key.secret}")
        return 0

    return _with_session(settings, work)


def _api_key_revoke(args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session) -> int:
        changed = proofs.revoke_api_key(session, datetime.now(UTC), args.key_id)
        print(f"API key {args.key_id} {'revoked' if changed else 'was already revoked'}")
        return 0

    return _with_session(settings, work)


def _api_key_list(_args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session) -> int:
        for key in proofs.list_api_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(f"{key.id}\tunit {key.unit_id}\trpk_{key.prefix}_...\t{key.name}\t{state}")
        return 0

    return _with_session(settings, work)
