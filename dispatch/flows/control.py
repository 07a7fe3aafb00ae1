"""Call control's steps that record call events (a hand-over: ``transferred``, ``answered``),
with the ACD's follower (``flows.calls.follow_call``) handed in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.control import service as control
from dispatch.core.actor import Actor
from dispatch.flows.calls import follow_call


async def command_answered(
    session: AsyncSession,
    actor: Actor,
    command: control.AnsweredCommand,
    *,
    acknowledged: bool,
    reason: str | None,
    now: datetime,
) -> None:
    """A gateway answered a command: the leg it asked for is settled
    (``calls.gateway.service.CommandFollow``, kept on ``app.state.command_answered``)."""
    await control.command_answered(
        session,
        actor,
        command,
        acknowledged=acknowledged,
        reason=reason,
        follow=follow_call,
        now=now,
    )
