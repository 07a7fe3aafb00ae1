"""``python -m dispatch`` with the simulation clock anchored to an origin every process shares.

In simulation mode (``DISPATCH_TIME_SCALE`` ≠ 1) a server's clock runs from the instant its
app was built, so two processes started a second apart disagree by (scale − 1) seconds of
server time: at speed 20 the second process lives 19 s in the past of the first, which breaks
offer expiry, timers and the simulator's service level. The product has no setting for a
shared origin yet (see BENCHMARKS.md, "Several processes"); a benchmark that runs several
processes at speed 20 starts each through this module, which builds the servers' clock from
``BENCH_CLOCK_ORIGIN`` (an ISO instant of server time) at ``BENCH_CLOCK_MONOTONIC`` (the
system-wide ``CLOCK_MONOTONIC`` reading it belongs to) and otherwise runs ``python -m dispatch``
unchanged (same process: the pid the benchmark measures and kills is the server's).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime

import dispatch.app
from dispatch.cli import main
from dispatch.core.clock import SystemClock

ORIGIN = "BENCH_CLOCK_ORIGIN"
MONOTONIC = "BENCH_CLOCK_MONOTONIC"


def anchor() -> dict[str, str]:
    """The environment that anchors every process's clock to now."""
    return {ORIGIN: datetime.now(UTC).isoformat(), MONOTONIC: repr(time.monotonic())}


class AnchoredClock(SystemClock):
    """The scaled system clock, counting from the shared origin instead of its own start."""

    def __init__(self, scale: float = 1.0, origin: datetime | None = None) -> None:
        super().__init__(scale, origin)
        self._origin = datetime.fromisoformat(os.environ[ORIGIN])
        self._origin_mono = float(os.environ[MONOTONIC])


if __name__ == "__main__":
    if ORIGIN in os.environ:
        dispatch.app.SystemClock = AnchoredClock  # type: ignore[attr-defined]
    sys.exit(main())
