"""An ACD worker process for ``make bench-queues``: the product's tick, on command.

Run as ``python -m benchmarks.harness.acd_ticks`` from the checkout, by queue_assignment.py. It
reads one JSON line on stdin, ``{"database_url", "redis_url", "start"}``, builds the runtime a
server process would (engine, bus — Redis when a URL is given —, settings) with a ManualClock
at ``start``, and prints ``{"ready": true}``. Then for each line ``{"at": ISO}`` it moves its
clock to that instant, runs one ``dispatch.queues.assignment.assign_once`` (due timers, then
offers) and prints ``{"offers": n, "seconds": s, "cpu_s": c}``: the tick's wall time and this
process's CPU during it. An empty line ends it. With ``"profile_to": PATH`` in the first line,
pyinstrument samples the ticks (only them) and the session is saved there at the end.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from typing import Any

import uvloop
from pyinstrument import Profiler
from pyinstrument.session import Session

from dispatch.core.clock import ManualClock
from dispatch.core.database import create_engine, session_factory
from dispatch.core.logging import configure_logging
from dispatch.core.metrics import Metrics
from dispatch.core.redis_bus import open_bus
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.queues.assignment import assign_once


async def main() -> int:
    """Build the runtime, then tick on command until stdin ends."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config: dict[str, Any] = json.loads(await reader.readline())
    settings = Settings(
        database_url=config["database_url"],
        redis_url=config.get("redis_url"),
        log_level="WARNING",
        queue_worker=False,
        operator_grace_s=3600,
    )
    configure_logging(settings.log_level)  # to stderr: stdout is for the parent
    clock = ManualClock(datetime.fromisoformat(config["start"]))
    engine = create_engine(settings.database_url)
    bus = await open_bus(settings.redis_url, settings.redis_channel)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        bus=bus,
        clock=clock,
        metrics=Metrics(),
    )
    profile_to = config.get("profile_to")
    sampled: Session | None = None
    try:
        say({"ready": True})
        while line := (await reader.readline()).strip():
            at = datetime.fromisoformat(json.loads(line)["at"])
            clock.advance(max(0.0, (at - clock.now()).total_seconds()))
            profiler = Profiler() if profile_to else None
            if profiler:
                profiler.start()
            cpu, started = time.process_time(), time.perf_counter()
            offers = await assign_once(runtime)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            if profiler:
                session = profiler.stop()
                sampled = session if sampled is None else Session.combine(sampled, session)
            say({"offers": offers, "seconds": seconds, "cpu_s": cpu})
        if sampled is not None and profile_to:
            sampled.save(profile_to)
    finally:
        await bus.close()
        await engine.dispose()
    return 0


def say(message: dict[str, Any]) -> None:
    """One JSON line to the parent."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(uvloop.run(main()))
