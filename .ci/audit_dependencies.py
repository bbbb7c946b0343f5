"""Checks the installed environment against known vulnerabilities with pip-audit (`make audit`).

Exit 1 when any installed distribution has a known vulnerability. The project itself (an editable
install, not on PyPI) is skipped. pip-audit asks PyPI's JSON API per release; when that service
cannot be reached (or answers nothing for every package, as a mirror without the per-release API
does), the audit could not be done: that is reported loudly and fails only with AUDIT_REQUIRED=1,
so a network outage does not block every change. Packages with a fix are named with the version to
move to. `pip-audit --ignore-vuln ID` style exceptions go into IGNORED below, each with a reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Vulnerability ids we have looked at and accept for now, each with the reason. Keep it short.
IGNORED: dict[str, str] = {}


def main() -> int:
    required = os.environ.get("AUDIT_REQUIRED") == "1"
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--skip-editable",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(report_path),
            *(arg for vuln in IGNORED for arg in ("--ignore-vuln", vuln)),
        ]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            return unavailable("pip-audit took longer than 10 minutes", required)
        if not report_path.exists():
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            return unavailable(f"pip-audit failed: {last}", required)
        report = json.loads(report_path.read_text())

    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            name = f"{dependency['name']} {dependency['version']}"
            print(f"VULNERABLE {name}: {vuln['id']} (fixed in: {fixes})")
    if vulnerable:
        print(f"dependency audit: {len(vulnerable)} vulnerable of {audited} audited distributions")
        return 1
    if dependencies and audited == 0:
        why = f"the vulnerability service answered for none of {len(skipped)} distributions"
        return unavailable(why, required)
    for dependency in skipped:
        print(f"not audited: {dependency['name']}: {dependency['skip_reason']}")
    print(f"dependency audit: no known vulnerabilities in {audited}, {len(skipped)} not audited")
    return 0


def unavailable(why: str, required: bool) -> int:
    print(f"WARNING: dependency audit NOT done: {why}.", file=sys.stderr)
    if required:
        return 1
    print("(set AUDIT_REQUIRED=1 to fail when the vulnerability service cannot be reached)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
