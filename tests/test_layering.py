"""The arrows between the packages (docs/architecture.md) point one way.

Each check imports a package's modules in a fresh interpreter, which records who imported what, and
fails naming the module that reached across: the scoring core must run without the web framework,
the ORM or the portal; the portal must run without the staff area and scoring. Nothing but the
tests and benchmarks imports the composition root, `app`.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from portal.kernel.settings import REPO_ROOT

# Runs in the child: a meta path finder that notes, for the first import from each forbidden package,
# the nearest module of ours on the stack that asked for it, then lets the import go on as usual.
_PROBE = """
import importlib, json, pkgutil, sys

packages, forbidden = {packages!r}, {forbidden!r}
ours = ("app", "portal", "scoring", "staff_admin")
seen = {{}}

def matching(name, prefixes):
    return next((p for p in prefixes if name == p or name.startswith(p + ".")), None)

def top_match(name, prefixes):
    return matching(name, prefixes) is not None

class Watch:
    def find_spec(self, name, path=None, target=None):
        prefix = matching(name, forbidden)
        if prefix is not None and prefix not in seen:
            frame = sys._getframe(1)
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if top_match(module, ours) and not top_match(module, forbidden):
                    seen[prefix] = module
                    break
                frame = frame.f_back
            else:
                seen[prefix] = "?"
        return None

sys.meta_path.insert(0, Watch())
for package in packages:
    root = importlib.import_module(package)
    names = [info.name for info in pkgutil.iter_modules(root.__path__, package + ".")]
    for name in names:
        if not top_match(name, forbidden):
            importlib.import_module(name)
    if package != "scoring":  # the scoring core is its top level only; its shells are checked apart
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            importlib.import_module(info.name)
loaded = sorted({{matching(n, forbidden) for n in sys.modules}} - {{None}})
print(json.dumps({{"loaded": loaded, "by": seen}}))
"""


def imports_across(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, str]:
    """Forbidden packages loaded by importing every module of `packages`: {package: importer}."""
    path = os.pathsep.join(filter(None, (str(REPO_ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path}
    probe = _PROBE.format(packages=packages, forbidden=forbidden)
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    return {name: report["by"].get(name, "?") for name in report["loaded"]}


def test_it_keeps_the_scoring_core_free_of_the_web_framework_the_orm_and_our_other_packages() -> None:
    crossed = imports_across(
        ("scoring",),
        (
            "litestar",
            "sqlalchemy",
            "alembic",
            "jinja2",
            "uvicorn",
            "portal",
            "staff_admin",
            "app",
            "scoring.db",
            "scoring.sim",
        ),
    )
    assert crossed == {}, f"the scoring core imports {crossed} (package: importer)"


def test_it_keeps_the_simulator_on_the_scoring_core_alone() -> None:
    crossed = imports_across(
        ("scoring.sim",), ("litestar", "sqlalchemy", "jinja2", "portal", "staff_admin", "app", "scoring.db")
    )
    assert crossed == {}, f"the simulator imports {crossed} (package: importer)"


def test_it_keeps_the_scoring_database_shell_off_the_staff_area() -> None:
    crossed = imports_across(("scoring.db",), ("staff_admin", "app"))
    assert crossed == {}, f"the scoring database shell imports {crossed} (package: importer)"


def test_it_keeps_the_portal_free_of_the_staff_area_and_scoring() -> None:
    crossed = imports_across(("portal",), ("staff_admin", "scoring", "app"))
    assert crossed == {}, f"the portal imports {crossed} (package: importer)"


def test_it_leaves_the_composition_root_to_itself() -> None:
    importers = [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
        for package in ("portal", "scoring", "staff_admin", "migrations")
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.ImportFrom) and node.level == 0 and _is_app(node.module or ""))
        or (isinstance(node, ast.Import) and any(_is_app(alias.name) for alias in node.names))
    ]
    assert importers == [], f"only app.py puts the packages together; these import it: {importers}"


def _is_app(module: str) -> bool:
    return module == "app" or module.startswith("app.")
