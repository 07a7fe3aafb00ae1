"""The card pipeline against a real server process: ``make bench-cards``.

For each backend (SQLite in a temporary folder; PostgreSQL started for the run as the tests
start it) this migrates and seeds a new database, starts ``python -m dispatch serve`` on a free
loopback port (``DISPATCH_MODE=dev``, log level WARNING) and drives it only over HTTP, as real
clients do: N workers, each with its own keep-alive ``httpx.AsyncClient``, each creating a card
(``POST /api/v1/cards``, incident type and location) and routing it to 102 and 103
(``POST /api/v1/cards/{id}/route``), while police's system (a service account made through the
admin API) polls ``GET /api/v1/feeds/102/cards?after=CURSOR`` without pause. It reports cards
created and routed per second, the time from a card's submission (its route request sent) to
its arrival on the feed, p50/p99 of each kind of request, the server's CPU, and how fast
103's system, which nobody pulled, then takes its backlog. In the same run a bare FastAPI
``GET /ping`` served by uvicorn the same way (benchmarks/ping_app.py), hammered by the same
client set-up, gives the ceiling. ``--profile`` runs the server under pyinstrument.
Servers, databases, clients and the ceiling come from ``benchmarks/harness``.
Figures and how to read them: BENCHMARKS.md, "Card pipeline".
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.ceiling import http_ceiling  # noqa: E402
from benchmarks.harness.cli import add_common_options  # noqa: E402
from benchmarks.harness.feeds import catch_up_feed, where_is  # noqa: E402
from benchmarks.harness.http import clients, service_key, sign_in  # noqa: E402
from benchmarks.harness.report import (  # noqa: E402
    emit,
    ms,
    new_report,
    print_rows,
    uvloop_runner,
)
from benchmarks.harness.servers import (  # noqa: E402
    OUT,
    database,
    dispatch_command,
    free_port,
    machine_busy_s,
    prepare_database,
    process_cpu_s,
    served,
    server_env,
)
from benchmarks.harness.stats import Latencies  # noqa: E402
from benchmarks.profile_summary import summarise  # noqa: E402

GOAL_CARDS_PER_S = 1000
GOAL_P99_MS = 100
SERVICES = ["102", "103"]
FEED_SERVICE = "102"
# Places people call from, jittered a little per card (all inside Uzbekistan's districts).
TOWNS = (
    ("Toshkent, Amir Temur ko‘chasi", 41.3111, 69.2797),
    ("Samarqand, Registon ko‘chasi", 39.6542, 66.9597),
    ("Buxoro, Navoiy shoh ko‘chasi", 39.7747, 64.4286),
    ("Namangan, Uychi ko‘chasi", 40.9983, 71.6726),
    ("Andijon, Bobur shoh ko‘chasi", 40.7821, 72.3442),
    ("Farg‘ona, Mustaqillik ko‘chasi", 40.3894, 71.7843),
    ("Nukus, Qoraqalpog‘iston ko‘chasi", 42.4531, 59.6103),
    ("Qarshi, Nasaf ko‘chasi", 38.8606, 65.7891),
    ("Termiz, At-Termiziy ko‘chasi", 37.2242, 67.2783),
    ("Urganch, Al-Xorazmiy ko‘chasi", 41.5500, 60.6333),
)


def main() -> int:
    """Run the ceiling and the pipeline on each backend; print a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="default both"
    )
    parser.add_argument("--cards", type=int, default=3000, help="cards per backend (3000)")
    parser.add_argument("--duration", type=float, default=20.0, help="at most, seconds (20)")
    parser.add_argument("--workers", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--warmup", type=int, default=50, help="cards before measuring (50)")
    parser.add_argument(
        "--rate", type=float, help="offer this many cards/s (default: as fast as answered)"
    )
    parser.add_argument("--ceiling-duration", type=float, default=10.0, help="seconds (10)")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare endpoint")
    add_common_options(
        parser,
        profile_help="run the server under pyinstrument; writes benchmarks/out/profile-BACKEND.txt",
    )
    args = parser.parse_args()
    if args.cards < 1 or args.workers < 1 or args.duration <= 0:
        parser.error("--cards, --workers and --duration must be positive")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    report: dict[str, Any] = {
        **new_report(
            "benchmarks/card_pipeline.py",
            {
                "cards": args.cards,
                "duration_s": args.duration,
                "workers": args.workers,
                "warmup": args.warmup,
                "rate": args.rate,
                "profile": args.profile,
                "httpx": httpx.__version__,
            },
            sys.argv[1:],
        ),
        "goal": {"cards_per_s": GOAL_CARDS_PER_S, "feed_p99_ms": GOAL_P99_MS},
        "ceiling": None,
        "backends": {},
    }
    with uvloop_runner() as runner:
        if not args.no_ceiling:
            report["ceiling"] = asdict(
                runner.run(http_ceiling(args.workers, args.ceiling_duration))
            )
        for backend in backends:
            report["backends"][backend] = asdict(runner.run(pipeline(backend, args)))
    return emit(report, as_json=args.json, table=print_table)


# --- what was measured ------------------------------------------------------------------------


@dataclass
class PipelineResult:
    """One backend's figures."""

    backend: str
    database: str
    cards: int
    seconds: float
    cards_per_s: float
    http_requests_per_s: float
    feed: dict[str, float | int | None]
    create: dict[str, float | int | None]
    route: dict[str, float | int | None]
    pull: dict[str, float | int | None]
    not_on_feed: int
    not_on_feed_detail: list[str]
    catch_up: dict[str, float | int | None]
    errors: dict[str, int]
    first_error: str | None
    pulls: int
    server_cpu_cores: float
    server_cpu_ms_per_card: float
    client_cpu_cores: float
    machine_busy_cores: float
    profile: str | None = None
    profile_summary: dict[str, Any] | None = None


@dataclass
class Run:
    """State shared by the workers and the feed consumer of one phase."""

    count: int
    deadline: float
    rate: float | None
    started: float = 0.0
    issued: int = 0
    submitted: dict[str, float] = field(default_factory=dict)
    arrived: dict[str, float] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)  # routed, not yet seen on the feed
    workers_done: bool = False
    give_up: bool = False
    seconds: float = 0.0
    wall_started: float = 0.0
    cpu_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    cpu_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    create: Latencies = field(default_factory=Latencies)
    route: Latencies = field(default_factory=Latencies)
    pull: Latencies = field(default_factory=Latencies)
    routed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None

    def take(self) -> float | None:
        """The time the next card is due (now when not paced); None when the run is over."""
        now = time.perf_counter()
        if self.issued >= self.count or now >= self.deadline:
            return None
        due = self.started + self.issued / self.rate if self.rate else now
        self.issued += 1
        return due

    def error(self, kind: str, response: httpx.Response | None, exc: Exception | None) -> None:
        """Count a failed request and keep the first message."""
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if self.first_error is None:
            self.first_error = (
                f"{kind}: HTTP {response.status_code} {response.text[:300]}"
                if response is not None
                else f"{kind}: {type(exc).__name__}: {exc}"
            )


# --- the card pipeline ------------------------------------------------------------------------


async def pipeline(backend: str, args: argparse.Namespace) -> PipelineResult:
    """Start a server on a new database of ``backend``, drive the pipeline, stop it."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{backend}-") as folder:
        workdir = Path(folder)
        async with database(backend, workdir, durable=not args.pg_fsync_off) as (url, described):
            return await measure_server(url, described, workdir, backend, args)


async def measure_server(
    database_url: str, database: str, workdir: Path, backend: str, args: argparse.Namespace
) -> PipelineResult:
    """Prepare the database, serve it, measure, and (with ``--profile``) summarise the profile."""
    env = server_env(database_url)
    prepare_database(env, workdir)
    port = free_port()
    session_file = OUT / f"profile-{backend}.pyisession"
    if args.profile:
        OUT.mkdir(parents=True, exist_ok=True)
    command = dispatch_command(port, session_file if args.profile else None)
    with served(command, env, workdir, port, "/healthz") as pid:
        result, window = await drive(f"http://127.0.0.1:{port}", backend, database, pid, args)
    if args.profile:
        text_file = OUT / f"profile-{backend}.txt"
        result.profile = str(text_file.relative_to(ROOT))
        result.profile_summary = summarise(session_file, text_file, window)
    return result


async def drive(
    base: str, backend: str, database: str, pid: int, args: argparse.Namespace
) -> tuple[PipelineResult, tuple[float, float]]:
    """Set up the accounts over the API, warm up, then measure one phase; the figures and
    the phase's wall-clock window."""

    def cpu() -> tuple[float, float, float]:
        return process_cpu_s(pid), time.process_time(), machine_busy_s()

    async with clients(base, args.workers + 2) as pool:
        http, feed_client = pool[-2], pool[-1]  # set-up and checks; the feed consumer
        operators = [await sign_in(http, name) for name in ("operator1", "operator2")]
        admin = await sign_in(http, "admin")
        feed_key = await service_key(http, admin, FEED_SERVICE)
        first = await http.get(f"/api/v1/feeds/{FEED_SERVICE}/cards", headers=feed_key)
        first.raise_for_status()
        cursor: list[int] = [first.json()["next_cursor"]]
        rng = random.Random(112)  # noqa: S311 - reproducible places, not secrets

        async def phase(count: int, duration: float, rate: float | None) -> Run:
            run = Run(count=count, deadline=time.perf_counter() + duration, rate=rate)
            run.cpu_before = cpu()
            run.wall_started = time.time()
            run.started = time.perf_counter()
            consumer = asyncio.create_task(consume(feed_client, feed_key, cursor, run))
            await asyncio.gather(
                *(card_worker(pool[i], operators[i % 2], run, rng) for i in range(args.workers))
            )
            run.seconds = time.perf_counter() - run.started
            run.cpu_after = cpu()
            run.workers_done = True
            done, _ = await asyncio.wait({consumer}, timeout=30)  # the feed catches up...
            if not done:
                run.give_up = True  # ...or the consumer stops after its current request
                await consumer
            return run

        await phase(args.warmup, 60, None)
        run = await phase(args.cards, args.duration, args.rate)
        missing = [card for card in run.submitted if card not in run.arrived]
        missing_detail = [
            await where_is(http, admin, FEED_SERVICE, card, cursor[0]) for card in missing[:5]
        ]
        # Nobody pulled 103's feed: its system comes back after an outage and catches up.
        catch_up = await catch_up_feed(http, await service_key(http, admin, "103"), "103")

    seconds = run.seconds
    server_cpu, client_cpu, busy = (
        a - b for a, b in zip(run.cpu_after, run.cpu_before, strict=True)
    )
    feed = Latencies([run.arrived[c] - t for c, t in run.submitted.items() if c in run.arrived])
    requests = len(run.create.values) + len(run.route.values) + len(run.pull.values)
    result = PipelineResult(
        backend=backend,
        database=database,
        cards=run.routed,
        seconds=round(seconds, 2),
        cards_per_s=round(run.routed / seconds, 1),
        http_requests_per_s=round(requests / seconds),
        feed=feed.summary(),
        create=run.create.summary(),
        route=run.route.summary(),
        pull=run.pull.summary(),
        not_on_feed=len(missing),
        catch_up=catch_up,
        not_on_feed_detail=missing_detail,
        errors=run.errors,
        first_error=run.first_error,
        pulls=len(run.pull.values),
        server_cpu_cores=round(server_cpu / seconds, 2),
        server_cpu_ms_per_card=round(server_cpu * 1000 / max(run.routed, 1), 1),
        client_cpu_cores=round(client_cpu / seconds, 2),
        machine_busy_cores=round(busy / seconds, 2),
    )
    return result, (run.wall_started, run.wall_started + seconds)


async def card_worker(
    http: httpx.AsyncClient, headers: dict[str, str], run: Run, rng: random.Random
) -> None:
    """Create and route cards until the run is over (an operator at a console, no pause)."""
    while (due := run.take()) is not None:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        address, lat, lon = rng.choice(TOWNS)
        body = {
            "incident": {"type": "road.accident_injuries", "victims": 1, "description": "YTH"},
            "caller": {"number": "+998901234567", "callback_number": "+998901234567"},
            "location": {
                "address": address,
                "lat": round(lat + rng.uniform(-0.01, 0.01), 6),
                "lon": round(lon + rng.uniform(-0.01, 0.01), 6),
                "radius_m": 25,
            },
        }
        before = time.perf_counter()
        try:
            created = await http.post("/api/v1/cards", json=body, headers=headers)
        except httpx.HTTPError as exc:
            run.error("create", None, exc)
            continue
        submitted = time.perf_counter()
        if created.status_code != 201:
            run.error("create", created, None)
            continue
        run.create.values.append(submitted - before)
        card_id = created.json()["id"]
        run.submitted[card_id] = submitted
        run.pending.add(card_id)
        try:
            routed = await http.post(
                f"/api/v1/cards/{card_id}/route", json={"services": SERVICES}, headers=headers
            )
        except httpx.HTTPError as exc:
            del run.submitted[card_id]
            run.pending.discard(card_id)
            run.error("route", None, exc)
            continue
        if routed.status_code != 200:
            del run.submitted[card_id]
            run.pending.discard(card_id)
            run.error("route", routed, None)
            continue
        run.route.values.append(time.perf_counter() - submitted)
        run.routed += 1


async def consume(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    cursor: list[int],
    run: Run,
) -> None:
    """Police's system: pull the feed after the last cursor, again as soon as answered, until
    the workers are done and every card they routed has arrived."""
    while not run.give_up and not (run.workers_done and not run.pending):
        before = time.perf_counter()
        try:
            response = await http.get(
                f"/api/v1/feeds/{FEED_SERVICE}/cards",
                params={"after": cursor[0], "limit": 500},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            run.error("pull", None, exc)
            await asyncio.sleep(0.05)
            continue
        answered = time.perf_counter()
        if response.status_code != 200:
            run.error("pull", response, None)
            await asyncio.sleep(0.05)
            continue
        if not run.workers_done:  # not the catching up after the phase
            run.pull.values.append(answered - before)
        page = response.json()
        for item in page["items"]:
            run.arrived.setdefault(item["card_id"], answered)
            run.pending.discard(item["card_id"])
        cursor[0] = page["next_cursor"]


# --- the report -------------------------------------------------------------------------------


def print_table(report: dict[str, Any]) -> None:
    """The figures as a readable table."""
    m = report["machine"]
    s = report["settings"]
    print(f"card pipeline, {report['measured_at']}, commit {report['commit']}")
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['system']}, "
        f"Python {m['python']}; load average {m['load_average_at_start']} at the start"
    )
    pace = f"{s['rate']} cards/s offered" if s["rate"] else "closed loop (as fast as answered)"
    print(
        f"client: httpx {s['httpx']} on uvloop, {s['workers']} workers each with its own "
        f"keep-alive AsyncClient, "
        f"{pace}; up to {s['cards']} cards or {s['duration_s']:g} s per backend after "
        f"{s['warmup']} warm-up cards{'; server under pyinstrument' if s['profile'] else ''}"
    )
    ceiling_result = report["ceiling"]
    if ceiling_result:
        lat = ceiling_result["latency"]
        print(
            f"ceiling: bare FastAPI GET /ping: {ceiling_result['requests_per_s']:,} requests/s "
            f"(p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, "
            f"{ceiling_result['requests']:,} requests in {ceiling_result['seconds']} s)"
        )
    header = (
        "backend",
        "cards",
        "cards/s",
        "req/s",
        "feed p50",
        "feed p99",
        "create p50/p99",
        "route p50/p99",
        "pull p50/p99",
        "server CPU",
        "errors",
        "not on feed",
    )
    rows = [header]
    for name, r in report["backends"].items():
        rows.append(
            (
                name,
                str(r["cards"]),
                f"{r['cards_per_s']:,.1f}",
                f"{r['http_requests_per_s']:,}",
                ms(r["feed"]["p50_ms"]),
                ms(r["feed"]["p99_ms"]),
                _pair(r["create"]),
                _pair(r["route"]),
                _pair(r["pull"]),
                f"{r['server_cpu_cores']:.2f} cores, {r['server_cpu_ms_per_card']:g} ms/card",
                str(sum(r["errors"].values())),
                str(r["not_on_feed"]),
            )
        )
    print_rows(rows)
    print()
    for name, r in report["backends"].items():
        print(
            f"{name}: {r['database']}; {r['pulls']} pulls; client {r['client_cpu_cores']:.2f} "
            f"cores, machine busy {r['machine_busy_cores']:.2f} of {m['nproc']} cores"
        )
        up = r["catch_up"]
        print(
            f"  catch-up: 103, never pulled during the run, takes its {up['cards']} cards in pages "
            f"of 500: {up['cards_per_s']:,} cards/s (a full page {ms(up['page_of_500_p50_ms'])})"
        )
        for detail in r["not_on_feed_detail"]:
            print(f"  not on the feed: {detail}")
        if r["first_error"]:
            print(f"  first error: {r['first_error']}")
        met = (
            r["cards_per_s"] >= GOAL_CARDS_PER_S
            and r["feed"]["p99_ms"] is not None
            and r["feed"]["p99_ms"] < GOAL_P99_MS
        )
        print(
            f"  goal {GOAL_CARDS_PER_S:,} cards/s with feed p99 < {GOAL_P99_MS} ms: "
            f"{'met' if met else 'not met'} ({r['cards_per_s'] / GOAL_CARDS_PER_S:.0%} of the "
            f"rate, p99 {ms(r['feed']['p99_ms'])})"
        )
        if r["profile"]:
            print(f"  profile: {r['profile']}")
            for line in r["profile_summary"]["lines"]:
                print(f"    {line}")


def _pair(summary: dict[str, Any]) -> str:
    return f"{summary['p50_ms']}/{summary['p99_ms']} ms"


if __name__ == "__main__":
    raise SystemExit(main())
