"""``enqueue_command``: checked, written in the caller's transaction, published after commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls import events
from dispatch.calls.gateway import CommandStatus, CommandType, enqueue_command
from dispatch.calls.gateway import service as gateway
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.calls.models import Call
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import InProcessBus
from dispatch.core.database import session_factory, unit_of_work
from dispatch.errors import Conflict, Invalid, NotFound
from tests.calls.conftest import new_call
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


async def test_a_command_is_published_only_after_its_transaction_commits(
    api: Api, engine: AsyncEngine
) -> None:
    call_id = uuid.UUID((await new_call(api, caller_number="+998712000001"))["id"])
    bus = InProcessBus()
    subscription = bus.subscribe(events.COMMAND)
    sessions = session_factory(engine)

    async def failing_work() -> None:
        async with unit_of_work(sessions, bus) as session:
            await enqueue_command(session, "hangup", call_id, now=NOW)
            raise RuntimeError("the caller's work failed")

    with pytest.raises(RuntimeError):
        await failing_work()
    assert subscription.queue.empty()
    async with unit_of_work(sessions, bus) as session:
        row = await enqueue_command(
            session, CommandType.TRANSFER, call_id, payload={"to": "+998712000103"}, now=NOW
        )
        assert subscription.queue.empty()  # not before the commit
    event = subscription.queue.get_nowait()
    assert event is not None
    assert event.payload["command_id"] == str(row.command_id)
    assert event.payload["command"] == "transfer"
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(GatewayCommand))
    assert count == 1


@pytest.mark.parametrize(
    ("command", "operator", "payload", "fragment"),
    [
        ("dial", None, {}, "not known"),
        ("offer", None, {}, "needs the operator"),
        ("connect", None, {}, "needs the operator"),
        ("transfer", None, {}, "payload['to']"),
        ("send_text", "operator1", {}, "payload['text']"),
        ("hangup", None, {"when": NOW}, "plain JSON"),
    ],
)
async def test_bad_commands_are_refused(
    engine: AsyncEngine, command: str, operator: str | None, payload: dict[str, Any], fragment: str
) -> None:
    async with session_factory(engine)() as session:
        with pytest.raises(Invalid) as refused:
            await enqueue_command(
                session, command, uuid.uuid4(), operator=operator, payload=payload, now=NOW
            )
    assert fragment in refused.value.message


async def test_commands_need_an_existing_call_and_a_number_to_dial(
    api: Api, engine: AsyncEngine
) -> None:
    withheld = uuid.UUID((await new_call(api, caller_number=None))["id"])
    async with session_factory(engine)() as session:
        with pytest.raises(NotFound):
            await enqueue_command(session, "hangup", uuid.uuid4(), now=NOW)
        with pytest.raises(Invalid) as no_number:
            await enqueue_command(session, "originate", withheld, operator="operator1", now=NOW)
        assert "withheld" in no_number.value.message
        row = await enqueue_command(
            session,
            "originate",
            withheld,
            operator="operator1",
            payload={"number": "+998901234567"},
            now=NOW,
        )
        stored = await session.scalar(
            select(GatewayCommand).where(GatewayCommand.command_id == row.command_id)
        )
        assert stored is not None
        assert stored.status == CommandStatus.PENDING
        assert stored.payload == {"number": "+998901234567"}
        await gateway.mark_sent(session, SYSTEM, [row.command_id], now=NOW)
        assert str(stored.status) == CommandStatus.SENT  # str(): mypy narrowed the row above
        assert stored.attempts == 1
        await gateway.fail(session, SYSTEM, row.command_id, "busy", now=NOW)
        with pytest.raises(Conflict):
            await gateway.fail(session, SYSTEM, row.command_id, "again", now=NOW)
        await gateway.mark_sent(session, SYSTEM, [row.command_id], now=NOW)
        assert str(stored.status) == CommandStatus.FAILED  # a failed command is not sent again
        assert await gateway.unacknowledged(session) == []


async def test_an_originate_dials_the_number_of_a_call_read_before_or_expired_since(
    api: Api, engine: AsyncEngine
) -> None:
    call_id = uuid.UUID((await new_call(api, caller_number="+998712000002"))["id"])
    async with session_factory(engine)() as session:
        call = await session.get(Call, call_id)
        assert call is not None
        # Read in this transaction: its number is taken from the session.
        read = await enqueue_command(session, "originate", call_id, operator="operator1", now=NOW)
        assert read.payload["number"] == "+998712000002"
        # Expired meanwhile (a savepoint rolled back, say): read again, not lazily loaded.
        session.expire(call)
        again = await enqueue_command(session, "originate", call_id, operator="operator1", now=NOW)
        assert again.payload["number"] == "+998712000002"
