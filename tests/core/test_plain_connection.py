"""The hot paths' plain statements (``core.database.plain_connection``) inside a savepoint are
taken back by its rollback, like the session's own; outside it they stand with the transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.core.database import plain_connection, session_factory

pytestmark = pytest.mark.asyncio

INSERT = text(
    "INSERT INTO queue_log (at, queue, event, data) "
    "VALUES ('2026-12-06 09:00:00+00:00', :queue, 'enter', '{}')"
)


async def _lines(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT queue FROM queue_log ORDER BY id"))
    return [str(queue) for (queue,) in rows.all()]


async def _failing_savepoint(session: AsyncSession) -> None:
    async with session.begin_nested():
        await (await plain_connection(session)).execute(INSERT, {"queue": "inside"})
        raise RuntimeError("the savepoint fails")


async def test_a_savepoint_rolled_back_takes_back_the_plain_statements_made_in_it(
    engine: AsyncEngine,
) -> None:
    async with session_factory(engine)() as session:
        await (await plain_connection(session)).execute(INSERT, {"queue": "before"})
        with pytest.raises(RuntimeError):
            await _failing_savepoint(session)
        async with session.begin_nested():
            await (await plain_connection(session)).execute(INSERT, {"queue": "kept"})
        await (await plain_connection(session)).execute(INSERT, {"queue": "after"})
        await session.commit()
    assert await _lines(engine) == ["before", "kept", "after"]
