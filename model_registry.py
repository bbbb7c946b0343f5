"""Every table of the application, known to `Base.metadata` once this module is imported: it imports
each module that declares tables. Alembic's migrations/env.py and the tests (which empty every table
between tests) use it. A new models module is added here, and tests/test_model_registry.py fails
until it is.

Top level, like app.py, because only the top level may import portal, scoring and staff_admin alike
(portal imports neither of the others; scoring's database shell imports no staff_admin)."""

from __future__ import annotations

from portal.citizen import followup as complaint_models  # complaint cases and contact details
from portal.kernel import models as portal_models
from portal.kernel import rollups as rollup_models  # the staff pages' rollups of the ratings
from portal.kernel.db import Base
from scoring.db import models as scoring_models
from staff_admin import models as staff_models
from staff_admin.alerts import models as alert_models
from staff_admin.jobs import models as job_models
from staff_admin.periods import models as period_models
from staff_admin.reports import models as report_models
from staff_admin.review import models as appeal_models
from staff_admin.targets import models as target_models

MODEL_MODULES = (
    portal_models,
    rollup_models,
    complaint_models,
    scoring_models,
    staff_models,
    period_models,
    appeal_models,
    job_models,
    alert_models,
    report_models,
    target_models,
)
metadata = Base.metadata
