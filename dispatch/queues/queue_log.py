"""The queue log: one append-only line per thing that happened in the ACD, counted as it goes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.queues import catalog, plain, stats
from dispatch.queues.models import QueueLogEntry
from dispatch.queues.states import QueueEvent

_INSERT = insert(cast(Table, QueueLogEntry.__table__))


async def write(
    session: AsyncSession,
    event: QueueEvent,
    *,
    at: datetime,
    queue: str | None = None,
    call_id: uuid.UUID | None = None,
    operator: str | None = None,
    **data: Any,
) -> None:
    """Append a line and add it to its queue's statistics, in the caller's transaction."""
    # A plain insert, built once, straight to the connection: the line is never read back in
    # the transaction that writes it and refers to no row, so nothing pending is flushed for it
    # (the changes around it go out together).
    connection = await plain.connection(session)
    await connection.execute(
        _INSERT,
        {
            "at": at,
            "queue": queue,
            "call_id": call_id,
            "operator": operator,
            "event": event.value,
            "data": data,
        },
    )
    if queue is None:
        return
    limits = await catalog.sl_thresholds(session) if stats.needs_thresholds(event) else ()
    change = stats.delta(event, data, limits)
    if change is not None:
        await stats.apply(session, queue, at, change)


async def lines(
    session: AsyncSession,
    *,
    call_id: uuid.UUID | None = None,
    operator: str | None = None,
    since: datetime | None = None,
    events: Sequence[QueueEvent] = (),
    limit: int = 500,
) -> list[QueueLogEntry]:
    """Log lines matching every filter given, oldest first."""
    query = select(QueueLogEntry)
    if call_id is not None:
        query = query.where(QueueLogEntry.call_id == call_id)
    if operator is not None:
        query = query.where(QueueLogEntry.operator == operator)
    if since is not None:
        query = query.where(QueueLogEntry.at >= since)
    if events:
        query = query.where(QueueLogEntry.event.in_([e.value for e in events]))
    rows = await session.scalars(query.order_by(QueueLogEntry.id).limit(limit))
    return list(rows.all())
