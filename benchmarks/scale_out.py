"""Scale-out: one, then two server processes under the same CPU quota: ``make bench-scale``.

PostgreSQL (started for the run, durable defaults) and Redis, HAProxy in front of N server
processes (``benchmarks/harness/cluster.py``), each process held to ``--quota`` cores by a
cgroup of its own (``harness/quota.py``); the load generator (this process: the simulated
day of ``make bench-day``), PostgreSQL, Redis and HAProxy stay outside the quota. Each step
runs on a fresh copy of a prepared database with a fresh Redis, at speed 20 with every
process's clock anchored to one origin (``harness/anchored_serve.py``), for ``--hours`` of
server time at a flat call rate with the operator bots Erlang C asks for.

For each N of ``--processes``: the highest rate with service level ≥ 0.95 (answered within
20 s) and no refused request (an offer expired just before its accept, 409, is tolerated and
counted) — up by ``--factor`` while good, then halving the interval once or twice. Per step:
the servers' CPU (``/proc``) per call, each process's cores, throttled time and the
singletons it leads, lock waits per process (``harness/lock_waits.py``), the load
generator's and HAProxy's CPU, the machine's busy cores and load. Then, with N = 2 under
load: ``kill -9`` of the process leading the singletons, the take-over time of each (the
survivor's ``/healthz`` polled every 100 ms) and what was lost (``harness/losses.py``); the
killed process is started again afterwards. Figures: BENCHMARKS.md, "Several processes".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.day import (  # noqa: E402
    ADMIN,
    ADMIN_PASSWORD,
    GOAL_SL,
    SECRET,
    lags,
    operators_for,
    prepare,
    service_level,
)
from benchmarks.harness.anchored_serve import anchor  # noqa: E402
from benchmarks.harness.cluster import Cluster, cluster  # noqa: E402
from benchmarks.harness.losses import Acknowledged  # noqa: E402
from benchmarks.harness.quota import CpuQuotas, cpu_quotas  # noqa: E402
from benchmarks.harness.report import emit, new_report, uvloop_runner  # noqa: E402
from benchmarks.harness.scale_day import ClusterDay, KillPlan  # noqa: E402
from benchmarks.harness.scale_table import print_table  # noqa: E402
from benchmarks.harness.servers import (  # noqa: E402
    OUT,
    copy_database,
    database,
    keep_logs,
    process_cpu_s,
    redis_server,
    server_env,
)
from simulators import day as sim  # noqa: E402
from simulators.arrivals import Mix  # noqa: E402

SPEED = 20.0
# What a good step may have seen: an offer that expired as its accept arrived (the ACD moves on).
HARMLESS = frozenset({"accept 409"})


def main() -> int:
    """Search each N's highest rate, then the kill; print a table or JSON, keep the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quota", type=float, default=0.4, help="cores per process (0.4)")
    parser.add_argument(
        "--quota-period-ms", type=float, default=100.0, help="the quota's CFS period (100)"
    )
    parser.add_argument("--processes", default="1,2", help="the Ns to measure (1,2)")
    parser.add_argument("--hours", type=float, default=0.25, help="server hours per step")
    parser.add_argument("--start-rate", type=float, default=300.0, help="N=1's first, calls/h")
    parser.add_argument("--factor", type=float, default=1.25, help="up this much while good")
    parser.add_argument("--resolution", type=float, default=0.12, help="stop when bad/good <")
    parser.add_argument("--max-steps", type=int, default=5, help="steps per N (5)")
    parser.add_argument("--idle-s", type=float, default=4.0, help="idle seconds per step")
    parser.add_argument("--kill-share", type=float, default=0.7, help="kill run: share of N=2's")
    parser.add_argument("--kill-hours", type=float, default=0.3, help="kill run's server hours")
    parser.add_argument("--kill-after", type=float, default=15.0, help="wall s of load first")
    parser.add_argument("--settle", type=float, default=60.0, help="bound on the final waits")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 run")
    parser.add_argument("--quick", action="store_true", help="short steps, 3 per N (a check)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.quick:
        args.hours, args.max_steps, args.kill_hours, args.idle_s = 0.1, 3, 0.15, 2.0
        args.kill_after = min(args.kill_after, 8.0)
    counts = sorted({int(n) for n in args.processes.split(",")})
    report = new_report("benchmarks/scale_out.py", vars(args), sys.argv[1:])
    with uvloop_runner() as runner:
        report |= runner.run(run(args, counts))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["load_average_at_end"] = round(os.getloadavg()[0], 2)
    OUT.mkdir(parents=True, exist_ok=True)
    kept = OUT / f"scale-out-{report['measured_at'].replace(':', '')[:17]}.json"
    kept.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    report["kept"] = str(kept.relative_to(ROOT))
    return emit(report, as_json=args.json, table=print_table)


async def run(args: argparse.Namespace, counts: list[int]) -> dict[str, Any]:
    """PostgreSQL once; each N's search on copies of one prepared database; the kill run."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-") as folder,
        cpu_quotas(args.quota, period_ms=args.quota_period_ms) as quotas,
    ):
        workdir = Path(folder)
        async with database("postgresql", workdir) as (url, where):
            await asyncio.to_thread(prepare, url, workdir)
            result: dict[str, Any] = {
                "database": where,
                "quota": _quota_text(quotas),
                "searches": {},
            }
            best: dict[int, dict[str, Any]] = {}
            for count in counts:
                start = args.start_rate if not best else _from_best(best, count)
                search = await find_highest(url, workdir, args, quotas, count, start)
                result["searches"][str(count)] = search
                if search["best"] is not None:
                    best[count] = search["best"]
            result["comparison"] = compare(best)
            top = max(best) if best else 0
            if not args.no_kill and top >= 2:
                rate = round(best[top]["calls_per_hour"] * args.kill_share)
                result["kill"] = await run_step(
                    url, workdir, args, quotas, top, rate, hours=args.kill_hours, kill=True
                )
        result["logs"] = keep_logs(workdir, "scale-out-servers.log")
    return result


def _from_best(best: dict[int, dict[str, Any]], count: int) -> float:
    """Where N's search starts: the last N's best rate, scaled by three quarters of the added
    processes (a start a step or two below what a linear scale-out would give)."""
    last = max(n for n in best if n < count)
    return float(round(best[last]["calls_per_hour"] * (1 + 0.75 * (count - last) / last)))


def _quota_text(quotas: CpuQuotas | None) -> str:
    if quotas is None:
        return "none (--quota 0): every process may use the whole machine"
    return quotas.describe("per server process")


async def find_highest(
    url: str,
    workdir: Path,
    args: argparse.Namespace,
    quotas: CpuQuotas | None,
    count: int,
    start: float,
) -> dict[str, Any]:
    """Step the rate up by ``--factor`` while good, then bisect between the last good and the
    first bad until they are within ``--resolution``; every step and the best."""
    steps: list[dict[str, Any]] = []
    good: float | None = None
    bad: float | None = None
    rate = start
    while len(steps) < args.max_steps:
        step = await run_step(url, workdir, args, quotas, count, round(rate), hours=args.hours)
        steps.append(step)
        if step["ok"]:
            good = rate
            rate = rate * args.factor if bad is None else (good + bad) / 2
        else:
            bad = rate
            rate = rate / args.factor if good is None else (good + bad) / 2
        if good is not None and bad is not None and bad / good < 1 + args.resolution:
            break
    ok = [s for s in steps if s["ok"]]
    best = max(ok, key=lambda s: s["calls_per_hour"]) if ok else None
    return {"processes": count, "steps": steps, "best": best}


def compare(best: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Two processes against one: rate and CPU per call at each one's highest good rate."""
    if 1 not in best or 2 not in best:
        return {}
    one, two = best[1], best[2]
    rate = two["calls_per_hour"] / one["calls_per_hour"]
    cpu = two["cpu_ms_per_call"] / one["cpu_ms_per_call"]
    return {
        "rate_ratio": round(rate, 2),
        "rate_target_met": rate >= 1.7,
        "cpu_per_call_ratio": round(cpu, 2),
        "cpu_target_met": cpu <= 1.15,
    }


@contextlib.asynccontextmanager
async def step_cluster(
    template: str, workdir: Path, quotas: CpuQuotas | None, count: int
) -> AsyncIterator[tuple[Cluster, str]]:
    """A fresh copy of the prepared database, a fresh Redis, and ``count`` processes on
    them behind HAProxy; the cluster and the copy's URL."""
    async with copy_database(template, workdir) as copy:
        with redis_server() as redis_url:
            env = server_env(
                copy,
                mode="simulation",
                secret_key=SECRET,
                time_scale=f"{SPEED:g}",
                operator_grace_s="900",
                redis_url=redis_url,
                redis_channel=f"bench-scale:{uuid.uuid4().hex[:8]}",
                forwarded_allow_ips="127.0.0.1",
                password_scrypt_n="1024",  # noqa: S106 - a cost, not a password
            )
            env |= anchor()
            async with cluster(count, env, workdir, quotas) as group:
                await asyncio.sleep(2.0)  # start-up work (first ticks) is not idling
                yield group, copy


async def run_step(
    template: str,
    workdir: Path,
    args: argparse.Namespace,
    quotas: CpuQuotas | None,
    count: int,
    rate: float,
    *,
    hours: float,
    kill: bool = False,
) -> dict[str, Any]:
    """One flat-rate run on ``count`` processes (with the kill -9 when ``kill``)."""
    operators = operators_for(rate)
    mix = Mix(calls_per_hour=rate, drop_probability=0.1 if kill else Mix.drop_probability)
    mix.profile = [1.0] * 24
    name = f"{'kill' if kill else 'max'}-{count}x-{rate:g}"
    print(f"[bench-scale] {name}: {operators} operators", file=sys.stderr, flush=True)
    stepdir = workdir / name
    stepdir.mkdir()
    async with step_cluster(template, stepdir, quotas, count) as (group, copy):
        idle = await group_idle(group, args.idle_s)
        config = sim.DayConfig(
            url=group.url,
            speed=SPEED,
            hours=hours,
            start_hour=8,
            operators=operators,
            mix=mix,
            admin_user=ADMIN,
            admin_password=ADMIN_PASSWORD,
            recordings=stepdir / "recordings",
            progress=False,
            heartbeat_s=240,
            drain_s=120,
        )
        acknowledged = Acknowledged()
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
        async with httpx.AsyncClient(
            base_url=group.url,
            timeout=30,
            transport=httpx.AsyncHTTPTransport(limits=limits),
            event_hooks={"response": [acknowledged.hook]},
        ) as http:
            plan = KillPlan(args.kill_after, args.settle) if kill else None
            day = ClusterDay(config, http, group, quotas, copy, acknowledged, plan)
            report = await day.run(out=sys.stderr)
    return figures(name, count, rate, operators, report, day, idle)


async def group_idle(group: Cluster, seconds: float) -> list[float]:
    """Each process's CPU in ms per wall second with nobody connected."""
    before, began = [process_cpu_s(p) for p in group.pids()], time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - began
    return [
        round(1000 * (process_cpu_s(p) - b) / wall, 1)
        for p, b in zip(group.pids(), before, strict=True)
    ]


def figures(
    name: str,
    count: int,
    rate: float,
    operators: int,
    report: dict[str, Any],
    day: ClusterDay,
    idle: list[float],
) -> dict[str, Any]:
    """One step's figures (the simulator's report kept whole under ``report``)."""
    calls = report["offered"]
    window = day.window
    wall = window["wall_s"]
    cpu = sum(p["cpu_s"] for p in window["processes"])
    idle_cpu = sum(idle) / 1000 * wall
    sl = service_level({"report": report})
    errors = dict(report["errors"])
    refused = {k: v for k, v in errors.items() if k not in HARMLESS}
    for process, idle_rate in zip(window["processes"], idle, strict=True):
        process["idle_ms_per_s"] = idle_rate
    return {
        "step": name,
        "processes": count,
        "calls_per_hour": rate,
        "operators": operators,
        "calls": calls,
        "calls_per_wall_s": round(calls / wall, 3) if wall else None,
        "service_level": sl,
        "errors": errors,
        "ok": sl >= GOAL_SL and not refused and calls > 0,
        "cpu_ms_per_call": round(1000 * cpu / calls, 1) if calls else None,
        "marginal_cpu_ms_per_call": round(1000 * (cpu - idle_cpu) / calls, 1) if calls else None,
        "requests_per_call": round(window["requests"] / calls, 1) if calls else None,
        "command_lag_wall_ms": lags(day, SPEED),
        **window,
        "report": report,
    }


if __name__ == "__main__":
    sys.exit(main())
