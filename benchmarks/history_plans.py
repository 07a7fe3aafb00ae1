"""The day-long reads on tables that grow, against a year of history: ``make bench-history``.

A centre's database keeps every call, card, delivery and escalation. A read that runs all day
(at every flush, every pass of a worker, every request) must find its rows in an index of what
it asks for, not by reading what the years have piled up. This loads a year on PostgreSQL (the
``make bench-analytics`` generator: queue log, calls, cards, counters; ``--log-rows``) plus the
tables it does not fill — delivered outbox rows, sent surveys, answered break offers,
escalations, the last month's calls from 40,000 numbers — runs ``ANALYZE``, and for each read
prints what ``EXPLAIN (ANALYZE, BUFFERS)`` says: how the table was read, the rows a filter
threw away, the buffers touched, the time. The statements are those the product sends (as
PostgreSQL's log shows them), with values of the generated history.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.analytics_periods import load  # noqa: E402
from benchmarks.harness.report import commit, machine, print_rows  # noqa: E402
from benchmarks.harness.servers import database  # noqa: E402
from dispatch.core.settings import Settings  # noqa: E402
from tests.fixtures.databases import prepare  # noqa: E402

# Who runs each read, and the read. ``operator7`` raised no escalation and has no open card.
READS: dict[str, str] = {
    "Redis mirror: rows not yet streamed (every card routed, every second)": (
        "SELECT id FROM feed_outbox WHERE streamed_at IS NULL ORDER BY id LIMIT 200"
    ),
    "pull feed: a service's rows after its cursor (every poll)": (
        "SELECT id FROM feed_outbox WHERE service_code = '102' AND id > "
        "(SELECT max(id) - 200 FROM feed_outbox) ORDER BY id LIMIT 50"
    ),
    "operator console: my latest escalations (none raised)": (
        "SELECT id FROM escalations WHERE raised_by = 'operator7' "
        "ORDER BY raised_at DESC, id LIMIT 10"
    ),
    "operator console: my latest escalations (a thousand raised)": (
        "SELECT id FROM escalations WHERE raised_by = 'operator9' "
        "ORDER BY raised_at DESC, id LIMIT 10"
    ),
    "operator console: my open cards": (
        "SELECT id FROM cards WHERE operator_id = 'operator7' AND status IN ('open', 'routed') "
        "ORDER BY created_at DESC, number DESC LIMIT 50"
    ),
    "operator console: my break running": (
        "SELECT break_until FROM wellbeing_offers WHERE username = 'operator7' "
        "AND status = 'accepted' AND break_until > now() ORDER BY break_until DESC LIMIT 1"
    ),
    "operator console: a break offered to me": (
        "SELECT id FROM wellbeing_offers WHERE username = 'operator7' AND status = 'offered' "
        "ORDER BY offered_at DESC LIMIT 1"
    ),
    "surveys: the ones due (every pass)": (
        "SELECT id FROM surveys WHERE status = 'scheduled' AND send_after <= now() "
        "ORDER BY send_after LIMIT 50"
    ),
    "surveys: a number's recent one (every card closed)": (
        "SELECT id FROM surveys WHERE number = '+998900000007' "
        "AND created_at >= now() - interval '30 days' AND status != 'cancelled' LIMIT 1"
    ),
    "calls: a number's calls of the last 30 days (every call's history)": (
        "SELECT id FROM calls WHERE caller_key = '+998900000007' "
        "AND created_at >= now() - interval '30 days' AND created_at <= now() "
        "ORDER BY created_at DESC, id DESC LIMIT 100"
    ),
    "wellbeing: closed cards changed in a day (once at a process's start)": (
        "SELECT id FROM cards WHERE status = 'closed' AND updated_at >= now() - interval '1 day' "
        "ORDER BY updated_at, id LIMIT 100"
    ),
}

FILL = (
    # Delivered and streamed, 10 s apart, four services.
    """INSERT INTO feed_outbox (service_code, card_id, card_version, redelivery, reason,
         created_at, status, attempts, streamed_at, acknowledged_at)
       SELECT (ARRAY['101','102','103','104'])[1 + i % 4], gen_random_uuid(), 1, false, 'create',
         now() - i * interval '10 seconds', 'acknowledged', 1, now() - i * interval '10 seconds',
         now() - i * interval '10 seconds'
       FROM generate_series(1, $1::int) i""",
    """INSERT INTO surveys (id, card_id, card_number, call_id, number, channel, outcome, language,
         status, created_at, send_after, sent_at)
       SELECT gen_random_uuid(), gen_random_uuid(), 'n', gen_random_uuid(),
         '+99890' || lpad((i % 40000)::text, 7, '0'), 'sms', 'dispatched', 'uz', 'sent',
         now() - i * interval '5 minutes', now() - i * interval '5 minutes' + interval '1 hour',
         now() - i * interval '5 minutes' + interval '1 hour'
       FROM generate_series(1, $1::int / 5) i""",
    """INSERT INTO wellbeing_offers (id, case_id, username, status, minutes, offered_at,
         answered_at, break_until)
       SELECT gen_random_uuid(), gen_random_uuid(), 'operator' || (1 + i % 40), 'accepted', 10,
         now() - i * interval '20 minutes', now() - i * interval '20 minutes',
         now() - i * interval '20 minutes' + interval '10 minutes'
       FROM generate_series(1, $1::int / 15) i""",
    # The last 30 days' calls from 40,000 numbers (the year's generated calls have none).
    """INSERT INTO calls (id, channel, language, queue, status, caller_number, caller_key,
         timeline_complete, created_at, created_by)
       SELECT gen_random_uuid(), 'voice', 'uz', 'voice-uz', 'ended',
         '+99890' || lpad((i % 40000)::text, 7, '0'), '+99890' || lpad((i % 40000)::text, 7, '0'),
         true, now() - i * (interval '30 days' / $1::int), 'gateway1'
       FROM generate_series(1, $1::int) i""",
    # Raised by 300 operators evenly but operator7, a thousand each at the default size.
    """INSERT INTO escalations (id, call_id, kind, reason, status, raised_by, raised_at)
       SELECT gen_random_uuid(), gen_random_uuid(), 'help', 'r', 'resolved',
         'operator' || (8 + i % 300), now() - i * interval '5 minutes'
       FROM generate_series(1, $1::int) i""",
)


async def fill(url: str, rows: int) -> dict[str, int]:
    """The tables ``load`` leaves empty; their sizes."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SET session_replication_role = replica")  # no foreign keys
        for statement in FILL:
            await connection.execute(statement, rows)
        await connection.execute("ANALYZE")
        return {
            table: int(await connection.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("feed_outbox", "surveys", "wellbeing_offers", "escalations", "calls")
        }
    finally:
        await connection.close()


def summary(plan: list[str]) -> dict[str, Any]:
    """How the plan read its tables, the rows filters threw away, buffers and time."""
    text = "\n".join(plan)
    reads = re.findall(r"((?:Parallel )?(?:Seq|Index Only|Index|Bitmap Index) Scan[^(]*)", text)
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", text))
    buffers = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", text)
    took = re.search(r"Execution Time: ([\d.]+) ms", text)
    return {
        "reads": [" ".join(r.split()) for r in reads],
        "rows_removed": removed,
        "buffers": sum(int(b) for b in buffers.groups() if b) if buffers else 0,
        "ms": float(took.group(1)) if took else None,
    }


async def run(log_rows: int, other_rows: int, seed: int) -> dict[str, Any]:
    """Load, fill, explain each read."""
    with tempfile.TemporaryDirectory(prefix="bench-history-") as folder:
        async with database("postgresql", Path(folder), durable=False) as (url, where):
            prepare(Settings(database_url=url).database_url)
            rows = await load(url, log_rows, seed)
            rows.update(await fill(url, other_rows))
            connection = await asyncpg.connect(url)
            try:
                await connection.fetch(next(iter(READS.values())))  # a warm cache for all
                plans = {}
                for name, sql in READS.items():
                    found = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plans[name] = [row[0] for row in found]
            finally:
                await connection.close()
    return {"database": where, "rows": rows, "plans": plans}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-rows", type=int, default=400_000)
    parser.add_argument(
        "--other-rows", type=int, default=300_000,
        help="outbox and escalation rows (sent surveys a fifth of it, break offers a fifteenth)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=112)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.log_rows, args.other_rows, args.seed))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    now = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"day-long reads over a year of history, {now}, commit {commit()}")
    print(f"machine: {json.dumps(machine())}")
    print(f"database: {result['database']}; rows: {result['rows']}")
    table = [["read", "how", "rows thrown away", "buffers", "ms"]]
    for name, plan in result["plans"].items():
        seen = summary(plan)
        table.append(
            [name, "; ".join(seen["reads"]), str(seen["rows_removed"]), str(seen["buffers"]),
             f"{seen['ms']:.3f}"]
        )  # fmt: skip
    print_rows(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
