"""The places rollup drained in the background: every ``DISPATCH_ANALYTICS_DRAIN_EVERY_S``
(wall seconds) the marks the triggers left are recomputed in transactions of at most
``DISPATCH_ANALYTICS_DRAIN_BATCH`` marks each (``places.drain``), until fewer than a batch were
left, so the first report after a busy hour finds a handful to recompute, not the hour's calls.

Several servers may each run one: a drain that finds the lock taken gives way (PostgreSQL), and
a report drains what is left under the same lock before it reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dispatch.analytics import places, sources
from dispatch.core.database import unit_of_work
from dispatch.core.leadership import led_by
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.geo.service import BoundariesNotLoaded

log = get_logger(__name__)


async def drain_round(runtime: Runtime) -> int:
    """Drain batch after batch (each its own transaction) until one finds fewer than a batch;
    how many marks were recomputed."""
    limit = runtime.settings.analytics_drain_batch
    drained = 0
    while True:
        async with unit_of_work(runtime.sessions, runtime.bus) as session:
            done = await places.drain(session, sources.boundaries, limit=limit)
        drained += done
        if done < limit:
            return drained
        await asyncio.sleep(0)  # the event loop's other work between two batches


async def _run(runtime: Runtime) -> None:
    every = runtime.settings.analytics_drain_every_s
    while True:
        try:
            drained = await drain_round(runtime)
            if drained:
                log.debug("analytics.drained", marks=drained)
        except BoundariesNotLoaded as exc:  # nothing can be placed before they are
            log.warning("analytics.drain_waiting", reason=str(exc))
        except Exception:  # the drainer must outlive any single failure
            log.exception("analytics.drain_failed")
        await asyncio.sleep(every)


@asynccontextmanager
async def places_drainer(runtime: Runtime) -> AsyncIterator[None]:
    """Drain the places rollup's marks for the lifetime of the app (unless the period is 0)."""
    if runtime.settings.analytics_drain_every_s <= 0:
        yield
        return
    task = asyncio.create_task(
        led_by(runtime.leadership, "analytics.drainer", lambda: _run(runtime)),
        name="analytics.drainer",
    )
    try:
        yield
    finally:
        await stop_tasks([task])
