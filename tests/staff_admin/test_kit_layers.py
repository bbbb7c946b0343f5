"""The staff area's rooms import each other one way only (pure, no database):

- shared helpers come from staff_admin.kit, which imports no staff sub-package;
- the foundation (access, auth, audit, models) imports neither the kit nor any sub-package;
- a sub-package imports no sibling's modules, but for the dependencies named in SIBLING_ARROWS;
- no import circle among staff_admin's modules (imports inside functions count: a circle hidden in a
  function still breaks when the modules load in another order);
- every route module imports on its own, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from portal.kernel.settings import REPO_ROOT

PACKAGE = REPO_ROOT / "staff_admin"
FOUNDATION = {f"staff_admin.{name}" for name in ("access", "auth", "audit", "models")}
# (importing sub-package, imported sub-package): domain dependencies, not shared helpers.
SIBLING_ARROWS = {
    ("dashboard", "complaints"),  # the dashboard shows the overdue complaint count
    ("public", "dashboard"),  # the public page shows the dashboard's stored unit results
    ("periods", "jobs"),  # the periods page queues scoring jobs and shows their progress
    ("dashboard", "jobs"),  # the dashboard's "score again", its job's progress and stale figures
    ("audit_bias", "periods"),  # the bias audit page is per scoring period
    ("audit_bias", "dashboard"),  # and names categories with the dashboard's labels
    ("periods", "review"),  # closing a period counts its pending reviews and open appeals
    ("reports", "dashboard"),  # the SKM report reuses the dashboard's elements, kept sums and themes
    ("public", "reports"),  # the public page lists the published SKM reports
    ("alerts", "review"),  # a new detector incident is an alert
    ("mail", "alerts"),  # the outbox writes the alerts' mails to their recipients
    ("periods", "recognition"),  # closing keeps the officer items; the export carries the signals and IKI
    ("recognition", "periods"),  # recognition, development and evidence come from closed periods
    ("recognition", "dashboard"),  # and names the SKP categories with the dashboard's labels
    ("recognition", "targets"),  # the IKI against the officer's target, the unit's IKM against its own
    ("review", "recognition"),  # the officer's own page explains their closed periods in plain words
    ("dashboard", "targets"),  # the dashboard shows the IKM against the unit's annual target
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: str) -> set[str]:
    """The staff_admin modules (or packages) `module` imports, anywhere in its code."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from staff_admin.review import appeals` imports the module staff_admin.review.appeals
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name if name in MODULES else node.module for name in names]
        else:
            continue
        found |= {name for name in names if name in MODULES and name != "staff_admin"}
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _sub_package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and MODULES[module].name == "__init__.py") else None


def test_it_finds_the_staff_modules_and_their_imports() -> None:
    assert "staff_admin.kit.pages" in GRAPH["staff_admin.masterdata.routes"]
    assert "staff_admin.masterdata.roster_routes" in GRAPH["staff_admin.masterdata.routes"]
    assert _sub_package("staff_admin.kit.upload") == "kit"
    assert _sub_package("staff_admin.access") is None


def test_the_kit_imports_no_staff_sub_package() -> None:
    wrong = {
        (module, imported)
        for module, imports in GRAPH.items()
        if _sub_package(module) == "kit"
        for imported in imports
        if _sub_package(imported) not in (None, "kit")
    }
    assert wrong == set()


def test_the_foundation_imports_no_kit_and_no_sub_package() -> None:
    wrong = {
        (module, imported) for module in FOUNDATION for imported in GRAPH[module] if _sub_package(imported)
    }
    assert wrong == set()


def test_no_sub_package_reaches_into_a_sibling() -> None:
    arrows = {
        (_sub_package(module), _sub_package(imported)): (module, imported)
        for module, imports in GRAPH.items()
        for imported in imports
        if _sub_package(module) and _sub_package(imported) not in (None, "kit", _sub_package(module))
    }
    assert set(arrows) - SIBLING_ARROWS == set(), [arrows[a] for a in set(arrows) - SIBLING_ARROWS]


def _circles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in GRAPH[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_among_staff_modules() -> None:
    assert _circles() == []


# One fresh interpreter loads the libraries, then forks a child per route module that imports it with
# none of our modules loaded yet, as a fresh interpreter would, at a fraction of the cost.
IMPORT_EACH = """
import os, sys, traceback
import jinja2, litestar, msgspec, numpy, sqlalchemy.orm  # libraries only: none of our modules
failed = []
for module in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            __import__(module)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1] != 0:
        failed.append(module)
print("failed:", " ".join(failed))
"""


def test_every_route_module_imports_on_its_own() -> None:
    routes = sorted(module for module in MODULES if module.split(".")[-1].endswith("routes"))
    assert len(routes) >= 10
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, *routes],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip().splitlines()[-1:] == ["failed:"], done.stderr
