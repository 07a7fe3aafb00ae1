"""The callbacks board shows each task as it is now, even when the session that builds it had
read the task before another transaction changed it (the consoles' streams reuse sessions, and
on PostgreSQL every statement sees the newest commit while the session keeps its first copy of
a row)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.callbacks.board import board
from dispatch.callbacks.models import CallbackTask
from dispatch.callbacks.tasks import Policy
from dispatch.calls.models import Call

pytestmark = [
    pytest.mark.asyncio,
    # SQLite reads a whole transaction from one snapshot: the race is PostgreSQL's.
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


async def test_a_task_read_as_pending_and_then_dialled_shows_its_dialler(
    engine: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    call_id, task_id = uuid.uuid4(), uuid.uuid4()
    async with AsyncSession(engine) as setup:
        setup.add(
            Call(
                id=call_id,
                channel="voice",
                caller_number="+998901110000",
                language="uz",
                status="dropped",
                queue="voice-uz",
                timeline_complete=True,
                created_at=now,
                created_by="gateway1",
            )
        )
        await setup.flush()
        setup.add(
            CallbackTask(
                id=task_id,
                call_id=call_id,
                origin="dropped",
                reason="the call was cut",
                number="+998901110000",
                language="uz",
                status="pending",
                priority=0,
                created_at=now,
                created_by="system",
                due_at=now,
                attempts=0,
            )
        )
        await setup.commit()
    async with AsyncSession(engine) as reader:
        seen = await reader.get(CallbackTask, task_id)  # an earlier read in the same session
        assert seen is not None
        assert seen.status == "pending"
        async with engine.begin() as dialler:  # another transaction dials it and commits
            await dialler.execute(
                update(CallbackTask)
                .where(CallbackTask.id == task_id)
                .values(status="dialing", operator="operator1", lease_until=now)
            )
        shown = await board(reader, policy=Policy(), now=now)
        assert [(t["status"], t["operator"]) for t in shown["dialing"]] == [
            ("dialing", "operator1")
        ]
        assert shown["pending"] == []
        stored = await reader.scalar(
            select(CallbackTask.operator).where(CallbackTask.id == task_id)
        )
        assert stored == "operator1"
