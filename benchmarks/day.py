"""A simulated day against a real server process: ``make bench-day``.

For each backend (SQLite in a temporary folder; PostgreSQL started for the run) this migrates a
database, creates an admin, starts ``python -m dispatch serve`` in simulation mode
(``DISPATCH_TIME_SCALE`` = the speed) and measures, each on a fresh copy of the database:

- idle: the server's CPU per wall second with nothing connected, at the run's speed and at
  speed 1 (a server of its own);
- the README's day (``--speed 20 --start-hour 8 --operators 12 --heartbeat 240``, 120 calls an
  hour at the peak) and the same at four times the call rate with the operators Erlang C asks
  for: the simulator (``simulators.day``) drives the server only over its public API — the
  gateway on ``/ws/gateway`` and call events, AML, operator bots, the services' systems as
  webhook receivers that acknowledge and report statuses, callbacks;
- ``--find-max``: the highest steady call rate (flat profile) at which one process keeps the
  service level (answered within 20 s) at 0.95 or more, with enough bots.

Per run: the server's CPU during the calls, the marginal CPU per call ((CPU − idle rate ×
wall time) / calls), HTTP requests per call (the server's own counter, ``/metrics``), offer
and connect commands' lag from their creation to the gateway (p50/p99, wall ms), and what the
bots did. In the same run the floor: a bare FastAPI endpoint's CPU per request
(``benchmarks/ping_app.py``) times the requests a call needs.
Figures and how to read them: BENCHMARKS.md, "A simulated day".
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import spy  # noqa: E402
from benchmarks.harness.ceiling import http_ceiling  # noqa: E402
from benchmarks.harness.cli import add_common_options  # noqa: E402
from benchmarks.harness.report import emit, new_report, print_rows, uvloop_runner  # noqa: E402
from benchmarks.harness.servers import (  # noqa: E402
    OUT,
    copy_database,
    database,
    dispatch_command,
    free_port,
    process_cpu_s,
    served,
    server_env,
    thread_cpu_s,
)
from dispatch.queues.erlang import agents_for_service_level  # noqa: E402
from simulators import day as sim  # noqa: E402
from simulators.arrivals import Mix  # noqa: E402
from simulators.report import percentile  # noqa: E402

ADMIN, ADMIN_PASSWORD = "bench-chief", "bench-chief-password"
SECRET = "bench-day-secret-key-of-at-least-32-characters"  # noqa: S105
TARGET_S = 20.0
GOAL_SL = 0.95
HANDLE_S = 120.0  # the simulator's mean handle time
WRAP_UP_S = 10.0  # the bots' mean wrap-up
# One line per method, route template and status. (Until 2026-12-05 the count matched the
# labels with [^}]*, which skipped every route with a path parameter: "req/call" showed 4-5
# where a call needs 17-18.)
_ROUTE_REQUESTS = re.compile(
    r'^dispatch_http_requests_total\{method="([A-Z]+)",route="([^"]*)",status="[0-9]+"\} '
    r"([0-9.e+]+)$",
    re.M,
)


@dataclass(frozen=True)
class Scenario:
    """One simulated run: its name, rate at the peak, operators and profile."""

    name: str
    calls_per_hour: float
    operators: int
    hours: float
    flat: bool = False


def main() -> int:
    """Run the floor and each backend's scenarios; print a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgresql"), help="(both)"
    )
    parser.add_argument("--speed", type=float, default=20.0, help="DISPATCH_TIME_SCALE (20)")
    parser.add_argument("--hours", type=float, default=1.0, help="server hours per run (1)")
    parser.add_argument("--calls-per-hour", type=float, default=120.0, help="at the peak (120)")
    parser.add_argument("--operators", type=int, default=12, help="the README's day (12)")
    parser.add_argument("--times", type=float, default=4.0, help="the busier run's factor (4)")
    parser.add_argument("--idle-s", type=float, default=10.0, help="wall s of idle measured")
    parser.add_argument("--find-max", action="store_true", help="search the highest rate")
    parser.add_argument("--max-hours", type=float, default=0.25, help="server h per step")
    parser.add_argument("--ceiling-duration", type=float, default=8.0, help="seconds (8)")
    add_common_options(
        parser,
        profile_help="sample the server with py-spy during each run (benchmarks/out/"
        "profile-day-BACKEND-RUN.txt, collapsed stacks) and summarise where its CPU went",
    )
    args = parser.parse_args()
    report = new_report("benchmarks/day.py", vars(args), sys.argv[1:])
    with uvloop_runner() as runner:
        floor = runner.run(http_ceiling(16, args.ceiling_duration))
        report["floor"] = {
            "bare_requests_per_s": floor.requests_per_s,
            "bare_cpu_ms_per_request": floor.cpu_ms_per_request,
        }
        report["backends"] = {
            backend: runner.run(run_backend(backend, args, floor.cpu_ms_per_request))
            for backend in args.backend or ["sqlite", "postgresql"]
        }
    return emit(report, as_json=args.json, table=print_table)


def operators_for(calls_per_hour: float) -> int:
    """Enough bots: Erlang C's staffing for SL 0.95 within 20 s, plus two."""
    staffing = agents_for_service_level(
        calls_per_hour=calls_per_hour,
        handle_seconds=HANDLE_S + WRAP_UP_S,
        target_seconds=TARGET_S,
        service_level=GOAL_SL,
    )
    return staffing.agents + 2


async def run_backend(backend: str, args: argparse.Namespace, floor_ms: float) -> dict[str, Any]:
    """Prepare one database of ``backend``; run every scenario on a copy of it."""
    with tempfile.TemporaryDirectory(prefix=f"bench-day-{backend}-") as folder:
        workdir = Path(folder)
        async with database(backend, workdir, durable=not args.pg_fsync_off) as (url, where):
            await asyncio.to_thread(prepare, url, workdir)
            result: dict[str, Any] = {"database": where}
            async with server(url, workdir, speed=1.0, name="idle-1x") as (pid, _):
                result["idle_1x_cpu_ms_per_s"] = await idle_rate(pid, args.idle_s)
            busier = args.calls_per_hour * args.times
            scenarios = [
                Scenario("readme", args.calls_per_hour, args.operators, args.hours),
                Scenario(f"{args.times:g}x", busier, operators_for(busier), args.hours),
            ]
            result["runs"] = [
                await run_scenario(url, workdir, args, scenario, floor_ms) for scenario in scenarios
            ]
            if args.find_max:
                result["max"] = await find_max(url, workdir, args, floor_ms)
        return result


def prepare(url: str, workdir: Path) -> None:
    """Migrate and create the admin the simulator signs in as (simulation mode: no demo)."""
    env = server_env(url, mode="simulation", secret_key=SECRET, time_scale="1")
    env["BENCH_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    steps = [
        ["migrate"],
        ["seed"],  # reference data only (boundaries, services, queues): not dev mode
        [
            "create-user",
            "--username",
            ADMIN,
            "--role",
            "admin",
            "--password-env",
            "BENCH_ADMIN_PASSWORD",
        ],
    ]
    for step in steps:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "dispatch", *step],
            env=env,
            cwd=workdir,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dispatch {step[0]} failed: {done.stderr.decode()[-2000:]}")


@contextlib.asynccontextmanager
async def server(
    url: str, workdir: Path, *, speed: float, name: str
) -> AsyncIterator[tuple[int, str]]:
    """A server of this checkout on a copy of ``url`` at ``speed``; (pid, base URL)."""
    async with copy_database(url, workdir) as copy:
        port = free_port()
        env = server_env(
            copy,
            mode="simulation",
            secret_key=SECRET,
            time_scale=f"{speed:g}",
            operator_grace_s="900",
        )
        with served(
            dispatch_command(port), env, workdir, port, "/healthz", log_name=f"{name}.log"
        ) as pid:
            await asyncio.sleep(2.0)  # start-up work (indexes, first ticks) is not idling
            yield pid, f"http://127.0.0.1:{port}"


async def idle_rate(pid: int, seconds: float) -> float:
    """The server's CPU in ms per wall second over ``seconds`` with nobody connected."""
    before, started = process_cpu_s(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return round(1000 * (process_cpu_s(pid) - before) / (time.monotonic() - started), 2)


async def requests_by_route(base: str) -> collections.Counter[str]:
    """The server's own count of HTTP requests answered so far, by method and route."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        text = (await http.get("/metrics")).text
    counts: collections.Counter[str] = collections.Counter()
    for method, route, value in _ROUTE_REQUESTS.findall(text):
        counts[f"{method} {route}"] += int(float(value))
    return counts


class MeasuredDay(sim.Day):
    """The simulator's day, with the server's CPU and request count read around the calls
    (account set-up and sign-in, paid once per shift, are left out); sampled by py-spy into
    ``profile`` when given."""

    def __init__(
        self, config: sim.DayConfig, http: httpx.AsyncClient, pid: int, profile: Path | None
    ) -> None:
        super().__init__(config, http)
        self.pid = pid
        self.profile = profile
        self.window: dict[str, float] = {}
        self.routes: collections.Counter[str] = collections.Counter()

    async def _play(self, *args: Any) -> None:
        base = self.config.url
        routes_before = await requests_by_route(base)
        self.window.update(cpu=process_cpu_s(self.pid), wall=time.monotonic())
        threads = thread_cpu_s(self.pid)
        sampling = spy.record(self.pid, self.profile) if self.profile else contextlib.nullcontext()
        try:
            with sampling:
                await super()._play(*args)
        finally:
            self.window.update(
                cpu=process_cpu_s(self.pid) - self.window["cpu"],
                wall=time.monotonic() - self.window["wall"],
            )
            self.routes = (await requests_by_route(base)) - routes_before
            self.window["requests"] = sum(self.routes.values())
            after = thread_cpu_s(self.pid)
            spent = {tid: cpu - threads.get(tid, 0.0) for tid, cpu in after.items()}
            # Threads that ended in the window are not counted in either part.
            self.window["main_thread_cpu"] = spent.get(self.pid, 0.0)
            self.window["other_threads_cpu"] = sum(
                cpu for tid, cpu in spent.items() if tid != self.pid
            )


async def run_scenario(
    url: str, workdir: Path, args: argparse.Namespace, scenario: Scenario, floor_ms: float
) -> dict[str, Any]:
    """One simulated run on its own server: the figures."""
    async with server(url, workdir, speed=args.speed, name=scenario.name) as (pid, base):
        idle = await idle_rate(pid, args.idle_s)
        mix = Mix(calls_per_hour=scenario.calls_per_hour)
        if scenario.flat:
            mix.profile = [1.0] * 24
        config = sim.DayConfig(
            url=base,
            speed=args.speed,
            hours=scenario.hours,
            start_hour=8,
            operators=scenario.operators,
            mix=mix,
            admin_user=ADMIN,
            admin_password=ADMIN_PASSWORD,
            recordings=workdir / "recordings",
            progress=False,
            heartbeat_s=240,
            drain_s=120,
        )
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
        async with httpx.AsyncClient(
            base_url=base, timeout=30, transport=httpx.AsyncHTTPTransport(limits=limits)
        ) as http:
            profile = OUT / f"profile-day-{backend_of(url)}-{scenario.name}.txt"
            day = MeasuredDay(config, http, pid, profile if args.profile else None)
            started_cpu = time.process_time()
            report = await day.run(out=sys.stderr)
            simulator_cpu = time.process_time() - started_cpu
    calls = report["offered"]
    window = day.window
    marginal = (window["cpu"] - idle / 1000 * window["wall"]) / calls if calls else None
    per_call = window["requests"] / calls if calls else None
    return {
        "scenario": scenario.name,
        "calls_per_hour_at_peak": scenario.calls_per_hour,
        "calls_per_wall_s": round(calls / window["wall"], 3) if window["wall"] else None,
        "operators": scenario.operators,
        "calls": calls,
        "wall_s": round(window["wall"], 1),
        "server_cpu_s": round(window["cpu"], 2),
        "server_cores": round(window["cpu"] / window["wall"], 3) if window["wall"] else None,
        # The event loop's thread (Python: HTTP, SQLAlchemy, the product) and the others
        # (aiosqlite's connection threads running SQLite itself, executors).
        "main_thread_cpu_s": round(window["main_thread_cpu"], 2),
        "other_threads_cpu_s": round(window["other_threads_cpu"], 2),
        "idle_cpu_ms_per_s": idle,
        "marginal_cpu_ms_per_call": round(1000 * marginal, 1) if marginal is not None else None,
        "requests_per_call": round(per_call, 1) if per_call is not None else None,
        "requests_by_route": dict(day.routes.most_common()),
        "floor_cpu_ms_per_call": round(floor_ms * per_call, 2) if per_call is not None else None,
        "command_lag_wall_ms": lags(day, args.speed),
        "simulator_cpu_s": round(simulator_cpu, 1),
        "profile": spy.summary(day.profile) if day.profile else None,
        "report": report,
    }


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql``, from a database URL."""
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def lags(day: sim.Day, speed: float) -> dict[str, dict[str, float | int | None]]:
    """Offer and connect commands: server seconds from creation to the gateway, as wall ms."""
    out: dict[str, dict[str, float | int | None]] = {}
    for kind in ("offer", "connect", "originate"):
        values = [max(0.0, v) for v in day.tally.command_lag.get(kind, [])]
        out[kind] = {
            "count": len(values),
            "p50_ms": round(1000 * percentile(values, 0.5) / speed, 1) if values else None,
            "p99_ms": round(1000 * percentile(values, 0.99) / speed, 1) if values else None,
        }
    return out


def service_level(run: dict[str, Any]) -> float:
    """The run's service level (0 when nothing was answered)."""
    value = run["report"]["service_level"]["value"]
    return float(value) if value is not None else 0.0


async def find_max(
    url: str, workdir: Path, args: argparse.Namespace, floor_ms: float
) -> dict[str, Any]:
    """Double the steady rate until the service level falls under 0.95, then halve the step
    once between the last good and the first bad rate; the highest good rate."""
    steps: list[dict[str, Any]] = []
    good: float | None = None
    bad: float | None = None
    rate = args.calls_per_hour * args.times * 2
    while len(steps) < 8:
        run = await run_scenario(
            url,
            workdir,
            args,
            Scenario(f"max-{rate:g}", rate, operators_for(rate), args.max_hours, flat=True),
            floor_ms,
        )
        ok = service_level(run) >= GOAL_SL and not run["report"]["errors"]
        steps.append({k: v for k, v in run.items() if k != "report"} | {"ok": ok})
        steps[-1]["service_level"] = service_level(run)
        steps[-1]["errors"] = dict(run["report"]["errors"])  # the table shows them per step
        if ok:
            good = rate
            rate = rate * 2 if bad is None else (rate + bad) / 2
        else:
            bad = rate
            rate = rate / 2 if good is None else (good + bad) / 2
        if good is not None and bad is not None and bad / good < 1.3:
            break
    best = good or 0.0
    return {
        "highest_calls_per_hour": best,
        "highest_calls_per_wall_s": round(best * args.speed / 3600, 2),
        "steps": steps,
    }


def print_table(report: dict[str, Any]) -> None:
    """The figures per backend and run, the floor beside them."""
    machine = report["machine"]
    print(f"simulated day, {report['measured_at']}, commit {report['commit']}")
    print(
        f"machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['system']}, Python "
        f"{machine['python']}; load average {machine['load_average_at_start']} at the start"
    )
    floor = report["floor"]
    print(
        f"floor: bare FastAPI GET /ping, {floor['bare_cpu_ms_per_request']} ms of server CPU per "
        f"request ({floor['bare_requests_per_s']:,} requests/s)"
    )
    rows = [
        [
            "backend",
            "run",
            "calls",
            "calls/s",
            "ops",
            "SL(20s)",
            "idle ms/s",
            "CPU ms/call",
            "floor ms/call",
            "req/call",
            "offer lag p50/p99",
            "connect p50/p99",
            "errors",
        ]
    ]
    for backend, result in report["backends"].items():
        for run in result["runs"] + result.get("max", {}).get("steps", []):
            lag, conn = run["command_lag_wall_ms"]["offer"], run["command_lag_wall_ms"]["connect"]
            sl = run.get("service_level")
            if sl is None:
                sl = service_level(run)
            errors = run.get("errors", run.get("report", {}).get("errors", {}))
            rows.append(
                [
                    backend,
                    run["scenario"],
                    str(run["calls"]),
                    f"{run['calls_per_wall_s']:g}",
                    str(run["operators"]),
                    f"{sl:.3f}",
                    f"{run['idle_cpu_ms_per_s']:g}",
                    f"{run['marginal_cpu_ms_per_call']}",
                    f"{run['floor_cpu_ms_per_call']}",
                    f"{run['requests_per_call']}",
                    f"{lag['p50_ms']}/{lag['p99_ms']} ms",
                    f"{conn['p50_ms']}/{conn['p99_ms']} ms",
                    str(sum(errors.values())) if isinstance(errors, dict) else "-",
                ]
            )
    print_rows(rows)
    print()
    for backend, result in report["backends"].items():
        line = f"{backend}: {result['database']}; idle at speed 1: "
        line += f"{result['idle_1x_cpu_ms_per_s']} ms of CPU per wall second"
        if "max" in result:
            best = result["max"]
            line += (
                f"; highest steady rate with SL >= {GOAL_SL}: {best['highest_calls_per_hour']:g} "
                f"calls/h ({best['highest_calls_per_wall_s']} calls per wall s)"
            )
        print(line)


if __name__ == "__main__":
    sys.exit(main())
