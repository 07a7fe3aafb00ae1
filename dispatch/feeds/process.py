"""``python -m dispatch deliver``: the services' deliveries in a process of their own.

In a surge the server processes are busy with the API; webhook delivery running among their
requests falls behind (measured: the fire service's cards up to 142 s late while the pull feed
kept up). This process runs nothing but the delivery singletons (``feeds.webhook`` and, with
Redis, ``feeds.stream``) on the same database and bus: started before the servers, it takes
their leadership (``core/leadership``), and the operating system schedules it apart from the
requests. The servers still stand by for it: if it dies, one of them delivers within a couple of
seconds (nothing is lost: the outbox is in the database), and a restarted deliverer stands by
in turn until that server stops.
"""

from __future__ import annotations

import asyncio
import signal

from dispatch.core.clock import SystemClock
from dispatch.core.database import server_engine, session_factory
from dispatch.core.leadership import Leadership
from dispatch.core.logging import configure_logging, get_logger
from dispatch.core.metrics import Metrics
from dispatch.core.redis_bus import open_bus
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.core.workers import finish, stop_tasks
from dispatch.feeds.worker import feed_workers

log = get_logger(__name__)


async def deliver(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Deliver until ``stop`` is set (or SIGTERM/SIGINT when none is given)."""
    configure_logging(settings.log_level, json=settings.log_json)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    engine = server_engine(settings)
    bus = await open_bus(settings.redis_url, settings.redis_channel)
    leadership = Leadership(engine, stall_s=settings.leader_stall_s)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        bus=bus,
        clock=SystemClock(settings.time_scale, settings.clock_origin),
        metrics=Metrics(),
        leadership=leadership,
    )
    keeper = asyncio.create_task(leadership.keep(), name="leadership")
    log.info("deliverer.start")
    try:
        async with feed_workers(runtime):
            await stop.wait()
    finally:
        await stop_tasks([keeper])
        await finish(bus.close(), name="bus.close")
        await finish(engine.dispose(), name="database.dispose")
        log.info("deliverer.stop")
