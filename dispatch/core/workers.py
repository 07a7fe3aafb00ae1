"""A background loop that works whenever an event arrives, and at least every ``idle_s``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from dispatch.core.bus import Bus, Subscription
from dispatch.core.logging import get_logger

log = get_logger(__name__)


async def _set_on_events(subscription: Subscription, wake: asyncio.Event) -> None:
    async for _ in subscription:
        wake.set()


async def run_on_events(
    bus: Bus,
    pattern: str,
    work: Callable[[], Awaitable[object]],
    *,
    idle_s: float,
    name: str,
) -> None:
    """Call ``work`` now, on every event matching ``pattern``, and every ``idle_s`` (the poll
    catches what another process did); runs until cancelled and outlives any single failure."""
    wake = asyncio.Event()
    subscription = bus.subscribe(pattern)
    waker = asyncio.create_task(_set_on_events(subscription, wake))
    try:
        while True:
            wake.clear()
            try:
                await work()
            except Exception:  # a worker must outlive any single failure
                log.exception("worker.error", worker=name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), idle_s)
    finally:
        waker.cancel()
        await subscription.close()
