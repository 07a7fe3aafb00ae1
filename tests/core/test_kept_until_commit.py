"""What a transaction keeps until its commit — audit entries, bus events, queue counters — is
taken back with a savepoint that rolls back, as the database takes back its statements, and
stands with one that is released (``core.kept``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import emit, take_pending_events
from dispatch.core.database import session_factory
from dispatch.queues import events

pytestmark = pytest.mark.asyncio

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


async def _did(session: AsyncSession, what: str) -> None:
    await audit.record(session, SYSTEM, f"test.{what}", "test", what, at=AT)
    emit(session, events.SURGE, events.SurgeChanged(active=True, why=what))


async def _fails(session: AsyncSession, what: str, *, inner: str | None = None) -> None:
    async with session.begin_nested():
        await _did(session, what)
        if inner is not None:
            async with session.begin_nested():
                await _did(session, inner)  # released, then taken back with its outer savepoint
        raise RuntimeError("the savepoint fails")


async def test_a_savepoint_rolled_back_takes_back_its_audit_entries_and_events(
    engine: AsyncEngine,
) -> None:
    async with session_factory(engine)() as session:
        await _did(session, "before")
        with pytest.raises(RuntimeError):
            await _fails(session, "failed", inner="inner")
        async with session.begin_nested():
            await _did(session, "released")
        with pytest.raises(RuntimeError):
            await _fails(session, "failed-again")
        await _did(session, "after")
        published = [event.payload["why"] for event in take_pending_events(session)]
        await session.commit()
    assert published == ["before", "released", "after"]
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT target_id FROM audit_log WHERE target_type = 'test' ORDER BY id")
        )
        assert [str(target) for (target,) in rows.all()] == ["before", "released", "after"]


async def test_a_rollback_of_the_whole_transaction_keeps_nothing(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        await _did(session, "before")
        async with session.begin_nested():
            await _did(session, "released")
        await session.rollback()
        assert take_pending_events(session) == []
        await session.commit()
    async with engine.connect() as connection:
        count = await connection.scalar(
            text("SELECT count(*) FROM audit_log WHERE target_type = 'test'")
        )
    assert count == 0
