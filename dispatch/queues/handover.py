"""Call control in the ACD (issue 26): a colleague's set held for a call they are asked onto,
and a connected call sent on to another queue or out of the centre.

- ``reserve`` — a colleague asked onto a call (a transfer, a conference) is on that call from
  the moment their set rings, so the ACD offers them nothing else; ``release`` gives them back
  (no answer, removed, the call ended without them taking it).
- ``requeue`` — a connected call transferred to another queue: its operator wraps up, the queue
  log says ``transfer`` (``to_queue``, counted as transferred) and ``enter`` in the new queue,
  where the call waits for its next operator as any other.
- ``hand_out`` — a connected call transferred out of the centre (a service's desk, a number):
  its operator wraps up, the queue log says ``transfer`` (``to_number``, counted as
  transferred), and the call's entry is over.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, said
from dispatch.queues import (
    catalog,
    events,
    intake,
    lifecycle,
    offers,
    operators,
    queue_log,
    supervisor,
    sync,
)
from dispatch.queues.models import QueueEntry
from dispatch.queues.states import EntryStatus, OperatorState, QueueEvent


async def reserve(
    session: AsyncSession, actor: Actor, username: str, call_id: uuid.UUID, *, now: datetime
) -> None:
    """Hold ``username`` for ``call_id``: 409 unless they are signed in and available."""
    await operators.check_user(session, username)
    operator = await operators.locked(session, username, now=now)
    state = OperatorState(operator.state)
    if state is not OperatorState.AVAILABLE:
        raise Conflict(
            f"{username} is {state.value}; only an available colleague can be asked onto a call",
            said=said("call_control_target_busy", target=username, state=state.value),
        )
    entry = await offers.entry_for_call(session, call_id, lock=False)
    await operators.set_state(
        session,
        actor,
        operator,
        OperatorState.ON_CALL,
        now=now,
        call_id=call_id,
        queue=entry.queue if entry is not None else None,
    )


async def release(
    session: AsyncSession, actor: Actor, username: str, call_id: uuid.UUID, *, now: datetime
) -> None:
    """Give back a colleague held for ``call_id`` who did not take it (available again at
    once); nothing when they are no longer on it."""
    operator = await operators.locked(session, username, now=now)
    if operator.state != OperatorState.ON_CALL or operator.call_id != call_id:
        return
    entry = await offers.entry_for_call(session, call_id, lock=False)
    if entry is not None and entry.operator == username:
        return  # the call is theirs now: the call's end releases them
    await operators.release(session, actor, operator, now=now, wrap_up_s=0)


async def requeue(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, queue: str, *, now: datetime
) -> QueueEntry:
    """Send the connected call to wait in ``queue``; its operator wraps up."""
    target = await catalog.get_queue(session, queue)
    entry = await _connected_entry(session, call_id)
    if entry.queue == target.name:
        raise Conflict(
            f"call {call_id} is already in {queue}",
            said=said("call_control_same_queue", queue=queue),
        )
    source, operator = entry.queue, entry.operator
    await sync.release(session, actor, entry, now)
    await queue_log.write(
        session,
        QueueEvent.TRANSFER,
        at=now,
        queue=source,
        call_id=call_id,
        operator=operator,
        to_queue=target.name,
    )
    await intake.entering(session)  # the call waits again (the ACD's surge judgement)
    lifecycle.move_entry(entry, EntryStatus.WAITING)
    entry.queue = target.name
    entry.operator = None
    entry.target_operator = None
    entry.connected_at = None  # answered again in the new queue: its connect is counted there
    await supervisor.entered(session, call_id, source, target.name, reason="transferred", now=now)
    return entry


async def hand_out(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, number: str, *, now: datetime
) -> None:
    """The connected call goes on outside the centre (to ``number``); its operator wraps up."""
    entry = await _connected_entry(session, call_id)
    operator = entry.operator
    await sync.release(session, actor, entry, now)
    await queue_log.write(
        session,
        QueueEvent.TRANSFER,
        at=now,
        queue=entry.queue,
        call_id=call_id,
        operator=operator,
        to_number=number,
    )
    lifecycle.move_entry(entry, EntryStatus.COMPLETED)
    entry.operator = None
    entry.ended_at = now
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=entry.queue, call_id=str(call_id), reason="transferred"),
    )


async def _connected_entry(session: AsyncSession, call_id: uuid.UUID) -> QueueEntry:
    entry = await offers.require_entry(session, call_id, lock=True)
    if entry.status != EntryStatus.CONNECTED:
        raise Conflict(
            f"call {call_id} is {entry.status} in its queue; only a connected call is transferred",
            said=said("call_control_not_connected", status=str(entry.status)),
        )
    return entry
