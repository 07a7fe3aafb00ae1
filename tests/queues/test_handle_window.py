"""The staffing estimate (the supervisor's hint, the surge policy's judgement) takes the handle
time of the calls completed in the last hours, whatever the day: "today's" started again from
nothing at midnight, so a surge in the night's first minutes was judged on an assumed 180 s."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import session_factory
from dispatch.queues import shortfall, stats, summary
from dispatch.queues.models import QueueStat
from tests.queues.conftest import START, Acd

pytestmark = pytest.mark.asyncio

MIDNIGHT = START - timedelta(hours=9)  # 00:00 in Tashkent of START's day


def _row(queue: str, at: datetime, *, completed: int, talk_s: float, wrap_s: float) -> QueueStat:
    row = stats.blank(queue, stats.interval_start(at))
    row.entered = row.answered = row.completed = row.wrap_ups = completed
    row.talk_sum, row.wrap_sum = talk_s * completed, wrap_s * completed
    return row


async def _stored(engine: AsyncEngine, *rows: QueueStat) -> None:
    async with session_factory(engine)() as session:
        session.add_all(rows)
        await session.commit()


async def _staffing(acd: Acd, engine: AsyncEngine, now: datetime) -> dict[str, object]:
    async with session_factory(engine)() as session:
        overall = await summary.summary(session, now=now, tz=acd.api.runtime.settings.tz)
        return await shortfall.staffing(session, overall, now=now)


async def test_ten_minutes_after_midnight_the_evening_s_calls_give_the_handle_time(
    acd: Acd, engine: AsyncEngine
) -> None:
    before_the_window = MIDNIGHT - timedelta(hours=4, minutes=20)  # of the last four hours
    await _stored(
        engine,
        _row("voice-uz", MIDNIGHT - timedelta(minutes=30), completed=4, talk_s=200, wrap_s=40),
        _row("voice-ru", MIDNIGHT - timedelta(hours=3), completed=2, talk_s=110, wrap_s=10),
        _row("voice-uz", before_the_window, completed=9, talk_s=900, wrap_s=0),  # not counted
    )
    now = MIDNIGHT + timedelta(minutes=10)

    found = await _staffing(acd, engine, now)

    # (4 × 200 + 2 × 110) / 6 talk + (4 × 40 + 2 × 10) / 6 wrap-up
    assert (found["handle_s"], found["handle_assumed"]) == (200.0, False)
    # What "today" holds at that minute: nothing completed, as the estimate used to take it.
    async with session_factory(engine)() as session:
        today = await summary.summary(session, now=now, tz=acd.api.runtime.settings.tz)
    assert today.overall.today.avg_handle_s is None


async def test_the_window_counts_this_interval_and_the_last_hours_of_every_queue(
    acd: Acd, engine: AsyncEngine
) -> None:
    window_start = stats.interval_start(START - shortfall.HANDLE_WINDOW)
    await _stored(
        engine,
        _row("voice-uz", START, completed=1, talk_s=100, wrap_s=20),  # the current interval
        _row("video-sign", window_start, completed=3, talk_s=300, wrap_s=60),  # its first one
        _row("voice-ru", window_start - timedelta(minutes=15), completed=5, talk_s=10, wrap_s=0),
    )
    async with session_factory(engine)() as session:
        names = ["voice-uz", "video-sign", "voice-ru"]
        handle = await shortfall.recent_handle_s(session, names, now=START + timedelta(minutes=5))
        only_one = await shortfall.recent_handle_s(session, ["voice-uz"], now=START)
    assert handle == 300.0  # (100 + 900) / 4 talk + (20 + 180) / 4 wrap-up
    assert only_one == 120.0


async def test_without_a_call_completed_in_the_window_the_handle_time_is_assumed(
    acd: Acd, engine: AsyncEngine
) -> None:
    await _stored(
        engine,
        _row("voice-uz", START - timedelta(hours=5), completed=3, talk_s=400, wrap_s=50),
    )

    found = await _staffing(acd, engine, START)

    assert (found["handle_s"], found["handle_assumed"]) == (shortfall.ASSUMED_HANDLE_S, True)
