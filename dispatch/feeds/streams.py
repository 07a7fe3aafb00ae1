"""With Redis configured, every outbox row is also written to a Redis Stream per service.

Stream ``dispatch:feed:<service>``; each entry's id is ``<cursor>-0``, so writing the same row
twice (a crash between XADD and the commit) is refused by Redis and nothing is duplicated.
Consumers read with consumer groups (XREADGROUP) and acknowledge to 112 over HTTP.
"""

from __future__ import annotations

import redis.asyncio as redis
from redis.exceptions import ResponseError
from sqlalchemy import select, update

from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import run_on_events
from dispatch.feeds import events, payloads
from dispatch.feeds.states import OUTBOX

log = get_logger(__name__)
BATCH = 200
IDLE_POLL_S = 1.0


def stream_key(service_code: str) -> str:
    """The Redis Stream that carries a service's cards."""
    return f"dispatch:feed:{service_code}"


class StreamMirror:
    """Copies new outbox rows into the services' Redis Streams, in cursor order."""

    def __init__(self, runtime: Runtime, client: redis.Redis) -> None:
        self.runtime = runtime
        self.client = client

    async def run(self) -> None:
        """Mirror until cancelled; wakes on ``feed.enqueued``."""
        await run_on_events(
            self.runtime.bus,
            events.ENQUEUED,
            self.mirror_all,
            idle_s=IDLE_POLL_S,
            name="feeds.stream",
            remote=True,  # one process mirrors (a singleton); cards are routed in any
        )

    async def mirror_all(self) -> int:
        """Mirror batches until none is left; returns how many rows."""
        total = 0
        while done := await self.mirror_batch():
            total += done
        return total

    async def mirror_batch(self) -> int:
        """Write the next batch of unmirrored rows; returns how many."""
        now = self.runtime.clock.now()
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            rows = (
                await session.execute(
                    select(
                        OUTBOX.c.id,
                        OUTBOX.c.service_code,
                        OUTBOX.c.card_id,
                        OUTBOX.c.card_version,
                        OUTBOX.c.redelivery,
                        payloads.xml_column().label("xml"),
                    )
                    .where(OUTBOX.c.streamed_at.is_(None))
                    .order_by(OUTBOX.c.id)
                    .limit(BATCH)
                )
            ).all()
            texts = await payloads.fill_xml(
                session, {(r.card_id, r.card_version): r.xml for r in rows}, now=now
            )
        if not rows:
            return 0
        # Redis is written outside any transaction (SQLite's writers would wait on it), in one
        # round trip. Per service the rows come in cursor order, and cursors commit in order, so
        # a second mirror (another process) never adds a later cursor before an earlier one.
        pipe = self.client.pipeline(transaction=False)
        for row in rows:
            fields = {
                "cursor": str(row.id),
                "card_id": str(row.card_id),
                "version": str(row.card_version),
                "redelivery": "true" if row.redelivery else "false",
                "xml": payloads.for_service(
                    row.service_code, texts[(row.card_id, row.card_version)]
                ),
            }
            pipe.xadd(stream_key(row.service_code), fields, id=f"{row.id}-0")  # type: ignore[arg-type]
        for answer in await pipe.execute(raise_on_error=False):
            # Already in the stream (written before a crash, or by another mirror): fine.
            if isinstance(answer, ResponseError) and "equal or smaller" not in str(answer):
                raise answer
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_([row.id for row in rows]))
                .values(streamed_at=self.runtime.clock.now())
            )
        return len(rows)
