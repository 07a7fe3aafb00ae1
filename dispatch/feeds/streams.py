"""With Redis configured, every outbox row is also written to a Redis Stream per service.

Stream ``dispatch:feed:<service>``; each entry's id is ``<cursor>-0``, so writing the same row
twice (a crash between XADD and the commit) is refused by Redis and nothing is duplicated.
Consumers read with consumer groups (XREADGROUP) and acknowledge to 112 over HTTP.
"""

from __future__ import annotations

import redis.asyncio as redis
from redis.exceptions import ResponseError
from sqlalchemy import select

import cardschema
from dispatch.cards import store
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import run_on_events
from dispatch.feeds.models import Delivery

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
            "feed.enqueued",
            self.mirror_all,
            idle_s=IDLE_POLL_S,
            name="feeds.stream",
        )

    async def mirror_all(self) -> int:
        """Mirror batches until none is left; returns how many rows."""
        total = 0
        while done := await self.mirror_batch():
            total += done
        return total

    async def mirror_batch(self) -> int:
        """Write the next batch of unmirrored rows; returns how many."""
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            rows = list(
                (
                    await session.scalars(
                        select(Delivery)
                        .where(Delivery.streamed_at.is_(None))
                        .order_by(Delivery.id)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
            )
            for row in rows:
                card = store.to_card(await store.version(session, row.card_id, row.card_version))
                fields = {
                    "cursor": str(row.id),
                    "card_id": str(row.card_id),
                    "version": str(row.card_version),
                    "redelivery": "true" if row.redelivery else "false",
                    "xml": cardschema.build(card).decode(),
                }
                try:
                    await self.client.xadd(stream_key(row.service_code), fields, id=f"{row.id}-0")  # type: ignore[arg-type]
                except ResponseError as exc:
                    if "equal or smaller" not in str(exc):
                        raise
                    # Already in the stream (written before a crash): nothing to add.
                row.streamed_at = self.runtime.clock.now()
        return len(rows)
