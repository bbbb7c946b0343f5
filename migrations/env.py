from __future__ import annotations

from alembic import context

from portal.citizen import followup as _followup_models  # noqa: F401  (complaint cases, contact details)
from portal.kernel.db import Base, make_engine
from portal.kernel.models import UTCDateTime
from portal.kernel.settings import Settings
from scoring.db import models as _scoring_models  # noqa: F401  (registers the scoring tables)
from staff_admin import models as _staff_models  # noqa: F401  (registers the staff tables)
from staff_admin.jobs import models as _job_models  # noqa: F401  (scoring jobs)
from staff_admin.periods import models as _period_models  # noqa: F401  (registers the periods table)
from staff_admin.review import models as _review_models  # noqa: F401  (appeals)

config = context.config


def _url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_, obj, autogen_context):
    # Migrations must not import model code: our UTC type is a plain DateTime in the schema.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection) -> None:
    context.configure(
        render_item=_render_item,
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
