"""Queue statistics (like Asterisk's QueueSummary) with exact waits on a ManualClock, and their
rebuild from the queue log (function and command line)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.actor import SYSTEM
from dispatch.core.database import unit_of_work
from dispatch.queues.stats import rebuild
from tests.fixtures.processes import dispatch_env, run_cli
from tests.queues.conftest import START, Acd

pytestmark = pytest.mark.asyncio


async def at(acd: Acd, second: float) -> None:
    """Move the clock to ``second`` seconds after the start."""
    acd.clock.advance(second - (acd.clock.now() - START).total_seconds())


async def day_of_calls(acd: Acd) -> None:
    """Two answered, three abandoned (one in voice-ru), one still waiting. The abandoned
    callers withheld their numbers, so no callbacks take the operator's time."""
    await acd.configure("voice-uz", offer_timeout_s=30)
    await acd.state("operator1", "available")
    a = await acd.call()  # t=0
    await acd.tick()
    await at(acd, 4)
    await acd.accept("operator1")  # waited 4 s
    await at(acd, 5)
    b = await acd.call(caller_number=None)
    await at(acd, 17)
    await acd.event(b["id"], "abandoned")  # waited 12 s
    await at(acd, 20)
    c = await acd.call(caller_number=None)
    await at(acd, 23)
    await acd.event(c["id"], "abandoned")  # waited 3 s: an early abandon
    await at(acd, 30)
    f = await acd.call(language="ru", caller_number=None)
    await at(acd, 35)
    await acd.event(f["id"], "dropped")  # waited 5 s; the line was lost
    await at(acd, 64)
    await acd.event(a["id"], "ended")  # talked 60 s; wrap-up 15 s
    await at(acd, 79)
    await acd.tick()
    assert (await acd.me("operator1"))["state"] == "available"
    await at(acd, 80)
    d = await acd.call()
    await acd.tick()
    await at(acd, 92)
    await acd.accept("operator1")  # waited 12 s
    await at(acd, 152)
    await acd.event(d["id"], "ended")  # talked 60 s
    await at(acd, 157)
    await acd.api.post("/api/v1/operators/me/wrap-up/end", user="operator1")  # wrap-up 5 s
    await at(acd, 160)
    await acd.call()  # still waiting


def levels(period: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            level["seconds"],
            level["target_percent"],
            level["answered_within"],
            level["abandoned_within"],
            level["percent"],
            level["percent_with_abandons"],
        )
        for level in period["service_level"]
    ]


async def test_waits_service_levels_asa_and_handle_time_per_queue_and_overall(acd: Acd) -> None:
    await day_of_calls(acd)
    await at(acd, 170)
    summary = await acd.summary()
    assert summary["interval_minutes"] == 15
    uz = next(q for q in summary["queues"] if q["name"] == "voice-uz")
    assert (uz["waiting"], uz["offered"], uz["longest_wait_s"]) == (1, 0, 10)
    assert (uz["available"], uz["busy"], uz["signed_in"]) == (1, 0, 1)
    assert not any(q["available"] for q in summary["queues"] if q["name"] in ("video-sign",))
    now = uz["interval"]
    assert now["start"] == "2026-11-22T09:00:00+05:00"
    counts = ("entered", "answered", "abandoned", "completed", "ring_no_answer", "transferred")
    assert [now[k] for k in counts] == [5, 2, 2, 2, 0, 0]
    assert levels(now) == [(10, 90.0, 1, 1, 50.0, 50.0), (20, 95.0, 2, 2, 100.0, 100.0)]
    assert now["asa_s"] == 8.0
    assert now["longest_answered_wait_s"] == 12
    assert now["avg_abandon_wait_s"] == 7.5
    assert (now["avg_talk_s"], now["avg_wrap_up_s"], now["avg_handle_s"]) == (60, 10, 70)
    assert now["abandon_percent"] == 50.0
    assert uz["today"] == {**now, "start": uz["today"]["start"]}
    assert uz["today"]["start"] == "2026-11-22T00:00:00+05:00"  # midnight in Tashkent

    overall = summary["overall"]
    assert [overall["interval"][k] for k in counts] == [6, 2, 3, 2, 0, 0]
    assert levels(overall["interval"]) == [
        (10, 90.0, 1, 2, 50.0, 60.0),
        (20, 95.0, 2, 3, 100.0, 100.0),
    ]
    assert overall["waiting"] == 1

    await at(acd, 15 * 60 + 10)  # the next interval
    later = await acd.summary()
    uz = next(q for q in later["queues"] if q["name"] == "voice-uz")
    assert uz["interval"]["start"] == "2026-11-22T09:15:00+05:00"
    assert (uz["interval"]["answered"], uz["interval"]["asa_s"]) == (0, None)
    assert levels(uz["interval"])[0][4:] == (None, None)
    assert uz["today"]["answered"] == 2
    assert uz["longest_wait_s"] == 15 * 60 + 10 - 160


async def test_statistics_rebuild_from_the_queue_log(
    acd: Acd, engine: AsyncEngine, database_url: str
) -> None:
    await day_of_calls(acd)
    truth = await acd.summary()
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE queue_stats SET answered = 99, talk_sum = 0"))
        await connection.execute(text("DELETE FROM queue_stats WHERE queue = 'voice-ru'"))
    assert await acd.summary() != truth
    lines = len(await acd.log(limit=5000))
    runtime = acd.api.runtime
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        assert await rebuild(session, SYSTEM, now=acd.clock.now()) == lines
    assert await acd.summary() == truth

    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM queue_stats"))
    env = dispatch_env(DISPATCH_DATABASE_URL=database_url)
    done = await asyncio.to_thread(run_cli, ["queues", "rebuild-stats"], env)
    assert done.returncode == 0, done.stderr
    assert "rebuilt from" in done.stderr
    assert await acd.summary() == truth
