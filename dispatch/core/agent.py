"""HAProxy's agent check: the share of the requests this process should take.

The process that leads the ACD (``queues.acd``: its ticks, timers, surge judgements and the
callback dialler) does that work besides its share of the requests; with requests balanced
evenly it was the busier process of two by a quarter (BENCHMARKS.md, "The services' requests in
a process of their own"), and HAProxy's least connections does not see it: a process with no
request in flight is as free as another, whatever its weight. So each server process, given
``DISPATCH_AGENT_PORT``, answers HAProxy's ``agent-check`` there with a weight in percent of
the one its ``server`` line sets: ``DISPATCH_AGENT_LEADER_WEIGHT`` (60) while it leads the ACD,
100 otherwise. The leadership moves (a process dies, another takes over within two seconds), and
the weights follow at HAProxy's next check (every second). An agent that does not answer leaves
the last weight in place: the health check, not the agent, takes a process out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from dispatch.core.leadership import Leadership
from dispatch.core.logging import get_logger
from dispatch.core.settings import Settings
from dispatch.core.workers import finish

log = get_logger(__name__)

# The singleton whose leader takes fewer requests.
HEAVY = "queues.acd"


def weight(leading: Iterable[str], leader_weight: int) -> int:
    """The weight (percent) for a process leading ``leading``."""
    return leader_weight if HEAVY in leading else 100


@asynccontextmanager
async def weight_agent(settings: Settings, leadership: Leadership | None) -> AsyncIterator[None]:
    """Answer HAProxy's agent checks on ``settings.agent_port`` for as long as the block runs
    (nothing when no port is set)."""
    if settings.agent_port is None:
        yield
        return

    async def answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        leading = leadership.leading() if leadership is not None else []
        with contextlib.suppress(ConnectionError):
            writer.write(f"{weight(leading, settings.agent_leader_weight)}%\n".encode())
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, settings.agent_host, settings.agent_port)
    log.info("agent.listening", host=settings.agent_host, port=settings.agent_port)
    try:
        yield
    finally:
        server.close()
        await finish(server.wait_closed(), name="agent.close")
