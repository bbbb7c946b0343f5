"""Soak test of the citizen flow: a steady rate for minutes, memory of the server processes sampled.

    python bench/soak.py [--minutes 10] [--rate 50] [--backend sqlite|postgresql] [--workers 2]

A fresh database (as bench/submit_load.py makes it: migrated, three counters with an officer on duty),
the app served by uvicorn with `--workers 2` on loopback as `rating-portal serve` serves it, the JSON
access log on (as in production). An open-loop generator starts `--rate` citizens a second (GET the
form, POST a rating with the form's device cookie; a new connection per citizen) whatever the answers
do, so a slow server cannot hide its queue. Every `--sample-seconds` the resident memory (RSS) of each
server process is read from /proc, with the latency of the citizens finished since the last sample
and the machine's load average (the machine may be shared: the figures are only as quiet as it is).

Verdict: no errors, every 303 stored exactly once, and no worker grew more than `--rss-bound-mb`
between the end of the warm-up and the end of the run (medians of the first and the last minute).
Results go to bench/out/soak-*.json (docs/reliability.md has the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.live_server import (  # noqa: E402
    Visit,
    count_ratings,
    free_port,
    fresh_database,
    group_members,
    migrate,
    percentile,
    portal_command,
    portal_env,
    rss_bytes,
    seed,
    server,
    visit,
)

MIB = 2**20


def role(pid: int, master: int) -> str:
    if pid == master:
        return "master"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "gone"
    return "tracker" if b"resource_tracker" in command else "worker"


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


async def soak(port: int, tokens: list[str], args: argparse.Namespace, master: int) -> dict:
    loop = asyncio.get_running_loop()
    total = int(args.rate * args.minutes * 60)
    start = loop.time() + 0.2
    finished: list[tuple[float, float | None, float | None, str]] = []  # (done at, get, post, outcome)
    pending: set[asyncio.Task] = set()
    samples: list[dict] = []
    lag = 0.0

    async def one(path: str, scheduled: float) -> None:
        done = await visit(port, Visit(path), scheduled)
        finished.append((loop.time() - start, done.get_ms, done.post_ms, done.outcome))

    async def sampler() -> None:
        seen = 0
        while True:
            await asyncio.sleep(args.sample_seconds)
            batch, seen = finished[seen:], len(finished)
            pairs = [g + p for _, g, p, outcome in batch if outcome == "303" and g is not None and p]
            members = {pid: role(pid, master) for pid in group_members(master)}
            sample = {
                "t_s": round(loop.time() - start, 1),
                "rss_mib": {str(pid): round(rss_bytes(pid) / MIB, 1) for pid in members},
                "roles": {str(pid): name for pid, name in members.items()},
                "finished": len(batch),
                "errors": sum(1 for *_, outcome in batch if outcome != "303"),
                "pair_p50_ms": percentile(pairs, 50),
                "pair_p99_ms": percentile(pairs, 99),
                "loadavg": load_average(),
            }
            samples.append(sample)
            workers = [v for k, v in sample["rss_mib"].items() if members[int(k)] == "worker"]
            p50, p99 = sample["pair_p50_ms"] or 0, sample["pair_p99_ms"] or 0
            print(
                f"{sample['t_s']:7.0f} s  workers RSS {' '.join(f'{w:6.1f}' for w in workers)} MiB  "
                f"{sample['finished']:5d} done  {sample['errors']:3d} errors  "
                f"pair p50 {p50:6.1f} p99 {p99:7.1f} ms  load {sample['loadavg']:.2f}",
                flush=True,
            )

    sampling = asyncio.create_task(sampler())
    for i in range(total):
        scheduled = start + i / args.rate
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        lag = max(lag, loop.time() - scheduled)
        task = asyncio.create_task(one(f"/r/{tokens[i % len(tokens)]}", scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    sampling.cancel()
    return {"finished": finished, "samples": samples, "max_lag_ms": lag * 1000}


def trend(samples: list[dict], warmup_s: float) -> dict[str, dict]:
    """Per worker: median RSS in the first minute after the warm-up and in the last minute."""
    after = [s for s in samples if s["t_s"] >= warmup_s]
    if not after:
        return {}
    last_t = after[-1]["t_s"]
    result = {}
    for pid, name in after[0]["roles"].items():
        if name != "worker":
            continue
        series = [(s["t_s"], s["rss_mib"].get(pid)) for s in after if s["rss_mib"].get(pid)]
        first = [v for t, v in series if t < warmup_s + 60]
        last = [v for t, v in series if t > last_t - 60]
        slope = None
        if len(series) > 2:
            ts, vs = zip(*series, strict=True)
            slope = statistics.linear_regression(ts, vs).slope * 60  # MiB per minute
        result[pid] = {
            "start_mib": statistics.median(first),
            "end_mib": statistics.median(last),
            "growth_mib": statistics.median(last) - statistics.median(first),
            "peak_mib": max(v for _, v in series),
            "slope_mib_per_min": slope,
        }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10, help="length of the run (default 10)")
    parser.add_argument("--rate", type=float, default=50, help="citizens started per second (default 50)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--sample-seconds", type=float, default=5, help="RSS sampling interval (default 5)")
    parser.add_argument("--warmup-minutes", type=float, default=1, help="not judged for memory (default 1)")
    parser.add_argument(
        "--rss-bound-mb", type=float, default=20, help="allowed growth per worker (default 20)"
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
    )
    args = parser.parse_args()
    (REPO / "bench" / "out").mkdir(exist_ok=True)
    began = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="rp-soak-") as tmp:
        workdir = Path(tmp)
        with fresh_database(args.backend, workdir, args.pg_url) as url:
            port = free_port()
            env = portal_env(url, port, workdir, DEVICE_THROTTLE_SECONDS="0")
            env["SUBMIT_FLOOD_LIMIT_PER_MINUTE"] = "100000000"  # every citizen comes from 127.0.0.1
            migrate(env)
            tokens = seed(url)
            log = workdir / "server.log"
            print(
                f"soak: {args.rate:g} citizens/s for {args.minutes:g} min, {args.backend}, "
                f"{args.workers} workers, load average at start {load_average():.2f}",
                flush=True,
            )
            with server(portal_command(port, args.workers), env, port, "/health", log) as proc:
                run = asyncio.run(soak(port, tokens, args, proc.pid))
            stored, _ = count_ratings(url)
            server_log = log.read_text(errors="replace")
    finished, samples = run["finished"], run["samples"]
    outcomes: dict[str, int] = {}
    for *_, outcome in finished:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    see_other = outcomes.pop("303", 0)
    gets = [g for _, g, _, o in finished if g is not None]
    posts = [p for _, _, p, o in finished if p is not None]
    latency = {
        f"{kind}_p{q}_ms": percentile(values, q)
        for kind, values in (("get", gets), ("post", posts))
        for q in (50, 90, 99, 99.9)
    }
    latency |= {"get_max_ms": max(gets, default=None), "post_max_ms": max(posts, default=None)}
    memory = trend(samples, args.warmup_minutes * 60)
    tracebacks = server_log.count("Traceback") + server_log.count('"log": "error"')
    loads = [s["loadavg"] for s in samples]
    result = {
        "when": began.isoformat(timespec="seconds"),
        "args": vars(args) | {"pg_url": None},
        "cpus": os.cpu_count(),
        "citizens": len(finished),
        "see_other": see_other,
        "stored": stored,
        "errors": outcomes,
        "server_errors_logged": tracebacks,
        "max_lag_ms": run["max_lag_ms"],
        "latency": latency,
        "memory": memory,
        "loadavg": {"min": min(loads, default=None), "median": statistics.median(loads) if loads else None},
        "samples": samples,
    }
    ok = not outcomes and stored == see_other and not tracebacks and memory
    ok = bool(ok) and all(m["growth_mib"] < args.rss_bound_mb for m in memory.values())
    print(
        f"\n{len(finished)} citizens, {see_other} answered 303, {stored} stored, errors {outcomes or 'none'}"
    )
    print(f"server errors logged: {tracebacks}; generator lag max {run['max_lag_ms']:.1f} ms")
    for kind in ("get", "post"):
        figures = " ".join(f"p{q} {latency[f'{kind}_p{q}_ms'] or 0:.1f}" for q in (50, 90, 99, 99.9))
        print(f"{kind.upper():4} ms: {figures} max {latency[f'{kind}_max_ms'] or 0:.1f}")
    for pid, m in memory.items():
        slope = m["slope_mib_per_min"]
        print(
            f"worker {pid}: RSS {m['start_mib']:.1f} -> {m['end_mib']:.1f} MiB after warm-up "
            f"(growth {m['growth_mib']:+.1f}, peak {m['peak_mib']:.1f}, trend "
            f"{'-' if slope is None else f'{slope:+.2f}'} MiB/min)"
        )
    print(f"load average during the run: {result['loadavg']} on {os.cpu_count()} CPUs")
    verdict = "MET" if ok else "NOT MET"
    print(
        f"Bound (no errors, none lost, each worker grows < {args.rss_bound_mb:g} MiB after warm-up): "
        f"{verdict}"
    )
    out = REPO / "bench" / "out" / f"soak-{args.backend}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"results: {out.relative_to(REPO)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
