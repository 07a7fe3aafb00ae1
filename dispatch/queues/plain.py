"""Plain statements straight to the session's connection (the ACD's hot paths).

The ACD's hot paths (the offering tick, the queue log and its statistics, the lookups of every
call event) run statements built once, with bound values, on the session's connection rather
than through the session: no ORM object stands for the rows they touch, and nothing pending in
the session must be flushed first. Asking the session for its connection costs a hand-off to
SQLAlchemy's synchronous side each time, so it is asked once per transaction and kept on the
session.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_KEY = "dispatch.queues.connection"


async def connection(session: AsyncSession) -> AsyncConnection:
    """The connection of the session's current transaction (begun if none is)."""
    kept = session.info.get(_KEY)
    if isinstance(kept, AsyncConnection) and not kept.closed and kept.in_transaction():
        return kept
    found = await session.connection()
    session.info[_KEY] = found
    return found
