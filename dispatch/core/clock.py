"""The one clock every timer reads.

In simulation mode the clock may run faster than wall time (``DISPATCH_TIME_SCALE``) so a
simulated day passes in minutes; production refuses a scale other than 1 (see settings).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What timers need: the current instant and a way to wait in clock time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of clock time."""
        ...


class SystemClock:
    """Wall-clock time, optionally scaled; monotonic underneath so it never jumps back."""

    def __init__(self, scale: float = 1.0, origin: datetime | None = None) -> None:
        """``origin``: the wall-clock instant a scaled clock counts from (``origin + (wall −
        origin) × scale``), the same in every process of a simulated centre so that their
        clocks agree; without one, the clock counts from its own creation."""
        if scale <= 0:
            raise ValueError("clock scale must be positive")
        self.scale = scale
        wall = datetime.now(UTC)
        self._origin = wall if origin is None else origin + (wall - origin) * scale
        self._origin_mono = time.monotonic()

    def now(self) -> datetime:
        """The current instant; with scale 1 this is wall time."""
        if self.scale == 1.0:
            return datetime.now(UTC)
        elapsed = (time.monotonic() - self._origin_mono) * self.scale
        return self._origin + timedelta(seconds=elapsed)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of clock time (shorter in wall time when scaled)."""
        await asyncio.sleep(max(seconds, 0.0) / self.scale)


class ManualClock:
    """A clock that moves only when told to; for tests and discrete-event simulation."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")

    def now(self) -> datetime:
        """The instant the clock was last set or advanced to."""
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new instant."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Advance instead of waiting, then yield to the loop once."""
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)
