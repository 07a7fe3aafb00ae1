"""What operators and supervisors do to a connected call, and how the gateway's answers and the
call's end settle it (the package's docstring has the picture).

Every request is checked before anything is written, and refused with 409 and a reason code
(``said``) the consoles translate: the call is not connected (``call_control_not_connected``),
it is someone else's (``call_control_not_yours``), already on hold or not, a party is already
being added (``call_control_leg_open``), the colleague is not free (``call_control_target_busy``)...
A refusal changes nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.calls import service as calls
from dispatch.calls import timeline
from dispatch.calls.gateway import service as gateway
from dispatch.calls.gateway.service import CommandStatus, CommandType
from dispatch.calls.lifecycle import FINAL, CallEventType, CallStatus
from dispatch.calls.schemas import EventIn
from dispatch.control import legs
from dispatch.control.lifecycle import (
    FAILURES,
    MONITOR_MODES,
    OPEN_LEG,
    TRANSFER_MODES,
    LegKind,
    LegMode,
    LegStatus,
    TargetKind,
)
from dispatch.control.models import CallLeg
from dispatch.control.targets import Target
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, said
from dispatch.queues import handover

# Commands whose answer settles a leg: acknowledged, the party answered (or, for a blind
# transfer, took the call); failed, it did not (busy, no_answer, rejected).
_LEG_COMMANDS = frozenset({CommandType.TRANSFER, CommandType.CONFERENCE, CommandType.MONITOR})


class AnsweredCommand(Protocol):
    """A gateway command as its answer arrives (``calls.gateway``'s row)."""

    @property
    def command_id(self) -> uuid.UUID: ...
    @property
    def command(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


async def hold(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, *, now: datetime
) -> gateway.QueuedCommand:
    """Ask the gateway to put the caller on hold (the call becomes ``held`` on its event)."""
    call = await _own_call(session, actor, call_id)
    if call.status == CallStatus.HELD:
        raise Conflict(f"call {call_id} is already on hold", said=said("call_control_held"))
    if await gateway.open_commands(session, call_id, [CommandType.HOLD]):
        raise Conflict(
            f"call {call_id}: a hold is already on its way to the gateway",
            said=said("call_control_pending", command="hold"),
        )
    return await gateway.enqueue_command(
        session, CommandType.HOLD, call_id, actor.username, now=now, actor=actor
    )


async def resume(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, *, now: datetime
) -> gateway.QueuedCommand:
    """Take the caller off hold; a hold not yet carried out is withdrawn (never sent again)."""
    call = await _own_call(session, actor, call_id)
    withdrawn = await gateway.withdraw(
        session, actor, call_id, [CommandType.HOLD], CommandStatus.SUPERSEDED, now=now
    )
    if call.status != CallStatus.HELD and not withdrawn:
        raise Conflict(f"call {call_id} is not on hold", said=said("call_control_not_held"))
    return await gateway.enqueue_command(
        session, CommandType.RESUME, call_id, actor.username, now=now, actor=actor
    )


async def transfer(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    target: Target,
    mode: LegMode,
    *,
    follow: timeline.Follow,
    now: datetime,
) -> CallLeg:
    """Transfer the caller: blind (the target takes the call as soon as it answers) or attended
    (the caller waits on hold while the operator speaks with the target, then ``leave`` hands
    the call over or ``remove`` takes the caller back). A queue takes a blind transfer at once."""
    if mode not in TRANSFER_MODES:
        raise Invalid(f"mode: a transfer is blind or attended, not {mode}")
    call = await _own_call(session, actor, call_id)
    await _no_open_leg(session, call_id)
    _not_self(actor, target)
    if target.kind is TargetKind.QUEUE:
        if mode is not LegMode.BLIND:
            raise Invalid("mode: a transfer to a queue is blind (the queue has nobody to consult)")
        return await _to_queue(session, actor, call_id, target, follow=follow, now=now)
    leg = await legs.new(session, actor, call_id, LegKind.TRANSFER, mode, target, now=now)
    await legs.ask(session, actor, call, leg, CommandType.TRANSFER, {"mode": mode.value}, now=now)
    return leg


async def conference(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, target: Target, *, now: datetime
) -> CallLeg:
    """Add a party to the call (a three-way conference once it answers)."""
    call = await _own_call(session, actor, call_id)
    await _no_open_leg(session, call_id)
    _not_self(actor, target)
    if target.kind is TargetKind.QUEUE:
        raise Invalid("target: a queue cannot join a conference; transfer the call to it")
    leg = await legs.new(session, actor, call_id, LegKind.CONFERENCE, None, target, now=now)
    await legs.ask(session, actor, call, leg, CommandType.CONFERENCE, {"action": "add"}, now=now)
    return leg


async def remove(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, leg_id: uuid.UUID, *, now: datetime
) -> CallLeg:
    """Take a party off the call, or give up asking it (the caller stays with the operator)."""
    call = await _own_call(session, actor, call_id)
    leg = await legs.get_locked(session, call_id, leg_id)
    if leg.kind is LegKind.MONITOR or leg.status not in OPEN_LEG:
        raise Conflict(
            f"leg {leg_id} is {leg.status}; there is no party to remove",
            said=said("call_control_no_party", status=leg.status.value),
        )
    if leg.command_id is not None:  # its own ask only: an earlier party's leave still goes out
        await gateway.withdraw_one(
            session, actor, call_id, leg.command_id, CommandStatus.SUPERSEDED, now=now
        )
    ended = LegStatus.CANCELLED if leg.status is LegStatus.DIALING else LegStatus.ENDED
    await legs.settle(session, actor, leg, ended, now=now, reason=f"removed by {actor.username}")
    await legs.ask(
        session,
        actor,
        call,
        leg,
        CommandType.CONFERENCE,
        {"action": "remove"},
        now=now,
        keep_command=True,
    )
    return leg


async def leave(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    leg_id: uuid.UUID | None,
    *,
    follow: timeline.Follow,
    now: datetime,
) -> CallLeg:
    """The operator leaves the call to the party on it (completes an attended transfer, leaves
    a conference): a colleague becomes the call's operator and gets the card; a party outside
    the centre keeps the caller, and the call leaves the centre's queue."""
    call = await _own_call(session, actor, call_id)
    connected = [
        leg
        for leg in await legs.of_call(session, call_id)
        if leg.kind is not LegKind.MONITOR and leg.status is LegStatus.CONNECTED
    ]
    if leg_id is not None:
        connected = [leg for leg in connected if leg.id == leg_id]
    if len(connected) != 1:
        raise Conflict(
            f"call {call_id}: leaving needs one party on the call, there are {len(connected)}",
            said=said("call_control_no_party", status="none" if not connected else "several"),
        )
    (leg,) = connected
    await legs.ask(
        session,
        actor,
        call,
        leg,
        CommandType.CONFERENCE,
        {"action": "leave"},
        now=now,
        keep_command=True,
    )
    await _hand_over(session, actor, call_id, leg, follow=follow, now=now)
    return leg


async def monitor(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, mode: LegMode, *, now: datetime
) -> CallLeg:
    """Listen in, whisper to the operator (the caller does not hear) or barge in; asked again
    with another mode, the supervisor's monitor changes mode."""
    if mode not in MONITOR_MODES:
        raise Invalid(f"mode: a monitor listens, whispers or barges, not {mode}")
    call = await _connected_call(session, call_id)
    if call.operator == actor.username:
        raise Conflict(
            f"call {call_id} is yours; a supervisor monitors a colleague's call",
            said=said("call_control_own_call"),
        )
    mine = await legs.open_monitor(session, call_id, actor.username)
    if mine is not None and mine.mode is mode:
        raise Conflict(
            f"you already monitor call {call_id} ({mode})",
            said=said("call_control_monitoring", mode=mode.value),
        )
    await _withdraw_monitors(session, actor, call_id, now)
    if mine is not None:
        mine.mode = mode
        await legs.ask(session, actor, call, mine, CommandType.MONITOR, {"mode": mode}, now=now)
        return mine
    target = Target(TargetKind.OPERATOR, call.operator or "", call.operator)
    leg = await legs.new(session, actor, call_id, LegKind.MONITOR, mode, target, now=now)
    await legs.ask(session, actor, call, leg, CommandType.MONITOR, {"mode": mode}, now=now)
    return leg


async def stop_monitor(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, *, now: datetime
) -> CallLeg:
    """The supervisor leaves the call they monitor."""
    await calls.lock_call(session, call_id)
    mine = await legs.open_monitor(session, call_id, actor.username)
    if mine is None:
        raise Conflict(
            f"you do not monitor call {call_id}", said=said("call_control_not_monitoring")
        )
    await _withdraw_monitors(session, actor, call_id, now)
    await legs.settle(session, actor, mine, legs.ended(mine), now=now, reason="stopped")
    await gateway.enqueue_command(
        session,
        CommandType.STOP_MONITOR,
        call_id,
        actor.username,
        {"leg_id": str(mine.id)},
        now=now,
        actor=actor,
    )
    return mine


async def command_answered(
    session: AsyncSession,
    actor: Actor,
    command: AnsweredCommand,
    *,
    acknowledged: bool,
    reason: str | None,
    follow: timeline.Follow,
    now: datetime,
) -> None:
    """A gateway answered a command: the leg it asked for is connected, handed the call (a blind
    transfer) or failed (``reason`` begins with busy, no_answer or rejected; rejected otherwise).
    An answer to a leg already settled (removed, the call ended) changes nothing."""
    if command.command not in _LEG_COMMANDS or command.payload.get("action") not in (None, "add"):
        return
    try:
        leg_id = uuid.UUID(str(command.payload.get("leg_id")))
    except ValueError:
        return  # a command not made by call control (a supervisor's take-over)
    leg = await legs.locked(session, leg_id)
    if leg is None or leg.status is not LegStatus.DIALING or leg.command_id != command.command_id:
        return
    if not acknowledged:
        failed = failure_of(reason)
        await legs.settle(session, actor, leg, failed, now=now, reason=reason)
        return
    if leg.kind is LegKind.TRANSFER and leg.mode is LegMode.BLIND:
        call = await calls.lock_call(session, leg.call_id)
        if CallStatus(call.status) in FINAL:
            await legs.settle(
                session, actor, leg, LegStatus.ENDED, now=now, reason="the call ended"
            )
            return
        leg.answered_at = now
        await _hand_over(session, actor, leg.call_id, leg, follow=follow, now=now)
        return
    leg.answered_at = now
    await legs.settle(session, actor, leg, LegStatus.CONNECTED, now=now)


def failure_of(reason: str | None) -> LegStatus:
    """What a gateway's failure says happened to the party: the reason's first word when it
    is busy or no_answer (``"no_answer: rang 30 s"``), rejected otherwise."""
    found = re.match(r"\s*([a-z_]+)", reason or "")
    word = found.group(1) if found else ""
    return LegStatus(word) if word in FAILURES else LegStatus.REJECTED


async def call_changed(session: AsyncSession, actor: Actor, call: Any, *, now: datetime) -> None:
    """After a call's event: an ended call ends its legs (a monitor too), gives back the
    colleagues it held, and its open call-control commands are never sent again."""
    if CallStatus(call.status) not in FINAL:
        return
    open_legs = [leg for leg in await legs.of_call(session, call.id) if leg.status in OPEN_LEG]
    for leg in open_legs:
        await legs.settle(session, actor, leg, legs.ended(leg), now=now, reason="the call ended")
    await gateway.withdraw(
        session, actor, call.id, sorted(gateway.CALL_CONTROL), CommandStatus.EXPIRED, now=now
    )


async def give_up_ringing(
    session: AsyncSession, actor: Actor, *, ring_for: timedelta, now: datetime
) -> datetime | None:
    """Every leg still ringing ``ring_for`` after it was asked for becomes ``no_answer`` (the
    gateway never answered its command, which is never sent again); when the next ringing leg
    is due, or None."""
    rows = await session.scalars(select(CallLeg).where(CallLeg.status == LegStatus.DIALING))
    later: datetime | None = None
    for found in rows.all():
        due = found.requested_at + ring_for
        if due > now:
            later = due if later is None else min(later, due)
            continue
        leg = await legs.locked(session, found.id)
        if leg is None or leg.status is not LegStatus.DIALING:
            continue
        if leg.command_id is not None:
            await gateway.withdraw_one(
                session, actor, leg.call_id, leg.command_id, CommandStatus.EXPIRED, now=now
            )
        seconds = round(ring_for.total_seconds())
        await legs.settle(
            session,
            actor,
            leg,
            LegStatus.NO_ANSWER,
            now=now,
            reason=f"no_answer: the gateway did not answer within {seconds} s",
        )
    return later


async def _connected_call(session: AsyncSession, call_id: uuid.UUID) -> Any:
    call = await calls.lock_call(session, call_id)
    status = CallStatus(call.status)
    if status not in (CallStatus.CONNECTED, CallStatus.HELD):
        raise Conflict(
            f"call {call_id} is {status}; call control needs a connected call",
            said=said("call_control_not_connected", status=status.value),
        )
    return call


async def _own_call(session: AsyncSession, actor: Actor, call_id: uuid.UUID) -> Any:
    call = await _connected_call(session, call_id)
    if call.operator != actor.username:
        raise Conflict(
            f"call {call_id} is {call.operator}'s; only the operator on the call controls it",
            said=said("call_control_not_yours", operator=call.operator),
        )
    return call


async def _no_open_leg(session: AsyncSession, call_id: uuid.UUID) -> None:
    for leg in await legs.of_call(session, call_id):
        if leg.kind is not LegKind.MONITOR and leg.status in OPEN_LEG:
            raise Conflict(
                f"call {call_id}: {leg.target_name or leg.target} is already {leg.status}; "
                "remove them or leave the call to them first",
                said=said("call_control_leg_open", target=leg.target, status=leg.status.value),
            )


def _not_self(actor: Actor, target: Target) -> None:
    if target.colleague == actor.username:
        raise Invalid("target: you cannot transfer a call to yourself")


async def _withdraw_monitors(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, now: datetime
) -> None:
    """The supervisor's monitor commands not yet carried out are never sent (a new mode, or
    stopped)."""
    await gateway.withdraw(
        session,
        actor,
        call_id,
        [CommandType.MONITOR],
        CommandStatus.SUPERSEDED,
        now=now,
        operator=actor.username,
    )


async def _to_queue(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    target: Target,
    *,
    follow: timeline.Follow,
    now: datetime,
) -> CallLeg:
    call = await calls.lock_call(session, call_id)
    leg = await legs.new(session, actor, call_id, LegKind.TRANSFER, LegMode.BLIND, target, now=now)
    await handover.requeue(session, actor, call_id, target.target, now=now)
    call.queue = target.target
    await _event(session, actor, call_id, leg, CallEventType.TRANSFERRED, None, follow, now)
    await legs.ask(
        session,
        actor,
        call,
        leg,
        CommandType.TRANSFER,
        {"mode": "blind", "queue": target.target},
        now=now,
    )
    await legs.settle(session, actor, leg, LegStatus.COMPLETED, now=now)
    return leg


async def _hand_over(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    leg: CallLeg,
    *,
    follow: timeline.Follow,
    now: datetime,
) -> None:
    """The call is the party's now: a colleague answers it (the ACD moves both operators and
    the card goes with it); a party outside takes it out of the centre."""
    colleague = leg.target if leg.target_kind is TargetKind.OPERATOR else None
    if colleague is None:
        await handover.hand_out(session, actor, call_id, leg.number or leg.target, now=now)
    await _event(session, actor, call_id, leg, CallEventType.TRANSFERRED, colleague, follow, now)
    if colleague is not None:
        await _event(session, actor, call_id, leg, CallEventType.ANSWERED, colleague, follow, now)
    await legs.settle(session, actor, leg, LegStatus.COMPLETED, now=now, hand_to=colleague)


async def _event(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    leg: CallLeg,
    kind: CallEventType,
    operator: str | None,
    follow: timeline.Follow,
    now: datetime,
) -> None:
    event = EventIn(event_id=f"leg-{leg.id}-{kind.value}", type=kind, at=now, operator=operator)
    await timeline.record_event(session, actor, call_id, event, follow=follow, now=now)
