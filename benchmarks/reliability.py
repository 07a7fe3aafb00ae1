"""What survives a fault, measured from outside: ``make reliability``.

For each backend (SQLite; PostgreSQL started for the run with its durable defaults) this
migrates and seeds a new database and runs this checkout's ``python -m dispatch serve`` on it,
with police's (102) webhook pointing at a receiver in this process. Operators' clients create
and route cards as fast as the server answers, the whole time. Then, in turn:

- **kill -9**: the server process is killed (SIGKILL) ``--kills`` times, ``--interval`` seconds
  apart, and started again at once (``serve --no-migrate``);
- **service down**: the receiver answers 503 for ``--down`` seconds, then takes cards again;
- on PostgreSQL (which runs with a Redis bus): **PostgreSQL restarted the hard way**
  (``pg_ctl restart -m immediate``: crash recovery), then **Redis killed** and started again
  after ``--redis-down`` seconds; the figures say how long until cards were acknowledged again.

A card counts as acknowledged when its create answered 201, a route when it answered 200; a
request whose answer was lost (the server died under it) counts as neither. When the load
stops, the receiver must get every acknowledged route; then the report gives, per backend:
acknowledged cards missing from the API (lost), acknowledged routes never delivered, cards
delivered twice without ``X-Redelivery: true``, and deliveries out of order (a first arrival
with a lower ``X-Delivery-Cursor`` than one before it). Every figure must be 0. Loopback only,
bounded in time (each wait fails the run after ``--settle`` seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.faults import (  # noqa: E402
    Receiver,
    RedisProcess,
    Server,
    crash_postgres,
    receiving,
)
from benchmarks.harness.http import clients, sign_in  # noqa: E402
from benchmarks.harness.report import commit, machine, print_rows  # noqa: E402
from benchmarks.harness.servers import (  # noqa: E402
    OUT,
    database,
    prepare_database,
    server_env,
)

SERVICE = "102"
TOWNS = [(41.2995, 69.2401), (39.6542, 66.9597), (42.4619, 59.6003), (40.7821, 72.3442)]
# What a client may meet while the server it talks to is killed and started again.
LOST_ANSWER = (httpx.TransportError,)


@dataclass
class Load:
    """What the operators' clients were told was stored."""

    created: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)
    lost_answers: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    first_refusal: dict[str, str] = field(default_factory=dict)
    stop: bool = False


async def operator(http: httpx.AsyncClient, headers: dict[str, str], load: Load, seed: int) -> None:
    """Create and route cards until told to stop; a lost answer is retried with a new card."""
    rng = random.Random(seed)  # noqa: S311 - places for test cards, not secrets
    while not load.stop:
        lat, lon = rng.choice(TOWNS)
        body = {
            "incident": {
                "type": "fire.residential",
                "victims": 0,
                "hazards": ["fire"],
                "description": "reliability",
            },
            "caller": {"number": "+998901234567", "callback_number": "+998901234567"},
            "location": {"lat": lat + rng.uniform(-0.01, 0.01), "lon": lon, "radius_m": 30},
        }
        try:
            created = await http.post("/api/v1/cards", json=body, headers=headers)
            if created.status_code != 201:
                _refused(load, "create", created)
                continue
            card_id = created.json()["id"]
            load.created.append(card_id)
            routed = await http.post(
                f"/api/v1/cards/{card_id}/route", json={"services": [SERVICE]}, headers=headers
            )
            if routed.status_code != 200:
                _refused(load, "route", routed)
                continue
            load.routed.append(card_id)
        except LOST_ANSWER:
            load.lost_answers += 1
            await asyncio.sleep(0.1)  # the server is starting again


def _refused(load: Load, step: str, response: httpx.Response) -> None:
    key = f"{step} {response.status_code}"
    load.refusals[key] = load.refusals.get(key, 0) + 1
    load.first_refusal.setdefault(key, response.text[:300])


async def _until(check: Any, *, within: float, what: str) -> float:
    """Wait (bounded) until ``check()`` is true; seconds waited."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > within:
            raise RuntimeError(f"not within {within:.0f} s: {what}")
        await asyncio.sleep(0.1)
    return time.monotonic() - began


async def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """One backend's faults and what was found afterwards."""
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix=f"reliability-{backend}-") as folder:
        workdir = Path(folder)
        async with database(backend, workdir) as (url, description):
            redis = RedisProcess() if backend == "postgresql" else None
            settings = {"feed_retry_base_s": "0.2", "feed_retry_max_s": "2"}
            if redis is not None:
                await redis.start()
                settings["redis_url"] = redis.url
                description += ", Redis bus (started for the run)"
            env = server_env(url, **settings)
            prepare_database(env, workdir)
            server = Server(env, workdir)
            with receiving(receiver) as hook:
                try:
                    server.start()
                    return await _drive(server, receiver, hook, url, redis, description, args)
                finally:
                    server.stop()
                    if redis is not None:
                        redis.kill()
                    _keep_logs(workdir, backend)


def _keep_logs(workdir: Path, backend: str) -> None:
    """The servers' logs of the run, kept in benchmarks/out (the run's folder goes)."""
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"reliability-{backend}-server.log").open("wb") as kept:
        for log in sorted(workdir.glob("server-*.log")):
            kept.write(f"==> {log.name}\n".encode() + log.read_bytes())


async def _drive(
    server: Server,
    receiver: Receiver,
    hook: str,
    database_url: str,
    redis: RedisProcess | None,
    description: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    load = Load()
    async with clients(server.url, args.workers + 1) as pool:
        admin = await sign_in(pool[0], "admin")
        hooked = await pool[0].patch(
            f"/api/v1/services/{SERVICE}", headers=admin, json={"webhook_url": hook}
        )
        hooked.raise_for_status()
        operators = [
            asyncio.create_task(operator(http, await sign_in(http, "operator1"), load, n))
            for n, http in enumerate(pool[1:])
        ]
        restarts: list[float] = []
        database_restart: dict[str, Any] = {}
        redis_restart: dict[str, Any] = {}
        try:
            for _ in range(args.kills):
                await asyncio.sleep(args.interval)
                server.kill()
                restarts.append(server.start())
            await asyncio.sleep(args.interval)
            receiver.down = True
            await asyncio.sleep(args.down)
            receiver.down = False
            await asyncio.sleep(args.interval)
            if database_url.startswith("postgresql"):
                before = len(load.created)
                database_restart = await crash_postgres(database_url)
                await _until(
                    lambda: len(load.created) > before + args.workers,
                    within=args.settle,
                    what="cards acknowledged again after PostgreSQL's restart",
                )
                database_restart["recovered_after_s"] = round(
                    time.monotonic() - database_restart.pop("at"), 1
                )
                await asyncio.sleep(args.interval)
            if redis is not None:
                before = len(load.created)
                began = time.monotonic()
                redis.kill()
                await asyncio.sleep(args.redis_down)
                await redis.start()
                await _until(
                    lambda: len(load.created) > before + args.workers,
                    within=args.settle,
                    what="cards acknowledged again after Redis's restart",
                )
                redis_restart = {
                    "down_s": args.redis_down,
                    "cards_acknowledged_meanwhile": len(load.created) - before,
                    "cycle_s": round(time.monotonic() - began, 1),
                }
                await asyncio.sleep(args.interval)
        finally:
            load.stop = True
            await asyncio.gather(*operators, return_exceptions=True)
        routed = set(load.routed)
        drained = await _until(
            lambda: routed <= receiver.delivered(),
            within=args.settle,
            what=f"{len(routed - receiver.delivered())} acknowledged routes reaching the service",
        )
        stored = await _stored(pool[1], await sign_in(pool[1], "supervisor1"), load.created)
    found = _findings(load, receiver, stored, restarts, drained, description, args)
    found["database_restart"] = database_restart
    found["redis_restart"] = redis_restart
    return found


async def _stored(http: httpx.AsyncClient, admin: dict[str, str], cards: list[str]) -> set[str]:
    """The acknowledged cards the server still has."""
    found: set[str] = set()
    for card_id in cards:
        response = await http.get(f"/api/v1/cards/{card_id}", headers=admin)
        if response.status_code == 200:
            found.add(card_id)
    return found


def _findings(
    load: Load,
    receiver: Receiver,
    stored: set[str],
    restarts: list[float],
    drained: float,
    description: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    seen: set[str] = set()
    unmarked_duplicates = out_of_order = 0
    last_cursor = -1
    with receiver.lock:
        arrivals = list(receiver.arrivals)
    for card_id, cursor, marked in arrivals:
        if card_id in seen:
            unmarked_duplicates += 0 if marked else 1
            continue
        seen.add(card_id)
        out_of_order += 1 if cursor < last_cursor else 0
        last_cursor = max(last_cursor, cursor)
    return {
        "database": description,
        "kills": len(restarts),
        "restart_s_max": round(max(restarts, default=0.0), 2),
        "service_down_s": args.down,
        "refused_while_down": receiver.refused,
        "cards_acknowledged": len(load.created),
        "routes_acknowledged": len(load.routed),
        "answers_lost_in_kills": load.lost_answers,
        "refusals": load.refusals,
        "first_refusal": load.first_refusal,
        "deliveries": len(arrivals),
        "redeliveries_marked": sum(1 for _, _, marked in arrivals if marked),
        "drained_after_s": round(drained, 1),
        "lost_cards": len(set(load.created) - stored),
        "routes_not_delivered": len(set(load.routed) - seen),
        "unmarked_duplicates": unmarked_duplicates,
        "out_of_order": out_of_order,
    }


FAILURES = ("lost_cards", "routes_not_delivered", "unmarked_duplicates", "out_of_order")
COLUMNS = (
    ("backend", "backend"),
    ("kills", "kills"),
    ("restart_s_max", "restart s (max)"),
    ("cards_acknowledged", "cards ack'd"),
    ("routes_acknowledged", "routes ack'd"),
    ("answers_lost_in_kills", "answers lost"),
    ("deliveries", "deliveries"),
    ("redeliveries_marked", "marked redeliveries"),
    ("refused_while_down", "503s while down"),
    ("drained_after_s", "drained after s"),
    ("lost_cards", "lost cards"),
    ("routes_not_delivered", "not delivered"),
    ("unmarked_duplicates", "unmarked duplicates"),
    ("out_of_order", "out of order"),
)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    """One row per backend, then each backend's database and refusals."""
    rows = [[label for _, label in COLUMNS]]
    for backend, result in results.items():
        rows.append([str(result.get(key, backend)) for key, _ in COLUMNS])
    print_rows(rows)
    print()
    for backend, result in results.items():
        print(f"{backend}: {result['database']}; refused answers: {result['refusals'] or 'none'}")
        print(f"  the servers' logs: benchmarks/out/reliability-{backend}-server.log")
        if result["database_restart"]:
            print(f"  PostgreSQL restarted under load (immediate): {result['database_restart']}")
        if result["redis_restart"]:
            print(f"  Redis killed and started again under load: {result['redis_restart']}")
        for key, text in result["first_refusal"].items():
            print(f"  first {key}: {text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--interval", type=float, default=4.0, help="seconds of load between")
    parser.add_argument("--down", type=float, default=20.0, help="seconds the service is down")
    parser.add_argument("--workers", type=int, default=4, help="operators' clients")
    parser.add_argument("--redis-down", type=float, default=5.0, help="seconds Redis is gone")
    parser.add_argument("--settle", type=float, default=120.0, help="bound on each final wait")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    host = machine()
    print(f"reliability, {datetime.now(UTC).isoformat(timespec='seconds')}, commit {commit()}")
    print(
        f"machine: {host['nproc']} CPUs ({host['cpu']}), {host['system']}, Python "
        f"{host['python']}; load average {host['load_average_at_start']} at the start"
    )
    print(
        f"{args.workers} operators' clients creating and routing cards to {SERVICE}; "
        f"{args.kills} × kill -9 every {args.interval:g} s, then {SERVICE}'s system down "
        f"{args.down:g} s\n"
    )
    results = {backend: asyncio.run(run_backend(backend, args)) for backend in backends}
    print_table(results)
    failed = [f"{b}: {k}" for b, r in results.items() for k in FAILURES if r[k]]
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    print("every acknowledged card kept, every route delivered once or marked, in order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
