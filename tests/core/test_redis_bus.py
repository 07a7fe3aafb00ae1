"""The Redis bus (real Redis): events cross processes to the subscribers that want them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis.asyncio as redis

from dispatch.core.bus import Event
from dispatch.core.redis_bus import RESYNC, RedisBus

pytestmark = [pytest.mark.asyncio, pytest.mark.redis]


@pytest_asyncio.fixture
async def buses(redis_url: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two buses on one private channel, as two server processes would have."""
    channel = f"test:bus:{uuid.uuid4().hex}"
    first, second = RedisBus(redis_url, channel=channel), RedisBus(redis_url, channel=channel)
    await first.start()
    await second.start()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _next(subscription: object) -> Event:
    async with asyncio.timeout(10):
        return await subscription.queue.get()  # type: ignore[attr-defined,no-any-return]


async def test_remote_subscribers_get_other_processes_events_once(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    here, there = buses
    mine = here.subscribe("card.*", remote=True)
    remote = there.subscribe("card.*", remote=True)
    local_only = there.subscribe("*")
    await here.publish(Event("card.routed", {"card_id": "c1"}))
    await here.publish(Event("card.closed", {"card_id": "c1"}))
    await here.publish(Event("call.created", {"call_id": "x"}))  # matches no card.* pattern
    assert [(await _next(remote)).topic for _ in range(2)] == ["card.routed", "card.closed"]
    # The publisher's own subscribers got each event once, locally, not again from Redis.
    assert [(await _next(mine)).topic for _ in range(2)] == ["card.routed", "card.closed"]
    await there.publish(Event("card.marker", {}))
    assert (await _next(local_only)).topic == "card.marker"  # the other process's never came
    assert (await _next(remote)).topic == "card.marker"
    # Redis keeps the channel's order: had our own events come back, they would be here first.
    assert (await _next(mine)).topic == "card.marker"
    assert (here.received, there.received) == (1, 3)


async def test_payloads_and_times_cross_intact(buses: tuple[RedisBus, RedisBus]) -> None:
    here, there = buses
    remote = there.subscribe("*", remote=True)
    event = Event("queue.offer", {"operator": "operator1", "n": 3, "ok": True, "none": None})
    await here.publish(event)
    got = await _next(remote)
    assert (got.topic, got.payload, got.at) == (event.topic, event.payload, event.at)


async def test_a_lost_connection_tells_remote_subscribers_to_resync(
    redis_url: str, buses: tuple[RedisBus, RedisBus]
) -> None:
    here, there = buses
    remote = there.subscribe("*", remote=True)
    admin = redis.from_url(redis_url)
    try:
        await admin.client_kill_filter(_type="pubsub")
    finally:
        await admin.aclose()
    got = await _next(remote)
    assert got.topic == RESYNC.name  # events sent meanwhile may be gone: recompute everything
    await here.publish(Event("card.routed", {}))
    assert (await _next(remote)).topic == "card.routed"
