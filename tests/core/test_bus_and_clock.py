"""Events go out only after a commit; the clock is one object, scalable in simulation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.bus import Event, InProcessBus, emit
from dispatch.core.clock import ManualClock, SystemClock
from dispatch.core.database import session_factory, unit_of_work
from dispatch.core.events import Topic

pytestmark = pytest.mark.asyncio


class Changed(TypedDict):
    code: str


CHANGED = Topic[Changed]("service.changed")


async def _drain(subscription: object, count: int) -> list[Event]:
    events: list[Event] = []
    async for event in subscription:  # type: ignore[attr-defined]
        events.append(event)
        if len(events) == count:
            break
    return events


async def test_subscribers_get_matching_events_in_order() -> None:
    bus = InProcessBus()
    cards = bus.subscribe("card.*")
    everything = bus.subscribe("*")
    for n in range(3):
        await bus.publish(Event("card.routed", {"n": n}))
    await bus.publish(Event("queue.changed", {"n": 9}))
    assert [e.payload["n"] for e in await _drain(cards, 3)] == [0, 1, 2]
    assert [e.topic for e in await _drain(everything, 4)][-1] == "queue.changed"
    await bus.close()


async def test_a_stuck_subscriber_does_not_block_the_publisher() -> None:
    bus = InProcessBus()
    slow = bus.subscribe("*", max_queue=2)
    for n in range(5):
        await bus.publish(Event("x", {"n": n}))
    assert slow.dropped == 3
    await slow.close()
    assert [e.payload["n"] for e in await _drain(slow, 2)] == [0, 1]


async def test_events_are_published_after_commit_and_dropped_on_rollback(
    engine: AsyncEngine,
) -> None:
    bus = InProcessBus()
    seen = bus.subscribe("*")
    sessions = session_factory(engine)
    async with unit_of_work(sessions, bus) as session:
        emit(session, CHANGED, Changed(code="101"))
        assert bus.published == 0  # not before the commit
    assert bus.published == 1

    async def failing_change() -> None:
        async with unit_of_work(sessions, bus) as session:
            await session.execute(text("UPDATE services SET active = false WHERE code = '102'"))
            emit(session, CHANGED, Changed(code="102"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_change()
    assert bus.published == 1
    async with engine.connect() as connection:
        active = await connection.scalar(text("SELECT active FROM services WHERE code = '102'"))
    assert active  # the rolled-back change did not happen either
    assert [e.payload for e in await _drain(seen, 1)] == [{"code": "101"}]


async def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    await clock.sleep(30)
    assert clock.now() == datetime(2026, 11, 22, 4, 0, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))


async def test_scaled_clock_runs_faster_than_wall_time() -> None:
    clock = SystemClock(scale=1000)
    start = clock.now()
    await asyncio.sleep(0.01)
    assert (clock.now() - start).total_seconds() >= 5
    assert clock.now().tzinfo is not None
    with pytest.raises(ValueError, match="positive"):
        SystemClock(scale=0)


async def test_scaled_clocks_with_one_origin_agree_whenever_they_started() -> None:
    # Two server processes of a simulated centre at speed 20, started 0.3 s apart: without a
    # shared origin the second lives 5.7 s of server time behind the first.
    origin = datetime.now(UTC) - timedelta(seconds=10)
    first = SystemClock(20.0, origin)
    await asyncio.sleep(0.3)
    second, alone = SystemClock(20.0, origin), SystemClock(20.0)
    assert abs((first.now() - second.now()).total_seconds()) < 1.0
    assert (first.now() - alone.now()).total_seconds() > 4.0
    # Server time is origin + (wall − origin) × scale: about 200 s after the origin here.
    elapsed = (first.now() - origin).total_seconds()
    assert 195 < elapsed < 260  # a loaded machine may sleep longer than asked
