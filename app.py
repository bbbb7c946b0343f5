"""Composition root: `create_app(settings)` builds the Litestar app; `main()` is the CLI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from portal.citizen import api as portal_api
from portal.citizen import routes as portal_routes
from portal.citizen.hotpath import HotPath
from portal.citizen.kept_pages import CounterPages
from portal.citizen.web import GZIP_LEVEL, NO_COMPRESSION, CitizenPortal, PassEncoded, RenderedPages
from portal.citizen.writer import RatingIntake
from portal.kernel.clock import Clock, utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.errors import error_page
from portal.kernel.hardening import security_headers
from portal.kernel.head import HeadAsGet
from portal.kernel.i18n import install_i18n
from portal.kernel.replica import ReadReplica, reads_provider
from portal.kernel.security import FormSigner
from portal.kernel.settings import REPO_ROOT, Settings, SettingsError
from portal.kernel.web import portal_provider, prepare_request, provide_db
from portal.ops import accesslog, backup, health
from portal.ops import cli as portal_cli
from portal.ops.serving import tune_garbage_collector
from scoring.db import cli as scoring_cli
from staff_admin import api as staff_api
from staff_admin import cli as staff_cli
from staff_admin import retention
from staff_admin import routes as staff_routes
from staff_admin.alerts import routes as alerts_routes
from staff_admin.audit_bias import routes as audit_bias_routes
from staff_admin.audit_log import routes as audit_log_routes
from staff_admin.complaints import cli as complaints_cli
from staff_admin.complaints import routes as complaints_routes
from staff_admin.cookies import STAFF_PATH
from staff_admin.dashboard import routes as dashboard_routes
from staff_admin.jobs import cli as jobs_cli
from staff_admin.jobs import routes as jobs_routes
from staff_admin.mail import cli as mail_cli
from staff_admin.masterdata import routes as masterdata_routes
from staff_admin.periods import routes as periods_routes
from staff_admin.public import routes as public_routes
from staff_admin.recognition import routes as recognition_routes
from staff_admin.reports import cli as reports_cli
from staff_admin.reports import routes as reports_routes
from staff_admin.review import routes as review_routes
from staff_admin.targets import routes as targets_routes

TEMPLATES_DIR = REPO_ROOT / "templates"
STATIC_DIR = REPO_ROOT / "static"
REQUEST_MAX_BODY_BYTES = 256 * 1024


def template_environment(directory: Path = TEMPLATES_DIR) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(directory),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_i18n(environment)
    return environment


def create_app(settings: Settings | None = None, clock: Clock = utc_now) -> Litestar:
    """The one place the app is put together; `litestar run` calls it without arguments."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    signer = FormSigner(
        settings.secret_key, settings.form_max_age_seconds, {"k": settings.kiosk_form_max_age_seconds}
    )
    intake = RatingIntake.for_database(engine, sessions, settings, signer)
    replica = ReadReplica.from_settings(settings, engine)
    portal = CitizenPortal(
        settings=settings,
        clock=clock,
        signer=signer,
        engine=engine,
        sessions=sessions,
        replica=replica,
        intake=intake,
        counter_pages=CounterPages(settings.counter_page_seconds),
        # development renders every page afresh, so template edits show at once
        rendered=None if settings.env == "development" else RenderedPages(),
    )
    app = Litestar(
        route_handlers=[
            health.health,
            portal_routes.CitizenController,
            portal_routes.TicketController,
            portal_routes.KioskController,
            portal_api.TicketApiController,
            staff_api.ResultsApiController,
            staff_routes.StaffController,
            staff_routes.PasswordController,
            staff_routes.AccountController,
            dashboard_routes.DashboardController,
            dashboard_routes.RatingsController,
            reports_routes.ReportsController,
            public_routes.PublicResultsController,
            *masterdata_routes.CONTROLLERS,
            periods_routes.PeriodsController,
            audit_bias_routes.BiasAuditController,
            periods_routes.HrImportController,
            jobs_routes.ScoringJobsController,
            review_routes.ReviewController,
            review_routes.OfficerController,
            review_routes.AppealsController,
            complaints_routes.ComplaintsController,
            alerts_routes.AlertsController,
            audit_log_routes.AuditLogController,
            targets_routes.TargetsController,
            recognition_routes.RecognitionController,
            recognition_routes.EvidenceController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        dependencies={
            "db": Provide(provide_db),
            "reads": Provide(reads_provider()),  # the staff area's own knows the user's last write
            "portal": Provide(portal_provider(portal), sync_to_thread=False),
        },
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(template_environment()),
        ),
        before_request=prepare_request,
        before_send=[security_headers(settings)],
        exception_handlers={Exception: portal_api.for_api_paths(error_page)},
        # Citizens on slow mobile networks get a third of the bytes. Staff pages are left alone: they
        # carry CSRF tokens next to reflected input, the combination compression attacks (BREACH) need.
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=1024,
            gzip_compress_level=GZIP_LEVEL,
            exclude=[f"^{STAFF_PATH}"],
            exclude_opt_key=NO_COMPRESSION,
            middleware_class=PassEncoded,
        ),
        openapi_config=portal_api.openapi_config(),
        include_in_schema=False,  # only the /api controllers opt in
        state=State({"portal": portal}),
        # Production workers only: tests and development keep the interpreter's defaults.
        on_startup=[tune_garbage_collector] if settings.is_production else [],
        on_shutdown=[intake.close, engine.dispose, *([replica.dispose] if replica else [])],
        debug=False,
        logging_config=None,  # every log line is JSON, written by portal.ops.accesslog
        # Every form is small; the two file uploads and their apply steps set their own, larger limit.
        request_max_body_size=REQUEST_MAX_BODY_BYTES,
    )
    # HEAD goes past the hot path (GET and POST only) to the app, as a GET without a body.
    handler = HeadAsGet(app.asgi_handler)
    if settings.hot_path:
        handler = HotPath(handler, app, portal, REQUEST_MAX_BODY_BYTES)
    app.asgi_handler = handler
    return accesslog.install(app, settings.access_log)


def main(argv: list[str] | None = None) -> int:
    """`rating-portal`: every package adds its commands; handlers get the app factory."""
    parser = argparse.ArgumentParser(prog="rating-portal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    portal_cli.register(commands, create_app)
    scoring_cli.register(commands, create_app)
    staff_cli.register(commands, create_app)
    complaints_cli.register(commands, create_app)
    retention.register(commands, create_app)
    jobs_cli.register(commands, create_app)
    reports_cli.register(commands, create_app)
    backup.register(commands, create_app)
    mail_cli.register(commands, create_app)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        parser.exit(2, f"rating-portal: configuration error: {error}\n")
    return args.handler(args, settings) or 0


if __name__ == "__main__":
    sys.exit(main())
