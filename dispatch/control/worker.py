"""Legs that ring too long are given up (issue 26: nothing leaves an operator stuck): a task
that sleeps until the oldest ringing leg is due (``DISPATCH_LEG_RING_TIMEOUT_S`` after it was
asked for), woken by ``call.leg_changed``; a leg the gateway never answered becomes
``no_answer``, its command is never sent again and a colleague held for it is free again.
One process runs it (a singleton); a leg settled meanwhile is left as it is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from dispatch.control import events, service
from dispatch.core.actor import SYSTEM
from dispatch.core.database import unit_of_work
from dispatch.core.leadership import led_by
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import run_on_events, stop_tasks

log = get_logger(__name__)

# Without a ringing leg the task still looks this often (legs asked for in another process).
IDLE_S = 30.0


class RingTimer:
    """Gives up the legs that rang past the timeout."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def round(self) -> datetime | None:
        """Give up every leg due now; when the next ringing leg is due (None: none rings)."""
        now = self.runtime.clock.now()
        timeout = timedelta(seconds=self.runtime.settings.leg_ring_timeout_s)
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            return await service.give_up_ringing(session, SYSTEM, ring_for=timeout, now=now)

    async def run(self) -> None:
        """Time legs until cancelled: when the next is due, on ``call.leg_changed``, else every
        ``IDLE_S`` (legs asked for in another process)."""
        await run_on_events(
            self.runtime.bus,
            events.LEG_CHANGED,
            self.round,
            idle_s=IDLE_S,
            name="control.ring_timer",
            remote=True,
            clock=self.runtime.clock,
        )


@asynccontextmanager
async def ring_timer(runtime: Runtime) -> AsyncIterator[RingTimer]:
    """Run the ring timer for the lifetime of the app."""
    timer = RingTimer(runtime)
    task = asyncio.create_task(
        led_by(runtime.leadership, "control.ring_timer", timer.run), name="control.ring_timer"
    )
    try:
        yield timer
    finally:
        await stop_tasks([task])
