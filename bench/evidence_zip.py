"""HR's ZIP of a closed period's evidence sheets (one PDF per officer), streamed from the real server:
milliseconds to the first byte, the whole download, its size, the number of sheets, and the server's
peak memory.

    .venv/bin/python bench/evidence_zip.py --url sqlite:////tmp/city.db

The database is a demo city (`rating-portal demo-data`, `demo-users`, `demo-casework`, which closes
two periods); the latest closed period is downloaded. The server lays the sheets out
SHEETS_PER_LAYOUT at a time (staff_admin/recognition/routes.py) and sends each batch before the next,
so the first byte comes after one batch and the memory does not grow with the number of officers.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import model_registry  # noqa: E402,F401  (every table known)
from bench.staff_pages import PASSWORD, sign_in  # noqa: E402
from portal.kernel.db import make_engine, make_sessionmaker  # noqa: E402
from staff_admin.models import User  # noqa: E402
from staff_admin.periods.models import ScoringPeriod  # noqa: E402
from staff_admin.users import create_user  # noqa: E402
from tests import live_server  # noqa: E402

HR = "bench.hr.0"


def prepare(url: str) -> int:
    """The bench's HR account (once) and the latest closed period's id."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        if db.scalar(select(User.id).where(User.username == HR)) is None:
            create_user(db, datetime.now(UTC), username=HR, role="hr", password=PASSWORD)
            db.commit()
        latest = select(ScoringPeriod.id).where(ScoringPeriod.status == "closed")
        period = db.scalar(latest.order_by(ScoringPeriod.end_date.desc()))
    engine.dispose()
    if period is None:
        raise SystemExit("no closed period: run rating-portal demo-casework first")
    return period


def peak_rss_mib(pids: list[int]) -> float:
    """The highest resident memory any of these processes reached (VmHWM)."""
    peak = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        peak = max([peak] + [int(line.split()[1]) for line in lines if line.startswith("VmHWM:")])
    return peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a demo city's database")
    args = parser.parse_args()
    period = prepare(args.url)
    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as workdir:
        port = live_server.free_port()
        env = live_server.portal_env(args.url, port, Path(workdir), APP_ENV="test")
        command = live_server.portal_command(port, 1)
        with live_server.server(command, env, port, "/health", Path(workdir) / "server.log") as process:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=3600) as client:
                sign_in(client, HR)
                began = time.perf_counter()
                first, pieces = None, []
                with client.stream("GET", f"/admin/evidence/{period}/sheets.zip") as answer:
                    if answer.status_code != 200:
                        raise SystemExit(f"the ZIP answered {answer.status_code}")
                    for piece in answer.iter_bytes():
                        first = first if first is not None else time.perf_counter() - began
                        pieces.append(piece)
                total = time.perf_counter() - began
            memory = peak_rss_mib(live_server.group_members(process.pid))
    content = b"".join(pieces)
    sheets = len(zipfile.ZipFile(io.BytesIO(content)).namelist())
    print(
        f"{sheets} sheets: first byte {1000 * (first or total):.0f} ms, all {total:.1f} s, "
        f"{len(content) / 2**20:.1f} MiB; server peak memory {memory:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
