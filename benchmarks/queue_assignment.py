"""How fast the ACD hands out calls: ``make bench-queues``.

For each set-up (SQLite, one worker; PostgreSQL, one worker; PostgreSQL and Redis, two workers)
this migrates and seeds a new database and runs the product in this process on a ManualClock
with the ACD worker off (as tests/queues do), driven through its HTTP API over an in-process
transport: 200 operator accounts made by the admin, each with Uzbek and voice skills, signed in
(available), and 1,000 voice calls in Uzbek posted by the telephony gateway (beyond the first
1,000, ``--waiting 10000`` adds the others through the service function the endpoint calls,
500 to a transaction). The queue
``voice-uz`` keeps its strategy, with no wrap-up and a 300 s offer timeout (nothing expires).

The ticks are made by worker processes (``benchmarks/harness/acd_ticks.py``), each the runtime
of a server process (engine, bus, settings; Redis when given) running one
``dispatch.queues.assignment.assign_once`` per command, at the ManualClock instant it is
given; with two workers both get the command at once, as two servers woken by one event.
Between ticks, untimed, k operators become free: each accepts its offer
(``POST /offers/{id}/accept``), the gateway reports the call ``ended`` (the operator wraps up
for 0 s) and posts a new call: every measured round finds 1,000 calls waiting. The tick that
follows ends those wrap-ups and offers k calls; when it leaves free operators without an offer
(two workers racing), the workers tick again (as the events of one worker's commit wake the
other in a server), and the round lasts until all k have one. Figures, over the rounds:

- all free (k = 200): every operator gets an offer in one round; offers per second of round
  time (wall time from the command to the last worker's answer, for every tick of the round);
- one free (k = 1): operators come free one at a time, as in a steady centre; one offer per
  round, so offers per second = rounds per second.

A worker's tick in a server is the same call (``AcdWorker`` runs it on every call or operator
event, and every ``DISPATCH_QUEUE_POLL_S``). Figures and how to read them: BENCHMARKS.md,
"Queue assignment".
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.acd_centre import START, Centre, centre  # noqa: E402
from benchmarks.harness.acd_pool import Workers, workers  # noqa: E402
from benchmarks.harness.cli import add_common_options  # noqa: E402
from benchmarks.harness.report import (  # noqa: E402
    emit,
    ms,
    new_report,
    print_rows,
    uvloop_runner,
)
from benchmarks.harness.servers import (  # noqa: E402
    OUT,
    copy_database,
    database,
    machine_busy_s,
    prepare_database,
    redis_server,
    server_env,
)
from benchmarks.harness.stats import Latencies  # noqa: E402
from benchmarks.profile_summary import summarise  # noqa: E402

QUEUE = "voice-uz"
# The first calls of the set-up are posted through the API, the rest in bulk
# (``acd_centre.BULK`` to a transaction, through the same service function).
API_CALLS = 1000
SETUPS = {
    "sqlite": ("sqlite", False, 1),
    "postgresql": ("postgresql", False, 1),
    "postgresql+redis": ("postgresql", True, 2),
    "postgresql+redis:1": ("postgresql", True, 1),
}


def main() -> int:
    """Each set-up in turn; a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--setup",
        action="append",
        choices=SETUPS,
        help="repeat to choose (default: sqlite, postgresql, postgresql+redis with two workers); "
        "postgresql+redis:1 is one worker with the Redis bus",
    )
    parser.add_argument("--operators", type=int, default=200, help="signed in (200)")
    parser.add_argument("--waiting", type=int, default=1000, help="calls waiting (1000)")
    parser.add_argument(
        "--rounds-all", type=int, default=1, help="rounds with every operator free (1)"
    )
    parser.add_argument(
        "--rounds-one", type=int, default=20, help="rounds with one operator free (20)"
    )
    add_common_options(
        parser,
        profile_help="sample the (first) worker's ticks (benchmarks/out/profile-queues-SETUP.txt)",
    )
    args = parser.parse_args()
    if args.operators < 1 or args.waiting < 0 or args.rounds_all < 1 or args.rounds_one < 0:
        parser.error("--operators and --rounds-all must be positive")
    if args.waiting < args.operators:
        parser.error(
            "--waiting must be at least --operators (a tick with all free offers each one)"
        )
    chosen = args.setup or ["sqlite", "postgresql", "postgresql+redis"]

    report: dict[str, Any] = {
        **new_report(
            "benchmarks/queue_assignment.py",
            {
                "operators": args.operators,
                "waiting": args.waiting,
                "rounds_all": args.rounds_all,
                "rounds_one": args.rounds_one,
            },
            sys.argv[1:],
        ),
        "results": [],
    }
    with uvloop_runner() as runner:
        for backend in ("sqlite", "postgresql"):
            names = [name for name in chosen if SETUPS[name][0] == backend]
            if names:
                results = runner.run(run_backend(backend, names, args))
                report["results"] += [asdict(result) for result in results]
    return emit(report, as_json=args.json, table=print_table)


# --- what was measured ------------------------------------------------------------------------


@dataclass
class Rounds:
    """Ticks with k operators free: their wall time, offers, and each worker's share."""

    free: int
    ticks: Latencies = field(default_factory=Latencies)
    offers: int = 0
    by_worker: list[int] = field(default_factory=list)
    worker_cpu_s: float = 0.0
    busy_s: float = 0.0
    extra: int = 0  # ticks again, because a tick left free operators without an offer

    def summary(self) -> dict[str, Any]:
        """The figures of these rounds."""
        seconds = sum(self.ticks.values)
        return {
            "free": self.free,
            "ticks": len(self.ticks.values),
            "offers": self.offers,
            "offers_per_s": round(self.offers / seconds, 1) if seconds else None,
            "tick": self.ticks.summary(),
            "by_worker": self.by_worker,
            "worker_cpu_ms_per_offer": round(self.worker_cpu_s * 1000 / max(self.offers, 1), 2),
            "machine_busy_cores": round(self.busy_s / seconds, 2) if seconds else None,
            "extra_ticks": self.extra,
        }


@dataclass
class SetupResult:
    """One set-up's figures."""

    setup: str
    described: str
    workers: int
    operators: int
    waiting: int
    prepare_s: float
    first_tick_ms: float  # every operator available (signed in), none wrapping up
    all_free: dict[str, Any]
    one_free: dict[str, Any]
    free_cycle_ms_per_operator: float
    load_average: float
    errors: list[str]
    profile: list[str] | None  # the text file, then the share of each library


@contextlib.contextmanager
def maybe_redis(wanted: bool) -> Iterator[str | None]:
    """A throw-away Redis when ``wanted``."""
    if not wanted:
        yield None
        return
    with redis_server() as url:
        yield url


async def run_backend(
    backend: str, names: list[str], args: argparse.Namespace
) -> list[SetupResult]:
    """Prepare one database of ``backend`` (operators, calls) once; each set-up runs on a copy."""
    results = []
    with tempfile.TemporaryDirectory(prefix=f"bench-queues-{backend}-") as folder:
        workdir = Path(folder)
        async with database(backend, workdir, durable=not args.pg_fsync_off) as (url, described):
            prepare_database(server_env(url), workdir)
            started = time.perf_counter()
            async with centre(url, None) as c:
                await prepare(c, args)
            prepare_s = time.perf_counter() - started
            for name in names:
                _, redis, count = SETUPS[name]
                async with copy_database(url, workdir) as copy:
                    results.append(
                        await run_setup(
                            name, copy, described, redis, count, (c.tokens, c.calls), args
                        )
                    )
                    results[-1].prepare_s = round(prepare_s, 1)
    return results


async def run_setup(
    name: str,
    url: str,
    described: str,
    redis: bool,
    count: int,
    prepared: tuple[dict[str, dict[str, str]], int],
    args: argparse.Namespace,
) -> SetupResult:
    """Start the workers on a prepared database (and Redis), tick."""
    load = round(os.getloadavg()[0], 2)
    errors: list[str] = []
    with maybe_redis(redis) as redis_url:
        if redis_url:
            described += ", Redis bus"
        async with centre(url, redis_url) as c:
            c.tokens, c.calls = dict(prepared[0]), prepared[1]  # JWTs hold in the copy too
            session_file = OUT / f"profile-queues-{name}.pyisession" if args.profile else None
            if session_file:
                OUT.mkdir(parents=True, exist_ok=True)
            async with workers(count, url, redis_url, START, session_file) as pool:
                first = Rounds(args.operators)
                await tick(c, pool, first, errors)  # every operator gets a call
                all_free = Rounds(args.operators)
                one_free = Rounds(1)
                cycle = Latencies()
                for rounds, times in ((all_free, args.rounds_all), (one_free, args.rounds_one)):
                    # Every measured tick finds ``args.waiting`` calls waiting.
                    await c.each(range(args.operators - rounds.free), c.call)
                    for _ in range(times):
                        ringing = await c.ringing()
                        before = time.perf_counter()
                        await c.each(ringing[: rounds.free], c.free)
                        cycle.values.append((time.perf_counter() - before) / max(rounds.free, 1))
                        c.clock.advance(0.25)
                        await tick(c, pool, rounds, errors)
            summary = await c.check(
                await c.http.get("/api/v1/queues", headers=c.tokens["supervisor1"]), 200
            )
            # The summary's "waiting" counts the ringing calls too.
            expected = args.waiting - (1 if args.rounds_one else args.operators) + args.operators
            if summary["overall"]["waiting"] != expected:
                errors.append(
                    f"{summary['overall']['waiting']} calls wait at the end, not {expected}"
                )
    profile = None
    if session_file:
        text_file = OUT / f"profile-queues-{name}.txt"
        profile = summarise(session_file, text_file)["lines"]
        profile.insert(0, str(text_file.relative_to(ROOT)))
    return SetupResult(
        setup=name,
        profile=profile,
        described=described,
        workers=count,
        operators=args.operators,
        waiting=args.waiting,
        prepare_s=0.0,
        first_tick_ms=round(first.ticks.values[0] * 1000, 1),
        all_free=all_free.summary(),
        one_free=one_free.summary(),
        free_cycle_ms_per_operator=round(sum(cycle.values) * 1000 / max(len(cycle.values), 1), 1),
        load_average=load,
        errors=errors[:5],
    )


async def prepare(c: Centre, args: argparse.Namespace) -> None:
    """The queue, the operators and the calls."""
    await c.sign_in("admin")
    supervisor = await c.sign_in("supervisor1")
    await c.check(
        await c.http.patch(
            f"/api/v1/queues/{QUEUE}",
            headers=supervisor,
            json={"wrap_up_s": 0, "offer_timeout_s": 300},
        ),
        200,
    )
    await c.each([f"agent{n:04d}" for n in range(1, args.operators + 1)], c.operator)
    through_api = min(args.waiting, API_CALLS)
    await c.each(range(through_api), c.call)
    await c.calls_in_bulk(args.waiting - through_api)


async def tick(c: Centre, pool: Workers, rounds: Rounds, errors: list[str]) -> None:
    """Every worker ticks at the centre's clock, again while free operators are left without
    an offer (at most 4 times more), as the events of one worker's commit wake the others in a
    server; the whole counts as one round in ``rounds``."""
    busy = machine_busy_s()
    seconds, made, extra = 0.0, [0] * len(pool.processes), 0
    while True:
        took, answers = await pool.tick(c.clock.now())
        seconds += took
        made = [n + int(a["offers"]) for n, a in zip(made, answers, strict=True)]
        rounds.worker_cpu_s += sum(float(a["cpu_s"]) for a in answers)
        if sum(made) >= rounds.free or extra == 4:
            break
        extra += 1
    rounds.busy_s += machine_busy_s() - busy
    rounds.ticks.values.append(seconds)
    rounds.offers += sum(made)
    rounds.by_worker = [
        a + b for a, b in zip(rounds.by_worker or [0] * len(made), made, strict=True)
    ]
    rounds.extra += extra
    if sum(made) != rounds.free:
        errors.append(f"{rounds.free} operators free, {sum(made)} offers in {extra + 1} ticks")


# --- the report -------------------------------------------------------------------------------


def print_table(report: dict[str, Any]) -> None:
    """The figures as a readable table."""
    m, s = report["machine"], report["settings"]
    print(f"queue assignment, {report['measured_at']}, commit {report['commit']}")
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['system']}, "
        f"Python {m['python']}; load average {m['load_average_at_start']} at the start"
    )
    print(
        f"{s['operators']} operators signed in, {s['waiting']} calls waiting at every round; "
        f"{s['rounds_all']} rounds with every operator free, "
        f"{s['rounds_one']} with one free"
    )
    header = (
        "setup",
        "workers",
        "all free: offers/s",
        "round p50",
        "worker CPU/offer",
        "one free: offers/s",
        "round p50/p99",
        "worker CPU/offer",
        "offers by worker (all/one free)",
        "extra ticks",
        "load",
    )
    rows = [header]
    for r in report["results"]:
        a, o = r["all_free"], r["one_free"]
        rows.append(
            (
                r["setup"],
                str(r["workers"]),
                f"{a['offers_per_s']:,}",
                ms(a["tick"]["p50_ms"]),
                f"{a['worker_cpu_ms_per_offer']:g} ms",
                f"{o['offers_per_s']:,}",
                f"{o['tick']['p50_ms']}/{o['tick']['p99_ms']} ms",
                f"{o['worker_cpu_ms_per_offer']:g} ms",
                "/".join(map(str, a["by_worker"])) + " | " + "/".join(map(str, o["by_worker"])),
                f"{a['extra_ticks']} | {o['extra_ticks']}",
                f"{r['load_average']:g}",
            )
        )
    print_rows(rows)
    print()
    for r in report["results"]:
        print(
            f"{r['setup']}: {r['described']}; set-up {r['prepare_s']:g} s; first tick "
            f"({r['operators']} offers to operators just signed in) {ms(r['first_tick_ms'])}; "
            f"freeing an operator "
            f"(accept, ended, a new call) {r['free_cycle_ms_per_operator']:g} ms, untimed; "
            f"machine busy {r['all_free']['machine_busy_cores']} / "
            f"{r['one_free']['machine_busy_cores']} cores during the ticks"
        )
        for error in r["errors"]:
            print(f"  error: {error}")
        if r["profile"]:
            print(f"  profile of the worker's ticks: {r['profile'][0]}")
            for line in r["profile"][1:]:
                print(f"    {line}")


if __name__ == "__main__":
    raise SystemExit(main())
