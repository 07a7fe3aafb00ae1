"""The ACD worker started with the server: a tick of :func:`assign_once` whenever a call or an
operator changes (bus, also from other processes with Redis), and at least every
``DISPATCH_QUEUE_POLL_S`` of clock time, which catches the timers and other processes' work."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dispatch.core.bus import Subscription
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.queues.assignment import assign_once

log = get_logger(__name__)
# Topics after which a tick may have work: a new or ended call, an operator or queue change,
# a callback task made or due again.
WAKE_ON = ("call.*", "queue.*", "callback.*")
# The shortest wall-clock pause between polls (events still wake the worker at once).
MIN_POLL_WALL_S = 0.05


class AcdWorker:
    """Runs ticks until cancelled; one failing tick is logged and the next one tries again."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._wake = asyncio.Event()
        self.ticks = 0

    async def run(self) -> None:
        """Tick, then wait for a wake-up or the poll interval (clock time), forever."""
        # remote: with Redis, a call that enters through another process wakes this one too.
        subscriptions = [self.runtime.bus.subscribe(t, remote=True) for t in WAKE_ON]
        wakers = [asyncio.create_task(self._wake_on(s)) for s in subscriptions]
        try:
            while True:
                self._wake.clear()
                try:
                    await assign_once(self.runtime)
                except Exception:  # the worker must outlive any single failure
                    log.exception("queues.worker_error")
                self.ticks += 1
                await self._idle()
        finally:
            for waker in wakers:
                waker.cancel()
            for subscription in subscriptions:
                await subscription.close()

    async def _wake_on(self, subscription: Subscription) -> None:
        async for _ in subscription:
            self._wake.set()

    async def _idle(self) -> None:
        # The poll interval is clock time: a scaled simulation clock polls as often in its own
        # time. Waiting in wall time (not clock.sleep) never moves a ManualClock, which the
        # test that owns it drives; the timers themselves are timestamps read from the clock.
        # A floor in wall time keeps a fast simulation clock from turning this into a busy loop.
        scale = getattr(self.runtime.clock, "scale", 1.0)
        wait_s = max(self.runtime.settings.queue_poll_s / scale, MIN_POLL_WALL_S)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait_s)


@asynccontextmanager
async def acd_worker(runtime: Runtime) -> AsyncIterator[AcdWorker | None]:
    """Run the ACD worker for the lifetime of the app (unless ``DISPATCH_QUEUE_WORKER=false``)."""
    if not runtime.settings.queue_worker:
        yield None
        return
    worker = AcdWorker(runtime)
    task = asyncio.create_task(worker.run(), name="queues.acd")
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
