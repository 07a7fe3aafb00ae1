"""Protocol answers onto the card within a few seconds even when the operator stops answering
(issue 24): a task that sleeps until the next pending walk is due (``FLUSH_EVERY`` after its last
write onto the card), woken by ``protocol.pending``; a card is written at most that often."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from dispatch.cards import events as card_events
from dispatch.cards import protocol_runs
from dispatch.core.actor import SYSTEM
from dispatch.core.database import unit_of_work
from dispatch.core.leadership import led_by
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import run_on_events, stop_tasks

log = get_logger(__name__)

# Without anything pending the task still looks this often (another process's walks).
IDLE_S = 30.0


class Flusher:
    """Writes the pending walks of cards onto them when due."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def round(self) -> datetime | None:
        """Write every due card; returns when the next pending walk is due (None: none)."""
        now = self.runtime.clock.now()
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            ready, later = await protocol_runs.due(session, now=now)
        for card_id in ready:
            try:
                async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                    await protocol_runs.flush_card(session, SYSTEM, card_id, now=now)
            except Exception:  # one card's failure must not hold the others back
                log.exception("protocols.flush_failed", card_id=str(card_id))
        return later

    async def run(self) -> None:
        """Flush until cancelled: when the next walk is due, on ``protocol.pending`` (remote: one
        process flushes, a singleton; the walks are answered in any of them), else every
        ``IDLE_S``."""
        await run_on_events(
            self.runtime.bus,
            card_events.PROTOCOL_PENDING,
            self.round,
            idle_s=IDLE_S,
            name="protocols.flusher",
            remote=True,
            clock=self.runtime.clock,
        )


@asynccontextmanager
async def protocol_flusher(runtime: Runtime) -> AsyncIterator[Flusher]:
    """Run the flusher for the lifetime of the app."""
    flusher = Flusher(runtime)
    task = asyncio.create_task(
        led_by(runtime.leadership, "protocols.flusher", flusher.run), name="protocols.flusher"
    )
    try:
        yield flusher
    finally:
        await stop_tasks([task])
