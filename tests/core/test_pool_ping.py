"""PostgreSQL's pooled connections are pinged before use only after sitting idle: a connection
used a moment ago goes straight to work (asyncpg's ping is three round trips), one idle longer
is pinged, and one lost meanwhile is replaced without the caller seeing it
(``core/database.py``, ``_ping_when_idle``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from dispatch.core import database

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
    ),
]


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ping of a pooled asyncpg connection, counted."""
    seen: list[int] = []
    ping: Callable[[Any], None] = AsyncAdapt_asyncpg_connection.ping

    def counted(self: Any) -> None:
        seen.append(1)
        ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    return seen


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(engine: AsyncEngine, pid: int) -> None:
    """End the server side of ``pid``'s connection, from a connection of its own (not pooled)."""
    outside = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with outside.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await connection.commit()
    finally:
        await outside.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged_one_idle_longer_is(
    engine: AsyncEngine, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await backend_pid(engine)  # a new connection: nothing to ping
    assert await backend_pid(engine) == first  # back from the pool at once
    assert pings == []
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # every pooled one has sat idle
    assert await backend_pid(engine) == first
    assert pings == [1]


async def test_a_connection_lost_while_idle_is_replaced_unseen(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = await backend_pid(engine)
    await terminate(engine, lost)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)
    replaced = await backend_pid(engine)  # the ping fails, another connection answers
    assert replaced != lost


async def test_one_lost_within_the_idle_bound_fails_once_then_the_pool_is_fresh(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 3600.0)
    lost = await backend_pid(engine)
    await terminate(engine, lost)
    with pytest.raises(DBAPIError) as failed:  # as just after a ping: the server is gone
        await backend_pid(engine)
    assert failed.value.connection_invalidated  # the API answers 503, Retry-After (refusals)
    assert await backend_pid(engine) != lost
