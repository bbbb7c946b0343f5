"""`rating-portal report skm --unit CODE --period P --out FILE.pdf [--format html] [--lang id|en]`: a
unit's SKM report (or every unit's: --unit all) as the PDF or the HTML the staff page shows, made
with an administrator's view (the command line already has the database)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from litestar import Litestar
from sqlalchemy import select

from portal.kernel.clock import utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.i18n import gettext as translate
from portal.kernel.models import Unit
from portal.kernel.settings import LANGUAGES, Settings
from staff_admin.access import ADMIN, Principal
from staff_admin.dashboard.results import PeriodProblem, choose_run
from staff_admin.reports.publishing import report_html, report_pdf
from staff_admin.reports.service import ALL_UNITS, build_report

AppFactory = Callable[[Settings], Litestar]
COMMAND_LINE = Principal(0, "rating-portal", "rating-portal", ADMIN, None, None, frozenset())


def register(commands: argparse._SubParsersAction, create_app: AppFactory) -> None:
    report = commands.add_parser("report", help="reports; `report skm`: a unit's SKM report as PDF or HTML")
    kinds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    skm = kinds.add_parser("skm", help="the SKM report (Permen PANRB 14/2017) of a unit and scored period")
    skm.add_argument("--unit", required=True, metavar="CODE", help=f"the unit's code, or {ALL_UNITS!r}")
    skm.add_argument("--period", required=True, help="a scored period: 2026-03, 2026-S1, 2026 ...")
    skm.add_argument("--out", required=True, metavar="FILE", help="the file to write ('-': standard output)")
    skm.add_argument("--format", choices=("pdf", "html"), default="pdf")
    skm.add_argument("--lang", choices=LANGUAGES, help="the report's language (default: DEFAULT_LANGUAGE)")
    skm.set_defaults(handler=lambda args, settings: _skm(args, settings, create_app))


def _skm(args: argparse.Namespace, settings: Settings, create_app: AppFactory) -> int:
    environment = create_app(settings).template_engine.engine  # the app's templates and filters
    language = args.lang or settings.default_language
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            unit_id = None
            if args.unit != ALL_UNITS:
                unit_id = session.scalar(select(Unit.id).where(Unit.code == args.unit))
                if unit_id is None:
                    print(f"rating-portal report skm: no unit has the code {args.unit!r}", file=sys.stderr)
                    return 2
            run = choose_run(session, args.period)
            if isinstance(run, PeriodProblem):
                message = translate("en", run.message) % run.params if run.params else run.message
                print(f"rating-portal report skm: {message}", file=sys.stderr)
                return 2 if run.status == 400 else 1
            report = build_report(session, COMMAND_LINE, run, unit_id, utc_now(), settings.period_timezone)
            if args.format == "html":
                body = report_html(environment, report, language).encode()
            else:
                body = report_pdf(environment, report, language)
    finally:
        engine.dispose()
    if args.out == "-":
        sys.stdout.buffer.write(body)
    else:
        Path(args.out).write_bytes(body)
        name = report.name or ALL_UNITS
        print(f"SKM report of {name}, period {run.label}: {args.out} ({len(body):,} bytes, {args.format})")
    return 0
