"""`rating-portal worker`: runs the scoring jobs queued from the staff pages (`make run` starts one
beside the server). Any number of workers may run, on one host or several; each job runs once."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable

from litestar import Litestar

from portal.kernel.clock import utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.settings import Settings
from staff_admin.jobs.worker import Worker, WorkerStopped

AppFactory = Callable[[Settings], Litestar]


def register(commands: argparse._SubParsersAction, _create_app: AppFactory) -> None:
    worker = commands.add_parser("worker", help="run the scoring jobs queued from the staff pages")
    worker.add_argument("--once", action="store_true", help="run every job waiting now, then exit")
    worker.add_argument(
        "--poll-seconds", type=float, default=5.0, metavar="S", help="how often to look for a job when idle"
    )
    worker.set_defaults(handler=_worker)


def _log(line: str) -> None:
    print(f"rating-portal worker: {line}", flush=True)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    worker = Worker(engine, make_sessionmaker(engine), settings, utc_now, log=_log)
    previous = signal.signal(signal.SIGTERM, worker.stop_now)
    outcomes: dict[str, int] = {}
    try:
        if not args.once:
            _log(f"waiting for scoring jobs (every {args.poll_seconds:g} s); Ctrl-C stops")
        outcomes = worker.run(once=args.once, poll_seconds=args.poll_seconds)
    except (WorkerStopped, KeyboardInterrupt):
        _log("stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.dispose()
    if args.once:
        ran = ", ".join(f"{n} {state}" for state, n in sorted(outcomes.items())) or "no job waiting"
        _log(ran)
        if outcomes.get("failed"):
            print("rating-portal worker: a job failed (its error is on the periods page)", file=sys.stderr)
            return 1
    return 0
