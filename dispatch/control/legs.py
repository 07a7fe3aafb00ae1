"""The legs of calls: their rows, and the one function that moves them (``settle``).

A leg is asked for (``new``, then ``ask``: the command to the gateway it answers to), and moves
only through ``settle`` along ``lifecycle.LEG_TRANSITIONS``; a move gives back a colleague held
for a leg that did not take the call, publishes ``call.leg_changed``, and once a leg is over
writes every leg of the call onto its card (``cards.call_control``, XSD 1.4).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls.gateway import service as gateway
from dispatch.calls.gateway.service import CommandType
from dispatch.cards import call_control as card_record
from dispatch.control import events
from dispatch.control.lifecycle import OPEN_LEG, LegKind, LegMode, LegStatus, TargetKind, can_move
from dispatch.control.models import CallLeg
from dispatch.control.targets import Target
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, NotFound
from dispatch.queues import handover


def colleague_of(leg: CallLeg) -> str | None:
    """The colleague the leg reaches (their username), when it reaches one."""
    return leg.target if leg.target_kind is TargetKind.OPERATOR else None


async def of_call(session: AsyncSession, call_id: uuid.UUID) -> list[CallLeg]:
    """The call's legs, oldest first."""
    rows = await session.scalars(
        select(CallLeg).where(CallLeg.call_id == call_id).order_by(CallLeg.requested_at, CallLeg.id)
    )
    return list(rows.all())


async def open_on(session: AsyncSession, call_ids: Sequence[uuid.UUID]) -> list[CallLeg]:
    """The legs still dialling or connected on these calls (the consoles' view)."""
    if not call_ids:
        return []
    rows = await session.scalars(
        select(CallLeg)
        .where(CallLeg.call_id.in_(list(call_ids)), CallLeg.status.in_(list(OPEN_LEG)))
        .order_by(CallLeg.requested_at, CallLeg.id)
    )
    return list(rows.all())


async def locked(session: AsyncSession, leg_id: uuid.UUID) -> CallLeg | None:
    """The leg locked for the transaction, or None."""
    return await session.scalar(
        select(CallLeg)
        .where(CallLeg.id == leg_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def get_locked(session: AsyncSession, call_id: uuid.UUID, leg_id: uuid.UUID) -> CallLeg:
    """The call's leg ``leg_id``, locked; NotFound otherwise."""
    leg = await locked(session, leg_id)
    if leg is None or leg.call_id != call_id:
        raise NotFound(f"call {call_id} has no leg {leg_id}")
    return leg


async def open_monitor(session: AsyncSession, call_id: uuid.UUID, username: str) -> CallLeg | None:
    """``username``'s monitor of the call still ringing or on, or None."""
    for leg in await of_call(session, call_id):
        if leg.kind is LegKind.MONITOR and leg.requested_by == username and leg.status in OPEN_LEG:
            return leg
    return None


async def new(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    kind: LegKind,
    mode: LegMode | None,
    target: Target,
    *,
    now: datetime,
) -> CallLeg:
    """A new leg ringing ``target`` (a colleague is held for the call from now), audited."""
    if target.colleague is not None and kind is not LegKind.MONITOR:
        await handover.reserve(session, actor, target.colleague, call_id, now=now)
    leg = CallLeg(
        id=uuid.uuid4(),
        call_id=call_id,
        kind=kind,
        mode=mode,
        target_kind=target.kind,
        target=target.target,
        target_name=target.name,
        number=target.number,
        requested_by=actor.username,
        requested_at=now,
        status=LegStatus.DIALING,
    )
    session.add(leg)
    await audit.record(
        session,
        actor,
        f"call.{kind.value}",
        "call",
        str(call_id),
        {"leg_id": str(leg.id), "mode": mode, "target_kind": target.kind, "target": target.target},
        at=now,
    )
    _changed(session, leg)
    return leg


async def ask(
    session: AsyncSession,
    actor: Actor,
    call: Any,
    leg: CallLeg,
    kind: CommandType,
    payload: dict[str, Any],
    *,
    now: datetime,
    keep_command: bool = False,
) -> None:
    """Send the gateway ``kind`` for the leg (its id, target and number in the payload); the
    leg answers to this command unless ``keep_command`` (a remove, a leave)."""
    body = {
        **{key: str(value) for key, value in payload.items()},
        "leg_id": str(leg.id),
        "target_kind": leg.target_kind.value,
        "to": leg.number or leg.target,
    }
    operator = actor.username if kind is CommandType.MONITOR else call.operator
    queued = await gateway.enqueue_command(
        session, kind, call.id, operator, body, now=now, actor=actor
    )
    if not keep_command:
        leg.command_id = queued.command_id


def ended(leg: CallLeg) -> LegStatus:
    """How the leg ends when it is taken off or the call ends: cancelled while it rings."""
    return LegStatus.CANCELLED if leg.status is LegStatus.DIALING else LegStatus.ENDED


async def settle(
    session: AsyncSession,
    actor: Actor,
    leg: CallLeg,
    new: LegStatus,
    *,
    now: datetime,
    reason: str | None = None,
    hand_to: str | None = None,
) -> None:
    """Move the leg (the table allows it), give back a colleague who did not take the call,
    and write the call's record onto its card once the leg is over."""
    if not can_move(leg.status, new):
        raise Conflict(f"leg {leg.id} is {leg.status}; it cannot become {new}")
    leg.status = new
    if new is not LegStatus.CONNECTED:
        leg.ended_at = now
    if reason:
        leg.reason = reason[:500]
    colleague = colleague_of(leg)
    finished = new not in (LegStatus.CONNECTED, LegStatus.COMPLETED)
    if colleague and leg.kind is not LegKind.MONITOR and finished:
        await handover.release(session, actor, colleague, leg.call_id, now=now)
    await audit.record(
        session,
        actor,
        "call.leg",
        "call",
        str(leg.call_id),
        {"leg_id": str(leg.id), "status": new.value, "reason": leg.reason},
        at=now,
    )
    _changed(session, leg)
    if leg.kind is not LegKind.MONITOR and new is not LegStatus.CONNECTED:
        await session.flush()
        records = [
            row for row in await of_call(session, leg.call_id) if row.kind is not LegKind.MONITOR
        ]
        await card_record.write(session, actor, leg.call_id, records, hand_to=hand_to, now=now)


def _changed(session: AsyncSession, leg: CallLeg) -> None:
    emit(
        session,
        events.LEG_CHANGED,
        events.LegChanged(
            call_id=str(leg.call_id),
            leg_id=str(leg.id),
            kind=leg.kind.value,
            status=leg.status.value,
            requested_by=leg.requested_by,
            target=leg.target,
        ),
    )
