"""Reads that run all day must not grow with the years kept: the statement itself, as the
product sends it, is planned on an index of what it asks for (on PostgreSQL with sequential
scans turned off, so a plan can only read a table whole where no index serves it; SQLite's
``EXPLAIN QUERY PLAN``). Found on a year of history (BENCHMARKS.md, session 24): the Redis
mirror's "not yet streamed" read the whole outbox at every pass, and an operator's latest
escalations could be found by scanning every escalation by time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import session_factory
from dispatch.escalations import service as escalations
from dispatch.feeds.streams import StreamMirror
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio


async def _statement(
    engine: AsyncEngine, table: str, work: Callable[[], Awaitable[Any]]
) -> tuple[str, Any]:
    """The one statement ``work`` sends through ``engine`` that reads ``table``, with its
    parameters as the driver got them."""
    sent: list[tuple[str, Any]] = []

    def keep(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if f"FROM {table}" in statement:
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        await work()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    assert len(sent) == 1, sent
    return sent[0]


async def _plan(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = await connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", tuple(parameters)
            )
            return "\n".join(str(row[-1]) for row in rows)
        await connection.exec_driver_sql("SET enable_seqscan = off")
        rows = await connection.exec_driver_sql(f"EXPLAIN {statement}", tuple(parameters))
        return "\n".join(str(row[0]) for row in rows)


async def test_the_redis_mirror_finds_the_rows_it_owes_in_their_own_index(api: Api) -> None:
    engine = api.runtime.engine
    mirror = StreamMirror(api.runtime, None)  # type: ignore[arg-type]  # nothing owed: no Redis
    statement, parameters = await _statement(engine, "feed_outbox", mirror.mirror_batch)

    plan = await _plan(engine, statement, parameters)

    assert "ix_feed_outbox_unstreamed" in plan, plan


async def test_an_operator_s_latest_escalations_come_from_who_raised_them(
    api: Api, engine: AsyncEngine
) -> None:
    async def latest() -> None:
        async with session_factory(engine)() as session:
            await escalations.list_escalations(session, raised_by="operator1", limit=10)

    statement, parameters = await _statement(engine, "escalations", latest)

    plan = await _plan(engine, statement, parameters)

    assert "ix_escalations_raised_by_raised_at" in plan, plan
