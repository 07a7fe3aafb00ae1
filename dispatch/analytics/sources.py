"""What analytics reads from other capabilities, read-only, in bulk.

The period reports read the queues' 15-minute counters (``queue_stats``, the rollup the ACD
keeps as it writes the queue log and ``python -m dispatch analytics rebuild`` recomputes), the
queues (with their service-level targets), the operators' lines of the queue log and the
people's names. ``queues/`` and ``auth/`` have no bulk functions for a period, so these
queries are the one place analytics reads their tables (never writes them); when they grow
such functions, these move there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth import service as auth
from dispatch.queues import catalog
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.models import QueueLogEntry, QueueStat
from dispatch.queues.states import QueueEvent

# The lines that move an operator between signed out, available, on a call, wrap-up and breaks,
# or count what they did.
OPERATOR_EVENTS = (
    QueueEvent.SIGN_IN,
    QueueEvent.SIGN_OUT,
    QueueEvent.PAUSE,
    QueueEvent.UNPAUSE,
    QueueEvent.CONNECT,
    QueueEvent.COMPLETE,
    QueueEvent.TRANSFER,
    QueueEvent.WRAP_UP,
    QueueEvent.RING_NO_ANSWER,
    QueueEvent.DECLINE,
)
_CHUNK = 5000


async def queues(session: AsyncSession, names: Collection[str] = ()) -> list[QueueSpec]:
    """The queues asked for (every queue when ``names`` is empty)."""
    return [q for q in await catalog.queues(session) if not names or q.name in names]


async def stat_rows(
    session: AsyncSession, start: datetime, end: datetime, queue_names: Collection[str]
) -> list[QueueStat]:
    """The counter rows of ``queue_names`` whose interval starts in [start, end)."""
    if not queue_names:
        return []
    rows = await session.scalars(
        select(QueueStat)
        .where(
            QueueStat.interval_start >= start,
            QueueStat.interval_start < end,
            QueueStat.queue.in_(sorted(queue_names)),
        )
        .order_by(QueueStat.interval_start, QueueStat.queue)
    )
    return list(rows.all())


@dataclass(frozen=True)
class Line:
    """One operator line of the queue log."""

    at: datetime
    operator: str
    event: QueueEvent
    data: dict[str, Any]


async def operator_lines(
    session: AsyncSession, start: datetime, end: datetime, operator: str | None
) -> AsyncIterator[Line]:
    """The operators' lines in [start, end), in the order they were written, read in chunks."""
    query = select(
        QueueLogEntry.id,
        QueueLogEntry.at,
        QueueLogEntry.operator,
        QueueLogEntry.event,
        QueueLogEntry.data,
    ).where(
        QueueLogEntry.at >= start,
        QueueLogEntry.at < end,
        QueueLogEntry.operator.is_not(None),
        QueueLogEntry.event.in_([e.value for e in OPERATOR_EVENTS]),
    )
    if operator is not None:
        query = query.where(QueueLogEntry.operator == operator)
    last_id = 0
    while True:
        chunk = (
            await session.execute(
                query.where(QueueLogEntry.id > last_id).order_by(QueueLogEntry.id).limit(_CHUNK)
            )
        ).all()
        for line_id, at, name, event, data in chunk:
            last_id = line_id
            yield Line(at, name, QueueEvent(event), dict(data or {}))
        if len(chunk) < _CHUNK:
            return


async def people(session: AsyncSession) -> dict[str, str]:
    """Full names by username (accounts without one are left out)."""
    return {u.username: u.full_name for u in await auth.list_users(session) if u.full_name}
