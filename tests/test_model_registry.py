"""The one model registry (model_registry.py, used by migrations/env.py and the test fixtures) knows
every table that any module of portal, scoring or staff_admin declares: a models module left out of
it would be neither emptied between tests nor compared by the migrations."""

from __future__ import annotations

import json
import subprocess
import sys

from portal.kernel.settings import REPO_ROOT

# Run in a fresh interpreter: in the test process every module is imported already.
TABLES_OF = """
import importlib, json, pkgutil, sys
import model_registry
from portal.kernel.db import Base
known = sorted(Base.metadata.tables)
for package in ("portal", "scoring", "staff_admin"):
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
print(json.dumps({"registry": known, "everything": sorted(Base.metadata.tables)}))
"""


def _tables() -> dict[str, list[str]]:
    command = [sys.executable, "-c", TABLES_OF]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_it_registers_every_table_that_any_module_declares() -> None:
    tables = _tables()
    assert tables["registry"] == tables["everything"]
    assert {"ratings", "users", "scoring_runs", "periods", "appeals", "complaint_cases"} <= set(
        tables["registry"]
    )
