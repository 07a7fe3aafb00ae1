"""How often the console hub flushes, refreshes and warns: its pacing, apart from its loops.

``INTERVAL_S``: at most one flush of each kind per interval (events meanwhile merge into the
next). ``REFRESH_S``: every part is recomputed at least this often, the users' personal parts a
slice at a time (:func:`refresh_slice`, every ``REFRESH_STEP_S``). ``SLOW_FLUSH_S``: a flush
longer than this is logged (``consoles.flush_slow``: which flush, how long, how many shared
parts and users' parts were dirty, how many consoles) — meanwhile no console of the process
learnt anything new; the surge benchmark's console p99 is set by a few stalls of seconds
(BENCHMARKS.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

INTERVAL_S = 0.1
REFRESH_S = 30.0
# The refresh marks a slice of the users this often (each user once per ``REFRESH_S``).
REFRESH_STEP_S = 1.0
SLOW_FLUSH_S = 1.0


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
