"""A queue's statistics row is written when the transaction commits, not where its queue-log
line was: the row (one per queue and quarter hour) is locked only for the commit, so a
transaction still at work does not hold every other call of the queue; a rollback counts
nothing, and a savepoint's rollback takes back what was counted in it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.core.database import create_engine, session_factory
from dispatch.queues import queue_log
from dispatch.queues.states import QueueEvent
from tests.fixtures.databases import PostgresTemplate

pytestmark = pytest.mark.asyncio

AT = datetime(2026, 12, 6, 9, 1, tzinfo=UTC)  # in the 09:00 interval


async def _entered(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT coalesce(sum(entered), 0) FROM queue_stats WHERE queue = 'voice-uz'")
        )
    return int(found or 0)


async def _enter(session: AsyncSession) -> None:
    await queue_log.write(session, QueueEvent.ENTER, at=AT, queue="voice-uz")


async def test_the_counters_are_written_at_the_commit_and_not_after_a_rollback(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await _enter(session)
        await session.rollback()
    assert await _entered(engine) == 0
    async with sessions() as session:
        await _enter(session)
        await _enter(session)
        await session.commit()
    assert await _entered(engine) == 2
    async with sessions() as session:
        await _enter(session)
    assert await _entered(engine) == 2  # closed without a commit: nothing


async def _failing_savepoint(session: AsyncSession) -> None:
    async with session.begin_nested():
        await _enter(session)
        raise RuntimeError("the savepoint fails")


async def test_a_savepoint_rolled_back_takes_its_counters_with_it(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await _enter(session)
        with pytest.raises(RuntimeError):
            await _failing_savepoint(session)
        async with session.begin_nested():
            await _enter(session)  # kept
        await session.commit()
    assert await _entered(engine) == 2


@pytest.mark.postgres
async def test_a_transaction_at_work_does_not_hold_the_queue_s_row(
    postgres_template: PostgresTemplate,
) -> None:
    name, url = await postgres_template.clone()
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        async with sessions() as slow, sessions() as quick:
            await _enter(slow)  # a call entered; its transaction goes on working
            await quick.execute(text("SET LOCAL lock_timeout = '5s'"))
            await _enter(quick)
            await asyncio.wait_for(quick.commit(), timeout=30)  # not behind ``slow``
            assert await _entered(engine) == 1
            await slow.commit()
        assert await _entered(engine) == 2
    finally:
        await engine.dispose()
        await postgres_template.drop(name)
