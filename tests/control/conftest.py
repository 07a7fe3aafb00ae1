"""Call-control helpers: the ACD's test app (``tests/queues``), a call connected to an operator,
and the gateway's answers to commands recorded as the gateway socket records them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from dispatch.calls.gateway import service as gateway
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.calls.gateway.socket import _follow_answer
from dispatch.core.actor import Actor
from dispatch.core.database import unit_of_work
from tests.queues.conftest import Acd, acd, clock

__all__ = ["Acd", "acd", "clock"]

GATEWAY_ACTOR = Actor(username="gateway1", role="gateway")


async def connected(acd: Acd, operator: str = "operator1", **fields: Any) -> str:
    """A new call offered to ``operator`` (the only one available) and accepted; its id."""
    await acd.state(operator, "available")
    call = await acd.call(**fields)
    assert await acd.tick() == 1
    await acd.accept(operator)
    return str(call["id"])


async def commands(acd: Acd, call_id: str) -> list[dict[str, Any]]:
    """The call's gateway commands, oldest first (command, operator, payload, status)."""
    async with acd.api.runtime.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    GatewayCommand.command_id,
                    GatewayCommand.command,
                    GatewayCommand.operator,
                    GatewayCommand.payload,
                    GatewayCommand.status,
                )
                .where(GatewayCommand.call_id == uuid.UUID(call_id))
                .order_by(GatewayCommand.id)
            )
        ).all()
    return [
        {
            "command_id": str(r[0]),
            "command": r[1],
            "operator": r[2],
            "payload": r[3],
            "status": r[4],
        }
        for r in rows
    ]


async def last_command(acd: Acd, call_id: str, kind: str) -> dict[str, Any]:
    """The call's newest command of ``kind``."""
    found = [c for c in await commands(acd, call_id) if c["command"] == kind]
    assert found, f"no {kind} command for call {call_id}"
    return found[-1]


async def gateway_answers(acd: Acd, command_id: str, *, reason: str | None = None) -> None:
    """The gateway acknowledges the command (or fails it with ``reason``), recorded and
    followed as ``/ws/gateway`` records an ack or a nack."""
    runtime = acd.api.runtime
    now = acd.clock.now()
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        key = uuid.UUID(command_id)
        if reason is None:
            row = await gateway.acknowledge(session, GATEWAY_ACTOR, key, now=now)
        else:
            row = await gateway.fail(session, GATEWAY_ACTOR, key, reason, now=now)
        follow = acd.api.app.state.command_answered
        await _follow_answer(follow, session, GATEWAY_ACTOR, row, reason, now)


async def post(acd: Acd, url: str, user: str, body: Any = None, expect: int = 201) -> Any:
    """POST as ``user``; the JSON answer, after checking the status."""
    return acd.check(await acd.api.post(url, user=user, json=body), expect)


async def legs_of(acd: Acd, call_id: str) -> list[dict[str, Any]]:
    """The call's legs as QA reads them."""
    return list(acd.check(await acd.api.get(f"/api/v1/calls/{call_id}/legs", user="qa1"), 200))


async def call_of(acd: Acd, call_id: str) -> dict[str, Any]:
    """The call as a supervisor reads it."""
    return dict(acd.check(await acd.api.get(f"/api/v1/calls/{call_id}", user="supervisor1"), 200))


async def psychologist(acd: Acd, name: str = "psych1") -> str:
    """A colleague with the skill psychological_support, available."""
    await acd.add_operator(name, psychological_support=1, languages={"uz": 1})
    await acd.state(name, "available")
    return name
