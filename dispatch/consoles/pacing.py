"""How often the console hub flushes, refreshes and warns: its pacing, apart from its loops.

``INTERVAL_S``: at most one flush of each kind per interval (events meanwhile merge into the
next). ``REFRESH_S``: every part is recomputed at least this often, the users' personal parts a
slice at a time (:func:`refresh_slice`, every ``REFRESH_STEP_S``). ``SLOW_FLUSH_S``: a flush
longer than this is logged (``consoles.flush_slow``: which flush, how long, how many shared
parts and users' parts were dirty, how many consoles) — meanwhile no console of the process
learnt anything new; the surge benchmark's console p99 is set by a few stalls of seconds
(BENCHMARKS.md), and no flush was slow in its run of session 13. So two probes look outside the
flush, logged at the same bound: an event that reached the hub that late after it was emitted
(``consoles.event_late``: its topic, seconds; the commit, the bus, Redis, the hub's backlog),
and the process's event loop running that late (``consoles.loop_lag``: a sleep of
``LAG_PROBE_S`` overshot by that much: something held the loop, or the process was throttled).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from dispatch.core.bus import Event
from dispatch.core.logging import get_logger

T = TypeVar("T")
log = get_logger("dispatch.consoles.hub")

INTERVAL_S = 0.1
REFRESH_S = 30.0
# The refresh marks a slice of the users this often (each user once per ``REFRESH_S``).
REFRESH_STEP_S = 1.0
SLOW_FLUSH_S = 1.0
LAG_PROBE_S = 0.25


def refresh_slice(
    users: Sequence[T], cursor: int, *, step_s: float, refresh_s: float
) -> tuple[list[T], int]:
    """The users whose parts one refresh step recomputes, from ``cursor`` on, so that every
    user comes round once per ``refresh_s``; and where the next step starts."""
    if not users:
        return [], 0
    share = min(len(users), max(1, math.ceil(len(users) * step_s / refresh_s)))
    start = cursor % len(users)
    return [users[(start + n) % len(users)] for n in range(share)], (start + share) % len(users)


def note_late(event: Event, slow_s: float = SLOW_FLUSH_S) -> None:
    """Log ``event`` when it reached the hub more than ``slow_s`` after it was emitted."""
    late = (datetime.now(UTC) - event.at).total_seconds()
    if late > slow_s:
        log.warning("consoles.event_late", topic=event.topic, seconds=round(late, 3))


async def watch_loop(slow_s: float = SLOW_FLUSH_S) -> None:
    """Until cancelled: log each time this process's event loop ran more than ``slow_s`` late."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(LAG_PROBE_S)
        late = loop.time() - started - LAG_PROBE_S
        if late > slow_s:
            log.warning("consoles.loop_lag", seconds=round(late, 3))
