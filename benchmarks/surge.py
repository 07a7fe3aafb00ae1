"""A surge around one point of a city, through HAProxy: ``make bench-surge`` (issue 22).

PostgreSQL (started for the run, durable defaults), Redis, ``python -m dispatch deliver`` (the
services' deliveries in a process of their own, started first as ``make run-cluster`` starts
it) and N × ``python -m dispatch serve --no-migrate`` behind HAProxy (``harness/cluster.py``),
**each server process and the deliverer held to ``--quota`` cores** by a cgroup of its own
(``harness/quota.py``, as ``make bench-scale``); the load generator (this process: the
simulated day of ``make bench-day``; and the console processes), PostgreSQL, Redis and HAProxy
stay outside. Every process's simulation clock shares one origin (``DISPATCH_CLOCK_ORIGIN``).

Each step, on a fresh copy of one prepared database with a fresh Redis: ``--consoles``
operator consoles (websockets through HAProxy, ``harness/ws_clients.py``) watch the queue; the
day plays a steady ``--steady-rate`` for ``--steady-min`` server minutes, then ``--surge-calls``
more calls within ``--surge-min`` minutes from handsets within ``--radius-m`` of ``--centre``
(Namangan's centre by default; AML from most), then ``--after-min`` minutes steady again and
the drain; ``--drop`` of the answered calls drop after their card is made (priority 1–2
incident types for about half: their callbacks must still go first). The services: 101 gets
one card per webhook POST, 103 batches of ``--batch`` (``webhook_batch``), 102 pulls its feed.

Steps: **staffed** (the bots Erlang C asks for at the surge's peak) and **short** (the bots
Erlang C asks for the steady rate only) on 1 then 2 processes, then **kill**: short on 2
processes with ``kill -9`` of the process leading the singletons in the middle of the surge
(take-over and losses as ``make bench-scale`` checks them, ``harness/losses.py``). Figures per
step (``harness/surge_audit.py``): the live calls' service level (20 s) overall and in the
surge; unclassified callbacks dialled while a live call the dialler could take waited (must be
0); priority 1–2 callbacks' drop-to-dial (≤ 60 s); the console fan-out p99 of each settled call
(≤ 250 ms); each service's delivery lag p99 at the peak (≤ 5 s); the surge policy as
``GET /api/v1/surge`` said it; the CPU of every process and of the load generator (≤ 0.5 core).
Figures: BENCHMARKS.md, "A surge (issue 22)".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.day import ADMIN, ADMIN_PASSWORD, SECRET, operators_for, prepare  # noqa: E402
from benchmarks.harness import surge_audit as audit  # noqa: E402
from benchmarks.harness.cluster import Cluster, cluster  # noqa: E402
from benchmarks.harness.deliverer import Deliverer, deliverer  # noqa: E402
from benchmarks.harness.losses import Acknowledged  # noqa: E402
from benchmarks.harness.quota import CpuQuotas, cpu_quotas  # noqa: E402
from benchmarks.harness.report import emit, new_report, uvloop_runner  # noqa: E402
from benchmarks.harness.servers import (  # noqa: E402
    OUT,
    copy_database,
    database,
    dispatch_command,
    free_port,
    keep_logs,
    redis_server,
    served,
    server_env,
)
from benchmarks.harness.stats import Latencies  # noqa: E402
from benchmarks.harness.surge_day import Settled, SurgeDay, Window  # noqa: E402
from benchmarks.harness.surge_table import print_table  # noqa: E402
from benchmarks.harness.ws_pool import consoles  # noqa: E402
from simulators import day as sim  # noqa: E402
from simulators.arrivals import Mix, Surge  # noqa: E402
from simulators.client import Admin, operator_password, sign_in  # noqa: E402

NAMANGAN = (41.0011, 71.6726)  # the city's centre
WEBHOOK_ONE, WEBHOOK_BATCH, PULL = "101", "103", "102"
TZ = ZoneInfo("Asia/Tashkent")  # the product's default DISPATCH_TIMEZONE
SETTLED = "answered_today+abandoned_today"  # what each console keeps of a queue message
PARALLEL = 8  # account requests in flight while preparing


@dataclass(frozen=True)
class Step:
    """One run: its name, processes, bots, and whether a process is killed."""

    name: str
    processes: int
    operators: int
    kill: bool = False


def main() -> int:
    """Prepare once, run each step, print a table or JSON, keep the JSON."""
    args = parse(sys.argv[1:])
    report = new_report("benchmarks/surge.py", vars(args), sys.argv[1:])
    with uvloop_runner() as runner:
        report |= runner.run(run(args, plan(args)))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["load_average_at_end"] = round(os.getloadavg()[0], 2)
    OUT.mkdir(parents=True, exist_ok=True)
    kept = OUT / f"surge-{report['measured_at'].replace(':', '')[:17]}.json"
    kept.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    report["kept"] = str(kept.relative_to(ROOT))
    return emit(report, as_json=args.json, table=print_table)


def parse(argv: list[str]) -> argparse.Namespace:
    """The options (``BENCH_ARGS``), with ``--quick``'s and the derived defaults applied."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--quota", type=float, default=0.4, help="cores per server process and deliverer (0.4)")
    add("--quota-period-ms", type=float, default=100.0, help="the quota's CFS period (100)")
    add("--processes", default="1,2", help="the Ns of the staffed and short steps (1,2)")
    add("--speed", type=float, default=10.0, help="DISPATCH_TIME_SCALE (10)")
    add_day_options(parser)
    add("--drain-s", type=float, default=300.0, help="server s for calls in flight after (300)")
    add("--centre", default=f"{NAMANGAN[0]},{NAMANGAN[1]}", help="LAT,LON of the surge")
    add("--radius-m", type=float, default=1000.0, help="callers within this of it (1000)")
    add("--incident", default="natural.earthquake", help="the surge's calls' type")
    add("--drop", type=float, default=0.1, help="answered calls that drop (0.1)")
    add("--batch", type=int, default=10, help=f"service {WEBHOOK_BATCH}'s webhook_batch (10)")
    add("--consoles", type=int, help="operator consoles watching (100; 20 with --quick)")
    add("--console-processes", type=int, default=2, help="processes holding them (2)")
    add("--margin-s", type=float, help="server s a call waits before the ACD must see it (speed)")
    add("--settle", type=float, default=60.0, help="bound on the kill's waits (60)")
    add("--no-kill", action="store_true", help="skip the kill -9 step")
    add("--steps", help="only these steps, e.g. staffed-1x,kill-2x (all)")
    add("--quick", action="store_true", help="a short check: 3+3+1 minutes, 20 consoles")
    add("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.quick:
        args.steady_min, args.surge_min, args.after_min, args.drain_s = 3.0, 3.0, 1.0, 120.0
        args.surge_calls = max(10, args.surge_calls // 3)
    args.consoles = args.consoles or (20 if args.quick else 100)
    args.margin_s = args.speed if args.margin_s is None else args.margin_s
    return args


def peak_rate(args: argparse.Namespace) -> float:
    """Calls an hour in the surge: the steady rate plus the surge's."""
    return float(args.steady_rate + args.surge_calls * 60 / args.surge_min)


def plan(args: argparse.Namespace) -> list[Step]:
    """Staffed and short on each N, then the kill on the largest N (at least 2)."""
    staffed, short = operators_for(peak_rate(args)), operators_for(args.steady_rate)
    counts = sorted({int(n) for n in args.processes.split(",")})
    steps = [
        Step(f"{kind}-{n}x", n, bots)
        for n in counts
        for kind, bots in (("staffed", staffed), ("short", short))
    ]
    if not args.no_kill:
        steps.append(Step(f"kill-{max(2, *counts)}x", max(2, *counts), short, kill=True))
    if args.steps:
        wanted = set(args.steps.split(","))
        steps = [step for step in steps if step.name in wanted]
    return steps


def add_day_options(parser: argparse.ArgumentParser) -> None:
    """The day's shape: its steady rate, the minutes before, of and after the surge, and the
    surge's calls (``make bench-surge-judgement`` judges the same days)."""
    add = parser.add_argument
    add("--steady-rate", type=float, default=240.0, help="calls/h outside the surge (240)")
    add("--steady-min", type=float, default=10.0, help="server minutes before the surge (10)")
    add("--surge-calls", type=int, default=100, help="extra calls in the surge (100)")
    add("--surge-min", type=float, default=10.0, help="the surge's server minutes (10)")
    add("--after-min", type=float, default=5.0, help="steady server minutes after it (5)")


def day_mix(steady_rate: float, drop: float) -> Mix:
    """The day's calls outside the surge: ``steady_rate`` at every hour (flat, not a day's
    profile), each dropping with ``drop``."""
    mix = Mix(calls_per_hour=steady_rate, drop_probability=drop)
    mix.profile = [1.0] * 24
    return mix


def clock_origin(now: datetime, speed: float, start: datetime) -> datetime:
    """The ``DISPATCH_CLOCK_ORIGIN`` that makes a clock ``speed`` times wall time read
    ``start`` at wall instant ``now`` (server time = origin + (wall − origin) × speed)."""
    if speed == 1.0:
        return now
    return now + (now - start) / (speed - 1)


def server_start(now: datetime, run_s: float) -> datetime:
    """Where the server clock starts: now, unless the run would cross the centre's midnight
    (the consoles' counts are today's), then four hours earlier (tokens are stamped in wall
    time, so a server clock behind the wall is harmless)."""
    local = now.astimezone(TZ)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if (midnight - local).total_seconds() > run_s + 600:
        return now
    return now - timedelta(hours=4)


async def run(args: argparse.Namespace, steps: list[Step]) -> dict[str, Any]:
    """PostgreSQL once, the prepared database, each step on a copy of it."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-surge-") as folder,
        cpu_quotas(args.quota, period_ms=args.quota_period_ms) as quotas,
    ):
        workdir = Path(folder)
        async with database("postgresql", workdir) as (url, where):
            await asyncio.to_thread(prepare, url, workdir)
            await prepare_accounts(url, workdir, args)
            result: dict[str, Any] = {
                "database": where,
                "quota": _quota_text(quotas),
                "peak_calls_per_hour": peak_rate(args),
                "steps": [],
            }
            for step in steps:
                print(f"[bench-surge] {step.name}: {step.operators} bots", file=sys.stderr)
                result["steps"].append(await run_step(url, workdir, args, quotas, step))
        result["logs"] = keep_logs(workdir, "surge-servers.log")
    return result


def console_names(count: int) -> list[str]:
    """The consoles' accounts (operators who never sign in to the ACD)."""
    return [f"sim-console-{n:03d}" for n in range(1, count + 1)]


async def prepare_accounts(url: str, workdir: Path, args: argparse.Namespace) -> None:
    """Once, on the prepared database: the consoles' accounts and service 103's batches."""
    env = server_env(
        url,
        mode="simulation",
        secret_key=SECRET,
        time_scale="1",
        password_scrypt_n="1024",  # noqa: S106 - a cost, not a password
    )
    port = free_port()
    with served(dispatch_command(port), env, workdir, port, "/healthz", log_name="prepare.log"):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            admin = Admin(http, await sign_in(http, ADMIN, ADMIN_PASSWORD))
            gate = asyncio.Semaphore(PARALLEL)

            async def make(name: str) -> None:
                async with gate:
                    await admin.ensure_user(
                        name, "operator", password=operator_password(name), full_name=name
                    )

            await asyncio.gather(*(make(name) for name in console_names(args.consoles)))
            answer = await http.patch(
                f"/api/v1/services/{WEBHOOK_BATCH}",
                json={"webhook_batch": args.batch},
                headers=admin.headers,
            )
            answer.raise_for_status()


async def console_urls(http: httpx.AsyncClient, base: str, count: int) -> list[str]:
    """Each console's websocket URL through HAProxy (its account signed in)."""
    gate = asyncio.Semaphore(PARALLEL)

    async def token(name: str) -> str:
        async with gate:
            return await sign_in(http, name, operator_password(name))

    tokens = await asyncio.gather(*(token(n) for n in console_names(count)))
    ws = base.replace("http", "ws", 1)
    return [f"{ws}/ws/operator?token={t}" for t in tokens]


async def run_step(
    template: str, workdir: Path, args: argparse.Namespace, quotas: CpuQuotas | None, step: Step
) -> dict[str, Any]:
    """One step on a copy of the prepared database: its figures."""
    stepdir = workdir / step.name
    stepdir.mkdir()
    run_s = 60 * (args.steady_min + args.surge_min + args.after_min) + args.drain_s
    now = datetime.now(UTC)
    async with copy_database(template, stepdir) as copy:
        with redis_server() as redis_url:
            env = server_env(
                copy,
                mode="simulation",
                secret_key=SECRET,
                time_scale=f"{args.speed:g}",
                operator_grace_s="900",
                redis_url=redis_url,
                redis_channel=f"bench-surge:{uuid.uuid4().hex[:8]}",
                forwarded_allow_ips="127.0.0.1",
                password_scrypt_n="1024",  # noqa: S106 - a cost, not a password
                clock_origin=clock_origin(now, args.speed, server_start(now, run_s)).isoformat(),
            )
            with deliverer(env, stepdir, quotas) as feeds:
                async with cluster(step.processes, env, stepdir, quotas) as group:
                    await asyncio.sleep(2.0)  # start-up work (first ticks) is not the load
                    return await play(copy, stepdir, args, quotas, step, group, feeds)


async def play(
    copy: str,
    stepdir: Path,
    args: argparse.Namespace,
    quotas: CpuQuotas | None,
    step: Step,
    group: Cluster,
    feeds: Deliverer,
) -> dict[str, Any]:
    """The consoles, the day, and what the database says afterwards."""
    async with httpx.AsyncClient(timeout=5) as probe:
        leads = await group.leads(probe)
    steady_s, surge_s = 60 * args.steady_min, 60 * args.surge_min
    lat, lon = (float(part) for part in args.centre.split(","))
    mix = day_mix(args.steady_rate, args.drop)
    config = sim.DayConfig(
        url=group.url,
        speed=args.speed,
        hours=(args.steady_min + args.surge_min + args.after_min) / 60,
        start_hour=8,
        operators=step.operators,
        mix=mix,
        surges=[
            Surge(
                steady_s, args.surge_calls, args.surge_min, args.incident, (lat, lon), args.radius_m
            )
        ],
        pull=frozenset({PULL}),
        admin_user=ADMIN,
        admin_password=ADMIN_PASSWORD,
        recordings=stepdir / "recordings",
        progress=False,
        heartbeat_s=240,
        drain_s=args.drain_s,
    )
    acknowledged, settled = Acknowledged(), Settled()
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    async with httpx.AsyncClient(
        base_url=group.url,
        timeout=30,
        transport=httpx.AsyncHTTPTransport(limits=limits),
        event_hooks={
            "request": [settled.on_request],
            "response": [acknowledged.hook, settled.on_response],
        },
    ) as http:
        admin_token = await sign_in(http, ADMIN, ADMIN_PASSWORD)
        urls = await console_urls(http, group.url, args.consoles)
        async with consoles(urls, args.console_processes, True, stepdir, SETTLED) as (
            pool,
            connected,
            errors,
        ):
            day = SurgeDay(
                config,
                http,
                group,
                quotas,
                copy,
                acknowledged,
                surge=Window(steady_s, steady_s + surge_s),
                admin_token=admin_token,
                console_pids=[p.pid for p in pool.processes],
                kill_settle_s=args.settle if step.kill else None,
            )
            feeds_cpu, began = feeds.cpu_s(), time.monotonic()
            report = await day.run(out=sys.stderr)
            feeds_cores = (feeds.cpu_s() - feeds_cpu) / (time.monotonic() - began)
            outcome = await pool.stop()
    return await figures(
        copy, args, step, day, report, settled, outcome, connected, errors, leads, feeds_cores
    )


async def figures(
    copy: str,
    args: argparse.Namespace,
    step: Step,
    day: SurgeDay,
    report: dict[str, Any],
    settled: Settled,
    outcome: dict[str, Any],
    connected: int,
    errors: list[str],
    leads: dict[int, list[str]],
    feeds_cores: float,
) -> dict[str, Any]:
    """One step's figures (the simulator's report kept whole under ``report``)."""
    surge = day.surge
    start, end = day.server_at(surge.start_s), day.server_at(surge.end_s)
    peak = (day.mono_at(surge.start_s), day.mono_at(surge.end_s))
    records = list(day.tally.calls.values())
    window = day.window
    return {
        "step": step.name,
        "processes": step.processes,
        "operators": step.operators,
        "erlang_at_peak": operators_for(peak_rate(args)),
        "calls": report["offered"],
        "surge_window_server": [start.isoformat(), end.isoformat()],
        "service_level": {
            "all": audit.service_level(records, start_s=0, end_s=float("inf")),
            "surge": audit.service_level(records, start_s=surge.start_s, end_s=surge.end_s),
        },
        "surge_policy": audit.surge_summary(
            day.states, origin=day.server_at(0), window=(start, end)
        ),
        "surge_states": day.states,
        "surge_reads": {"reads": day.reads, "errors": day.read_errors},
        "dials": await audit.dial_audit(
            copy, margin_s=args.margin_s, states=day.states, from_=start
        ),
        "priority_callbacks": await audit.priority_callbacks(copy, since=day.server_at(0)),
        "delivery_lag_at_peak": await audit.delivery_lags(
            copy, start=start, end=end, speed=args.speed
        ),
        # The whole step's as well: a short run's peak may route no card at all.
        "delivery_lag_all": await audit.delivery_lags(
            copy, start=day.server_at(0), end=None, speed=args.speed
        ),
        "consoles": {
            "connected": connected,
            "asked": args.consoles,
            "errors": (errors + outcome["errors"])[:5],
            "closed": len(outcome["errors"]),  # sockets lost (a killed process's)
            "settle_request": Latencies(settled.took).summary(),
            "settle_repeats": settled.repeats,  # a call's second settling answer, not counted
            "settle_request_in_server": Latencies(settled.in_server).summary(),
            "settle_request_outside": Latencies(settled.outside).summary(),
            "settle_request_in_database": Latencies(settled.in_database).summary(),
            "settle_slowest": settled.slowest(),
            "slowest_changes": audit.slowest_changes(settled.sent, outcome["arrivals"]),
            "messages": outcome["messages"],
            "all": audit.fanout(settled.sent, outcome["arrivals"]),
            "surge": audit.fanout(settled.sent, outcome["arrivals"], window=peak),
        },
        "deliverer_cores": round(feeds_cores, 3),
        "deliverer_leads_feeds": not any(
            name.startswith("feeds.") for led in leads.values() for name in led
        ),
        "leads_at_start": {str(i): led for i, led in leads.items()},
        "errors": dict(report["errors"]),
        **window,
        "report": report,
    }


def _quota_text(quotas: CpuQuotas | None) -> str:
    if quotas is None:
        return "none (--quota 0): every process may use the whole machine"
    return quotas.describe("per server process and for the deliverer")


if __name__ == "__main__":
    sys.exit(main())
