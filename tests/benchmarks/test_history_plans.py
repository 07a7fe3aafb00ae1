"""``make bench-history`` on a small history: every read it names is valid SQL against today's
schema and comes back planned and timed, the Redis mirror's from its own index; and its
reading of a plan says how each table was read and what a filter threw away."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import history_plans

MIRROR = next(name for name in history_plans.READS if name.startswith("Redis mirror"))


@pytest.mark.postgres
def test_every_read_is_planned_and_timed(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCH_TEST_POSTGRES_URL", postgres_url)  # a database on the suite's

    result = asyncio.run(history_plans.run(log_rows=4_000, other_rows=3_000, seed=112))

    assert result["rows"]["feed_outbox"] == result["rows"]["escalations"] == 3_000
    assert result["rows"]["cards"] > 0
    assert result["plans"].keys() == history_plans.READS.keys()
    for name, plan in result["plans"].items():
        found = history_plans.summary(plan)
        assert found["reads"], (name, plan)
        assert found["ms"] is not None, (name, plan)
    mirror = history_plans.summary(result["plans"][MIRROR])
    assert mirror["reads"] == ["Index Only Scan using ix_feed_outbox_unstreamed on feed_outbox"]


def test_a_plan_is_read_for_its_scans_discards_buffers_and_time() -> None:
    plan = [
        "Limit  (cost=1000.00..5866.10 rows=1 width=8) (actual time=40.1..42.2 rows=0 loops=1)",
        "  Buffers: shared hit=2996 read=1620",
        "  ->  Parallel Seq Scan on feed_outbox  (cost=0.00..5866.00 rows=1 width=8)",
        "        Filter: (streamed_at IS NULL)",
        "        Rows Removed by Filter: 100000",
        "  ->  Index Scan Backward using ix_calls_created_at on calls  (cost=0.30..4.32 rows=1)",
        "        Rows Removed by Filter: 7",
        "Execution Time: 42.256 ms",
    ]

    found = history_plans.summary(plan)

    assert found == {
        "reads": [
            "Parallel Seq Scan on feed_outbox",
            "Index Scan Backward using ix_calls_created_at on calls",
        ],
        "rows_removed": 100_007,
        "buffers": 4_616,
        "ms": 42.256,
    }
