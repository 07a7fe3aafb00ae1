"""A year of history on PostgreSQL, and what the period reports cost: ``make bench-analytics``.

Generates ``--log-rows`` queue-log lines (default 1,000,000; the issue asks 1 and 10 million)
for calls spread over 2025 by the hour of the day (80% answered: enter, connect, complete,
wrap-up; 20% abandoned: enter, abandon), with their calls, their cards (placed in a district of
the real boundaries) and the queues' 15-minute counters the ACD would have kept, all loaded with
COPY, and rebuilds the places rollup (``python -m dispatch analytics rebuild``'s part, timed);
then asks the app in process, as an analyst, for a year's queue KPIs of the country (by
month and by day), one queue's, the calls' figures of one district, a region's territory and
the country's. Each answer's wall time is the median of ``--repeat`` runs; the plans of the
rollups' queries (EXPLAIN ANALYZE) show that the KPIs read the counters, not the log, and the
territory the places rollup's days, not its calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.modules.setdefault("trio", None)  # type: ignore[arg-type]

from benchmarks.harness.report import commit, machine, print_rows  # noqa: E402
from benchmarks.harness.servers import database  # noqa: E402
from dispatch.analytics import places, sources  # noqa: E402
from dispatch.app import create_app  # noqa: E402
from dispatch.core.actor import SYSTEM  # noqa: E402
from dispatch.core.database import one_transaction  # noqa: E402
from dispatch.core.settings import Settings  # noqa: E402
from dispatch.queues.stats import INTERVAL_MINUTES  # noqa: E402
from tests.fixtures.databases import TEST_SCRYPT_N, prepare  # noqa: E402

YEAR = 2025
TARGETS = (10, 20)
# Calls by hour of the day (local), a 112 centre's usual shape.
HOURLY = (2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 7, 7, 7, 7, 7, 6, 5, 4, 3, 3)
TYPES = ("medical.stroke", "fire.residential", "road.accident_injuries", "crime.theft")
LOCAL = timedelta(hours=5)  # Asia/Tashkent


def calls_of_year(count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """(id, start, queue index, answered, wait, talk, wrap, operator n, type n), time order."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible history, not a secret
    weights = [HOURLY[h % 24] for h in range(365 * 24)]
    hours = sorted(rng.choices(range(365 * 24), weights=weights, k=count))
    first = datetime(YEAR, 1, 1, tzinfo=UTC) - LOCAL
    for hour in hours:
        start = first + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
        answered = rng.random() < 0.8
        wait = rng.expovariate(1 / 8) if answered else rng.expovariate(1 / 20)
        yield (
            uuid.uuid4(),
            start,
            rng.randrange(6),
            answered,
            round(wait, 3),
            round(rng.uniform(30, 240), 3),
            round(rng.uniform(5, 40), 3),
            rng.randrange(40),
            rng.randrange(len(TYPES)),
        )


def interval(at: datetime) -> datetime:
    seconds = int(at.timestamp())
    return datetime.fromtimestamp(seconds - seconds % (INTERVAL_MINUTES * 60), UTC)


async def load(url: str, log_rows: int, seed: int) -> dict[str, int]:
    """Generate and COPY the history; how many rows of each table."""
    connection = await asyncpg.connect(url)
    try:
        queues = [r["name"] for r in await connection.fetch("SELECT name FROM queues ORDER BY 1")]
        districts = await connection.fetch("SELECT code, region_code FROM districts ORDER BY 1")
        rng = random.Random(seed + 1)  # noqa: S311 - a reproducible history
        log: list[tuple[Any, ...]] = []
        calls: list[tuple[Any, ...]] = []
        cards: list[tuple[Any, ...]] = []
        sums: dict[tuple[str, datetime], list[Any]] = {}
        lines_per_call = 0.8 * 4 + 0.2 * 2
        for n, (call_id, start, q, answered, wait, talk, wrap, op, kind) in enumerate(
            calls_of_year(int(log_rows / lines_per_call), seed)
        ):
            queue = queues[q % len(queues)]
            operator = f"operator{op + 1}"
            ended = start + timedelta(seconds=wait + (talk if answered else 0))
            log.append((start, queue, call_id, None, "enter", "{}"))
            waited = start + timedelta(seconds=wait)
            key = (queue, interval(waited))
            row = sums.setdefault(key, [0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, {}, {}])
            row[0] += 1
            within = {str(t): 1 for t in TARGETS if wait <= t}
            if answered:
                log.append(
                    (waited, queue, call_id, operator, "connect", json.dumps({"wait_s": wait}))
                )
                done = {"wait_s": wait, "talk_s": talk, "reason": "ended"}
                log.append((ended, queue, call_id, operator, "complete", json.dumps(done)))
                wrapped = ended + timedelta(seconds=wrap)
                log.append(
                    (wrapped, queue, call_id, operator, "wrap_up", json.dumps({"wrap_s": wrap}))
                )
                row[1] += 1
                row[3] += 1
                row[4] += wait
                row[5] = max(row[5], wait)
                row[7] += talk
                row[8] += wrap
                for k in within:
                    row[9][k] = row[9].get(k, 0) + 1
                district = districts[rng.randrange(len(districts))]
                document = {
                    "incident": {"type": TYPES[kind]},
                    "location": {
                        "region": {"code": district["region_code"]},
                        "district": {"code": district["code"]},
                    },
                }
                cards.append(
                    (uuid.uuid4(), f"B-{n:09d}", 2, "closed", call_id, TYPES[kind], 2, operator,
                     start, ended, json.dumps(document))
                )  # fmt: skip
            else:
                gone = {"wait_s": wait, "reason": "abandoned"}
                log.append((waited, queue, call_id, None, "abandon", json.dumps(gone)))
                row[2] += 1
                row[6] += wait
                for k in within:
                    row[10][k] = row[10].get(k, 0) + 1
            answer = waited if answered else None
            calls.append(
                (call_id, "voice", "uz", "ended" if answered else "abandoned", queue,
                 operator if answered else None, answer, ended, talk if answered else None, True,
                 start, "gateway1")
            )  # fmt: skip
        await connection.copy_records_to_table(
            "calls",
            records=calls,
            columns=["id", "channel", "language", "status", "queue", "operator", "answered_at",
                     "ended_at", "talk_seconds", "timeline_complete", "created_at", "created_by"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "cards",
            records=cards,
            columns=["id", "number", "version", "status", "call_id", "incident_type", "priority",
                     "operator_id", "created_at", "updated_at", "document"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "queue_log",
            records=log,
            columns=["at", "queue", "call_id", "operator", "event", "data"],
        )
        stats = [
            (queue, at, r[0], 0, r[1], r[2], r[3], 0, r[3], r[4], r[5], r[6], r[7], r[8],
             json.dumps(r[9]), json.dumps(r[10]))
            for (queue, at), r in sums.items()
        ]  # fmt: skip
        await connection.copy_records_to_table(
            "queue_stats",
            records=stats,
            columns=["queue", "interval_start", "entered", "transferred", "answered", "abandoned",
                     "completed", "ring_no_answer", "wrap_ups", "wait_sum", "max_wait",
                     "abandon_wait_sum", "talk_sum", "wrap_sum", "answered_within",
                     "abandoned_within"],
        )  # fmt: skip
        await connection.execute("ANALYZE")
        return {
            "queue_log": len(log),
            "calls": len(calls),
            "cards": len(cards),
            "queue_stats": len(stats),
        }
    finally:
        await connection.close()


async def plans(url: str) -> list[str]:
    """EXPLAIN ANALYZE of the KPI's per-month rollup read (what it touches)."""
    connection = await asyncpg.connect(url)
    try:
        query = (
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT interval_start, sum(entered), "
            "sum(answered), sum(abandoned), sum(wait_sum), max(max_wait), "
            "sum((answered_within ->> '20')::int) FROM queue_stats "
            "WHERE interval_start >= $1 AND interval_start < $2 AND queue = ANY($3) "
            "GROUP BY interval_start ORDER BY interval_start"
        )
        queues = [r["name"] for r in await connection.fetch("SELECT name FROM queues")]
        start = datetime(YEAR, 1, 1, tzinfo=UTC) - LOCAL
        rows = await connection.fetch(query, start, start + timedelta(days=365), queues)
        return [r[0] for r in rows]
    finally:
        await connection.close()


async def timed(http: httpx.AsyncClient, url: str, headers: dict[str, str], repeat: int) -> float:
    """Median wall seconds of ``repeat`` answers (each must be 200)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await http.get(url, headers=headers, timeout=600)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return statistics.median(times)


async def run(log_rows: int, repeat: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as folder:
        async with database("postgresql", Path(folder), durable=False) as (url, where):
            prepare(Settings(database_url=url).database_url)
            started = time.perf_counter()
            counts = await load(url, log_rows, seed)
            loaded_s = time.perf_counter() - started
            started = time.perf_counter()
            counts["analytics_places"], counts["analytics_place_days"] = await rolled_up(url)
            rolled_s = time.perf_counter() - started
            settings = Settings(
                database_url=Settings(database_url=url).database_url,
                password_scrypt_n=TEST_SCRYPT_N,
                log_level="WARNING",
                queue_worker=False,
                feed_worker=False,
            )
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
                async with httpx.AsyncClient(transport=transport, base_url="http://b") as http:
                    token = (
                        await http.post(
                            "/api/v1/auth/token",
                            data={"username": "analyst1", "password": "analyst1"},
                        )
                    ).json()["access_token"]
                    auth = {"Authorization": f"Bearer {token}"}
                    year = f"date_from={YEAR}-01-01&date_to={YEAR}-12-31"
                    district = await _one(url, "SELECT code FROM districts ORDER BY 1 LIMIT 1")
                    queue = await _one(url, "SELECT name FROM queues ORDER BY 1 LIMIT 1")
                    asked = {
                        "KPIs, country, by month": f"/api/v1/analytics/kpis?{year}&grain=month",
                        "KPIs, country, by day": f"/api/v1/analytics/kpis?{year}&grain=day",
                        "KPIs, one queue, by hour": (
                            f"/api/v1/analytics/kpis?{year}&grain=hour&queue={queue}"
                        ),
                        "calls, one district, by month": (
                            f"/api/v1/analytics/calls?{year}&grain=month&district={district}"
                        ),
                        "territory, one region": f"/api/v1/analytics/territory?{year}&region=UZ-TO",
                        "territory, country": f"/api/v1/analytics/territory?{year}",
                    }
                    answers = {
                        name: await timed(http, path, auth, repeat) for name, path in asked.items()
                    }
            return {
                "where": where,
                "rows": counts,
                "load_s": round(loaded_s, 1),
                "rollup_s": round(rolled_s, 1),
                "answers_s": {k: round(v, 3) for k, v in answers.items()},
                "plan": await plans(url),
                "district_plan": await district_plan(url),
                "territory_plan": await territory_plan(url),
            }


async def rolled_up(url: str) -> tuple[int, int]:
    """``python -m dispatch analytics rebuild``'s places part, as after a bulk load; the rows of
    the places rollup and of its days."""
    async with one_transaction(Settings(database_url=url).database_url) as session:
        index = await sources.boundaries(session)
        rows = await places.rebuild(session, SYSTEM, index=index, now=datetime.now(UTC))
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("ANALYZE analytics_places")
        await connection.execute("ANALYZE analytics_place_days")
        days = int(await connection.fetchval("SELECT count(*) FROM analytics_place_days"))
    finally:
        await connection.close()
    return rows, days


async def district_plan(url: str) -> list[str]:
    """EXPLAIN ANALYZE of a district's year read from the places rollup."""
    connection = await asyncpg.connect(url)
    try:
        district = await connection.fetchval("SELECT code FROM districts ORDER BY 1 LIMIT 1")
        start = datetime(YEAR, 1, 1, tzinfo=UTC) - LOCAL
        rows = await connection.fetch(
            "EXPLAIN (ANALYZE, COSTS OFF) SELECT c.id, p.started_at, c.status, c.answered_at "
            "FROM analytics_places p JOIN calls c ON c.id = p.call_id "
            "WHERE p.district_code = $1 AND p.started_at >= $2 AND p.started_at < $3",
            district,
            start,
            start + timedelta(days=365),
        )
        return [r[0] for r in rows]
    finally:
        await connection.close()


async def territory_plan(url: str) -> list[str]:
    """EXPLAIN ANALYZE of a region's year read from the places rollup's days (the territory's
    reads of the UTC days inside the local year): its calls by district and hour, and what its
    cards placed elsewhere (the per-region rows)."""
    connection = await asyncpg.connect(url)
    try:
        hours = ", ".join(f"sum(h{hour:02d})" for hour in range(24))
        days = (datetime(YEAR, 1, 1).date(), datetime(YEAR, 12, 30).date())
        plan: list[str] = []
        for query in (
            f"SELECT region_code, district_code, {hours} FROM analytics_place_days "  # noqa: S608
            "WHERE kind = 'call' AND day >= $1 AND day <= $2 AND region_code = 'UZ-TO' "
            "GROUP BY region_code, district_code",
            "SELECT sum(total) FROM analytics_place_days WHERE kind = 'creg' "
            "AND day >= $1 AND day <= $2 AND region_code <> 'UZ-TO'",
        ):
            rows = await connection.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {query}", *days)
            plan += [r[0] for r in rows]
        return plan
    finally:
        await connection.close()


async def _one(url: str, query: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        return str(await connection.fetchval(query))
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=112)
    args = parser.parse_args()
    result = asyncio.run(run(args.log_rows, args.repeat, args.seed))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"analytics over a year, {now}, commit {commit()}")
    print(f"machine: {json.dumps(machine())}")
    print(
        f"database: {result['where']}; loaded with COPY in {result['load_s']} s: {result['rows']}"
    )
    print(f"places rollup rebuilt (analytics rebuild) in {result['rollup_s']} s")
    print()
    print_rows(
        [["answer", "wall s (median)"], *[[k, f"{v:.3f}"] for k, v in result["answers_s"].items()]]
    )
    print("\nplan of the KPIs' per-interval rollup read (a year, every queue):")
    print("\n".join("  " + line for line in result["plan"]))
    print("\nplan of a district's year read from the places rollup (the call report's read):")
    print("\n".join("  " + line for line in result["district_plan"]))
    print("\nplan of a region's year of calls read from the places rollup's days (the territory):")
    print("\n".join("  " + line for line in result["territory_plan"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
