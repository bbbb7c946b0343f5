"""Load benchmark of the citizen flow: GET a counter's form, POST a rating (docs/performance.md).

    python bench/submit_load.py [--duration 10] [--backends sqlite,postgresql] [--workers 1,2]

Per backend and worker count: a fresh database (a SQLite file, or a PostgreSQL database created on
BENCH_POSTGRES_URL and dropped after), migrated, with three counters and an officer on duty at each;
the app served by uvicorn on loopback as `rating-portal serve` serves it. Then:
  saturated  wrk (bench/wrk/citizen.lua, one thread so the server keeps most of the CPU) runs citizens
             as fast as they are answered; pairs/s is compared with a bare Litestar endpoint
             (bench/bare_app.py) served and loaded the same way;
  phones     form GETs as a phone's first scan sends them (gzip asked for, no cookie yet), for half
             the time (citizen.lua cannot read a compressed form, so the saturated run asks for none);
  steady     an open-loop generator (asyncio, raw HTTP/1.1, a new connection per citizen) starts
             citizens at a fixed rate whatever the answers do; latency counts from the scheduled
             start, so a slow server cannot hide its queue (no coordinated omission).
Ratings stored are counted in the database and compared with the 303 answers. The machine is shared:
each run waits for it to be idle and reports the CPU other processes used meanwhile. Needs `wrk`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.live_server import (  # noqa: E402
    SECRET,
    count_ratings,
    free_port,
    fresh_database,
    seed,
    server,
    steady,
    uvicorn,
)

TICK = os.sysconf("SC_CLK_TCK")
PHONE = ("Accept-Encoding: gzip, deflate, br", "Accept-Language: id-ID,id;q=0.9")


# --- the machine -----------------------------------------------------------------------------------


def _cpu_seconds(stat: Path) -> tuple[int, float]:
    """A process's (or thread's) process group and CPU seconds from its stat file."""
    after = stat.read_text().rsplit(")", 1)[1].split()
    return int(after[2]), (int(after[11]) + int(after[12])) / TICK


def cpu(server_pid: int | None = None) -> dict[str, float]:
    """CPU seconds so far: the whole machine (busy), the server's process group and its processes'
    main threads (the event loops; the rest is the rating intake's writer and worker threads), our
    children, us."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    usage = {"busy": (sum(fields[:8]) - fields[3] - fields[4] - fields[7]) / TICK, "server": 0.0, "loop": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            group, seconds = _cpu_seconds(stat)
            if server_pid and group == server_pid:
                usage["server"] += seconds
                usage["loop"] += _cpu_seconds(stat.parent / "task" / stat.parent.name / "stat")[1]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage | {"load": children.ru_utime + children.ru_stime, "self": time.process_time()}


def others(before: dict[str, float], after: dict[str, float], seconds: float) -> float:
    """Cores used by processes that are not part of this benchmark."""
    ours = sum(after[k] - before[k] for k in ("server", "load", "self"))
    return max(0.0, (after["busy"] - before["busy"] - ours) / seconds)


def wait_until_idle(limit: float, patience: float) -> float:
    """Waits (up to `patience` s) until other processes use under `limit` cores; returns what they use."""
    deadline = time.monotonic() + patience
    while True:
        before = cpu()
        time.sleep(1)
        busy = others(before, cpu(), 1)
        if busy < limit or time.monotonic() > deadline:
            return busy


# --- servers and databases -------------------------------------------------------------------------


# --- load generators -------------------------------------------------------------------------------


def run_wrk(
    args: argparse.Namespace,
    port: int,
    script: str,
    seconds: int,
    extra: list[str],
    path: str = "/",
    headers: tuple[str, ...] = (),
) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "5s"]
    command += [arg for header in headers for arg in ("-H", header)]
    command += ["-s", str(REPO / "bench" / "wrk" / script), f"http://127.0.0.1:{port}{path}", "--", *extra]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((x for x in output.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    result = json.loads(line.removeprefix("WRK_JSON "))
    result |= {"p50_ms": result["p50_us"] / 1e3, "p99_ms": result["p99_us"] / 1e3}
    errors = result.pop("errors")  # "status" (answers >= 400) is counted per status by citizen.lua
    result["socket_errors"] = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    result["status_errors"] = errors["status"]
    return result


def saturate(args: argparse.Namespace, port: int, tokens: list[str], seconds: int) -> dict:
    """Citizens as fast as they are answered; POSTs stop at stop_at, then 2 s of form GETs drain."""
    stop_at = math.ceil(time.time()) + seconds
    started = time.time()
    extra = [str(stop_at), str(args.networks), *tokens]
    result = run_wrk(args, port, "citizen.lua", stop_at - int(started) + 2, extra)
    result["window_s"] = stop_at - started
    result["pairs_per_s"] = result["see_other_in_window"] / result["window_s"]
    unexpected = sum(n for status, n in result["statuses"].items() if status not in {"200", "303"})
    result["unanswered_posts"] = max(0, result["posts"] - result["see_other"] - unexpected)  # stalled
    result["errors"] = unexpected + result["other_200"] + result["bad_form"] + result["socket_errors"]
    result["errors"] += result["unanswered_posts"]
    return result


# --- one configuration ----------------------------------------------------------------------------


def measured(proc: subprocess.Popen, run, *run_args) -> dict:
    """Runs a load once the machine is idle; adds server CPU per request/pair and others' CPU."""
    idle_before = wait_until_idle(0.15, 120)
    before, wall = cpu(proc.pid), time.monotonic()
    result = run(*run_args)
    after, wall = cpu(proc.pid), time.monotonic() - wall
    result |= {"idle_before_cores": idle_before, "others_cores": others(before, after, wall)}
    result["server_cores"] = (after["server"] - before["server"]) / wall
    result["loop_cpu_s"] = after["loop"] - before["loop"]
    result["server_cpu_s"], result["load_cpu_s"] = (
        after["server"] - before["server"],
        after["load"] - before["load"],
    )
    return result


def bare(args: argparse.Namespace, workers: int, workdir: Path) -> dict:
    port = free_port()
    command = uvicorn("bench.bare_app:app", port, workers)
    with server(command, dict(os.environ), port, "/", workdir / f"bare-{workers}.log") as proc:
        run_wrk(args, port, "constant.lua", 2, [])  # warm-up
        result = measured(proc, run_wrk, args, port, "constant.lua", args.duration, [])
    result["requests_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["socket_errors"] + result["status_errors"]
    result["server_ms_per_request"] = result["server_cpu_s"] * 1000 / result["requests"]
    return result


def portal(args: argparse.Namespace, backend: str, workers: int, workdir: Path) -> dict:
    with fresh_database(backend, workdir, args.pg_url) as url:
        port = free_port()
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, APP_ENV="production", PORT=str(port))
        env |= {
            "VAR_DIR": str(workdir),
            "BASE_URL": f"http://127.0.0.1:{port}",
            "DEVICE_THROTTLE_SECONDS": "0",
        }
        env |= {"SUBMIT_FLOOD_LIMIT_PER_MINUTE": "100000000"}  # many citizens per network
        if args.networks:  # rating POSTs name their network in X-Forwarded-For (bench/wrk/citizen.lua)
            env["TRUSTED_PROXIES"] = "127.0.0.1"
        migrate = [sys.executable, "-m", "app", "db", "upgrade"]
        subprocess.run(migrate, cwd=REPO, env=env, check=True, capture_output=True)
        tokens = seed(url)
        log = workdir / "server.log"
        with server(
            [*uvicorn(args.app, port, workers), "--factory"], env, port, f"/r/{tokens[0]}", log
        ) as proc:
            saturate(args, port, tokens, 2)  # warm-up: every worker renders and stores
            before, _ = count_ratings(url)
            sat = measured(proc, saturate, args, port, tokens, args.duration)
            after, _ = count_ratings(url)
            sat["stored"] = after - before
            sat["server_ms_per_pair"] = sat["server_cpu_s"] * 1000 / max(1, sat["see_other"])
            sat["loop_ms_per_pair"] = sat["loop_cpu_s"] * 1000 / max(1, sat["see_other"])
            # A phone's first scan as phones send it (gzip asked for, no cookie yet); citizen.lua
            # cannot read a compressed form, so the pairs above ask for none.
            scan = (args, port, "constant.lua", max(1, args.duration // 2), [], f"/r/{tokens[0]}", PHONE)
            phones = measured(proc, run_wrk, *scan)
            phones["requests_per_s"] = phones["requests"] / (phones["duration_us"] / 1e6)
            phones["errors"] = phones["socket_errors"] + phones["status_errors"]
            std = measured(proc, lambda: asyncio.run(steady(port, tokens, args.rate, args.duration)))
            total, attributed = count_ratings(url)
            std["stored"] = total - after
        tracebacks = log.read_text(errors="replace").count("Traceback")
        if tracebacks:  # keep the log for a post-mortem
            shutil.copy(log, REPO / "bench" / "out" / f"server-{backend}-{workers}.log")
    return {
        "saturated": sat,
        "phones": phones,
        "steady": std,
        "total": total,
        "attributed": attributed,
        "tracebacks": tracebacks,
    }


# --- report ---------------------------------------------------------------------------------------


def table(title: str, columns: str, rows: list[list]) -> None:
    """Columns as "header:width:format ..." (format applies to numbers; None prints as -)."""
    spec = [c.split(":") for c in columns.split()]
    print(f"\n{title}\n" + "".join(f"{h.replace('_', ' '):>{w}}" for h, w, _ in spec))
    for row in rows:
        print(
            "".join(
                f"{'-' if v is None else format(v, f) if f else v:>{w}}"
                for v, (_, w, f) in zip(row, spec, strict=True)
            )
        )


def report(results: dict, args: argparse.Namespace) -> bool:
    load = f"wrk -t{args.threads} -c{args.connections}, {args.duration} s"
    keys = ("requests_per_s", "p50_ms", "p99_ms", "errors", "server_ms_per_request", "others_cores")
    rows = [[w, *(r[k] for k in keys)] for w, r in results["bare"].items()]
    columns = "workers:8: req/s:8:.0f p50_ms:8:.1f p99_ms:8:.1f errors:8: srv_ms/req:11:.2f others:8:.2f"
    table(f"Bare endpoint: {load}", columns, rows)
    ok, rows = True, []
    for name, run in results["portal"].items():
        backend, workers = name.split("/")
        sat = run["saturated"]
        ceiling = results["bare"][workers]
        run["ratio"] = sat["pairs_per_s"] / ceiling["requests_per_s"]
        # What the ratio would be if the server had the CPU to itself (robust on a shared machine).
        run["cpu_ratio"] = ceiling["server_ms_per_request"] / sat["server_ms_per_pair"]
        run["lost"] = max(0, sat["see_other"] - sat["stored"])
        keys = ("p50_ms", "p99_ms", "errors", "see_other", "stored")
        row = [backend, workers, sat["pairs_per_s"], run["ratio"], *(sat[k] for k in keys), run["lost"]]
        cpu = (sat["server_ms_per_pair"], sat["loop_ms_per_pair"], run["cpu_ratio"], sat["others_cores"])
        rows.append([*row, *cpu])
        ok &= run["ratio"] >= 0.1 and sat["errors"] == 0 and sat["stored"] == sat["see_other"]
    columns = "backend:11: workers:8: pairs/s:8:.0f ratio:7:.3f p50_ms:8:.1f p99_ms:8:.1f errors:7: 303s:7: "
    columns += "stored:7: lost:5: srv_ms/pair:12:.2f loop:6:.2f cpu_ratio:10:.3f others:7:.2f"
    table(
        f"Saturated citizens: {load}; pair = form GET + rating POST answered 303; p50/p99 of both",
        columns,
        rows,
    )
    rows = [
        [*name.split("/"), *(run["phones"][k] for k in ("requests_per_s", "p50_ms", "p99_ms", "errors"))]
        for name, run in results["portal"].items()
    ]
    columns = "backend:11: workers:8: req/s:8:.0f p50_ms:8:.1f p99_ms:8:.1f errors:7:"
    table(f"A phone's first scan (form GET, {PHONE[0]}, no cookie): {load}", columns, rows)
    ok &= all(run["phones"]["errors"] == 0 for run in results["portal"].values())
    rows = []
    for name, run in results["portal"].items():
        std, errors = run["steady"], sum(run["steady"]["errors"].values())
        latency = (std[k] for k in ("get_p50_ms", "get_p99_ms", "post_p50_ms", "post_p99_ms"))
        counts = (std[k] for k in ("see_other", "stored", "max_lag_ms", "others_cores"))
        rows.append([*name.split("/"), *latency, errors, *counts])
        p99 = max(std["get_p99_ms"] or math.inf, std["post_p99_ms"] or math.inf)
        ok &= errors == 0 and std["stored"] == std["see_other"] and p99 <= 50 and not run["tracebacks"]
    columns = (
        "backend:11: workers:8: GET_p50:8:.1f p99:7:.1f POST_p50:9:.1f p99:7:.1f errors:7: 303s:7: stored:7: "
    )
    columns += "lag_ms:7:.1f others:7:.2f"
    title = f"Steady: {args.rate:g} citizens/s for {args.duration} s, open loop, a connection per citizen; "
    table(title + "GET ms from the scheduled start, POST ms from sending it", columns, rows)
    for name, run in results["portal"].items():
        if run["steady"]["errors"] or run["tracebacks"]:
            print(f"{name}: steady errors {run['steady']['errors']}, server tracebacks {run['tracebacks']}")
        if run["attributed"] != run["total"]:
            print(f"{name}: {run['attributed']} of {run['total']} ratings attributed to the officer on duty")
    print(
        "\nothers: cores used by processes outside the benchmark during the run (the machine may be shared)"
    )
    print("loop: of srv ms/pair, the workers' event loops (the rest: other threads, mainly the writer)")
    print("cpu ratio: bare server CPU per request / server CPU per pair (the ratio on a machine of its own)")
    verdict = "MET" if ok else "NOT MET"
    print(f"Targets (no errors, none lost, pairs/s >= 0.1 x bare req/s, steady p99 <= 50 ms): {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql (default both)")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts (default 1,2)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (default 50)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--rate", type=float, default=200, help="steady citizens per second (default 200)")
    parser.add_argument(
        "--networks",
        type=int,
        default=0,
        help="saturated rating POSTs come from this many /24 networks (default 0: all from 127.0.0.1)",
    )
    parser.add_argument(
        "--app", default="app:create_app", help="app factory to serve (default app:create_app)"
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian, Ubuntu) or brew install wrk")
    fast = {name: importlib.util.find_spec(name) is not None for name in ("httptools", "uvloop")}
    http = os.environ.get("UVICORN_HTTP") or ("httptools" if fast["httptools"] else "h11")
    loop = os.environ.get("UVICORN_LOOP") or ("uvloop" if fast["uvloop"] else "asyncio")
    machine = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "executable": sys.executable}
    machine |= {"uvicorn": version("uvicorn"), "http": http, "loop": loop, "litestar": version("litestar")}
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine}
    results |= {"args": vars(args) | {"pg_url": None}, "bare": {}, "portal": {}}
    print(
        f"Python {machine['python']} ({sys.executable}), uvicorn {machine['uvicorn']} (http {http}, ", end=""
    )
    print(f"loop {loop}), Litestar {machine['litestar']}, {machine['cpus']} CPUs")
    (REPO / "bench" / "out").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rp-bench-") as tmp:
        for n in (int(w) for w in args.workers.split(",")):
            print(f"bare endpoint, {n} worker(s)", flush=True)
            results["bare"][str(n)] = bare(args, n, Path(tmp))
        for backend in args.backends.split(","):
            for n in (int(w) for w in args.workers.split(",")):
                print(f"{backend}, {n} worker(s)", flush=True)
                workdir = Path(tmp) / f"{backend}-{n}"
                workdir.mkdir()
                results["portal"][f"{backend}/{n}"] = portal(args, backend, n, workdir)
    ok = report(results, args)
    out = REPO / "bench" / "out" / f"submit_load-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out.relative_to(REPO)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
