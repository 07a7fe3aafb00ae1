"""The garbage collector in a serving process: what the process made in order to serve is kept
out of the collector's way, so that a full collection looks only at what came after.

- At the start (:func:`settle`): everything the start made (modules, the app, its routes,
  SQLAlchemy's mappers) is collected once and frozen — moved where no collection looks — and
  young objects are collected less often (:data:`THRESHOLDS`).
- After a warm-up (:func:`freeze_after`, ``DISPATCH_GC_WARM_UP_S``, 30 s by default): what the
  first requests filled and keeps (SQLAlchemy's compiled statements, asyncpg's prepared
  statements and connections, the consoles' state: 60–120 thousand objects in ``make
  bench-surge``) is frozen too. Before, each full collection went over those objects again: it
  took 69–97 ms of CPU, 123–215 ms of wall time on a process held to 0.4 core, while no request
  and no console was served; after, 19–41 ms (BENCHMARKS.md, "A surge", session 16).

A frozen object is never collected as part of a cycle: an object the warm-up froze that later
becomes garbage in a reference cycle stays allocated. That is bounded — at most what the process
held once, at the warm-up's end — and it is why the freeze happens once, not periodically.
"""

from __future__ import annotations

import asyncio
import gc
import time

from dispatch.core.logging import get_logger

log = get_logger(__name__)

# A larger first generation (a request makes hundreds of short-lived objects); the older ones
# as Python's defaults.
THRESHOLDS = (20_000, 10, 10)


def settle() -> None:
    """Collect, freeze everything there is, and set :data:`THRESHOLDS` (the server's start)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


def freeze_now() -> dict[str, float]:
    """Collect what is garbage now, then freeze everything left; what it did, for the log."""
    before = len(gc.get_objects(generation=2))
    started = time.process_time()
    gc.collect()
    gc.freeze()
    return {
        "old_objects": before,
        "frozen": gc.get_freeze_count(),
        "cpu_ms": round((time.process_time() - started) * 1000, 1),
    }


async def freeze_after(warm_up_s: float) -> None:
    """After ``warm_up_s`` of serving, freeze what the process keeps (once)."""
    await asyncio.sleep(warm_up_s)
    log.info("gc.warmed_up", warm_up_s=warm_up_s, **freeze_now())
