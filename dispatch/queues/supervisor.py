"""What supervisors do with calls in the ACD: move, raise priority, take over; and the view of
a queue's calls in the order they will be offered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import service as calls
from dispatch.calls import timeline
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.calls.lifecycle import CallEventType
from dispatch.calls.schemas import EventIn
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, said
from dispatch.queues import catalog, events, offers, operators, queue_log, sync
from dispatch.queues.models import QueueEntry
from dispatch.queues.states import OPEN_ENTRY, QUEUED, EntryStatus, QueueEvent


@dataclass(frozen=True)
class Placed:
    """A call in the ACD and its place in the offering order (None once connected or over)."""

    entry: QueueEntry
    position: int | None


def _order(entry: QueueEntry) -> tuple[int, datetime, int]:
    return (-entry.priority, entry.entered_at, entry.id)


async def queue_calls(session: AsyncSession, queue: str) -> list[Placed]:
    """The queue's open calls: waiting and offered in offering order, then connected ones."""
    await catalog.get_queue(session, queue)
    rows = (
        await session.scalars(
            select(QueueEntry).where(QueueEntry.queue == queue, QueueEntry.status.in_(OPEN_ENTRY))
        )
    ).all()
    waiting = sorted((r for r in rows if r.status in QUEUED), key=_order)
    connected = sorted((r for r in rows if r.status not in QUEUED), key=_order)
    return [Placed(e, n) for n, e in enumerate(waiting, 1)] + [Placed(e, None) for e in connected]


async def placed(session: AsyncSession, call_id: uuid.UUID) -> Placed:
    """The call's entry and its position in its queue."""
    entry = await offers.require_entry(session, call_id, lock=False)
    if entry.status not in QUEUED:
        return Placed(entry, None)
    for item in await queue_calls(session, entry.queue):
        if item.entry.id == entry.id:
            return item
    return Placed(entry, None)  # pragma: no cover - the entry is in its own queue's list


async def _waiting_entry(session: AsyncSession, call_id: uuid.UUID, doing: str) -> QueueEntry:
    entry = await offers.require_entry(session, call_id, lock=True)
    if entry.status not in QUEUED:
        raise Conflict(f"call {call_id} is {entry.status}; only a waiting call can be {doing}")
    return entry


async def set_priority(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, priority: int, *, now: datetime
) -> QueueEntry:
    """Change a waiting call's priority (higher is offered first)."""
    entry = await _waiting_entry(session, call_id, "reprioritised")
    before = entry.priority
    entry.priority = priority
    await audit.record(
        session,
        actor,
        "queue.priority",
        "call",
        str(call_id),
        {"before": before, "after": priority, "queue": entry.queue},
        at=now,
    )
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=entry.queue, call_id=str(call_id), reason="priority"),
    )
    return entry


async def move_to_queue(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, queue: str, *, now: datetime
) -> QueueEntry:
    """Move a waiting call to another queue; it keeps its arrival time and priority."""
    target = await catalog.get_queue(session, queue)
    # The call row first (the ACD's lock order); a refusal below rolls this back.
    (await calls.get_call(session, call_id)).queue = target.name
    await session.flush()
    entry = await _waiting_entry(session, call_id, "moved")
    if entry.queue == target.name and entry.target_operator is None:
        raise Conflict(f"call {call_id} already waits in {queue}")
    await offers.withdraw(session, actor, entry, now=now)
    source = entry.queue
    entry.queue = target.name
    entry.target_operator = None
    await queue_log.write(
        session, QueueEvent.TRANSFER, at=now, queue=source, call_id=call_id, to_queue=target.name
    )
    await audit.record(
        session, actor, "queue.move", "call", str(call_id), {"from": source, "to": queue}, at=now
    )
    await entered(session, call_id, source, target.name, reason="moved", now=now)
    return entry


async def entered(
    session: AsyncSession,
    call_id: uuid.UUID,
    source: str,
    target: str,
    *,
    reason: str,
    now: datetime,
) -> None:
    """The call entered ``target`` from ``source`` (moved by a supervisor, or transferred by
    its operator): the new queue's log line, and both queues changed."""
    await queue_log.write(
        session, QueueEvent.ENTER, at=now, queue=target, call_id=call_id, moved_from=source
    )
    for name in {source, target}:
        emit(
            session,
            events.CHANGED,
            events.QueueChanged(queue=name, call_id=str(call_id), reason=reason),
        )


async def move_to_operator(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, username: str, *, now: datetime
) -> QueueEntry:
    """Offer a waiting call to one operator only, when they are available (skills aside)."""
    await operators.check_user(session, username)
    entry = await _waiting_entry(session, call_id, "moved")
    if entry.target_operator == username:
        raise Conflict(f"call {call_id} is already meant for {username}")
    active = await offers.active_for_call(session, call_id)
    if active is not None and active.operator != username:
        await offers.withdraw(session, actor, entry, now=now)
    entry.target_operator = username
    await queue_log.write(
        session,
        QueueEvent.TRANSFER,
        at=now,
        queue=entry.queue,
        call_id=call_id,
        to_operator=username,
    )
    await audit.record(
        session, actor, "queue.move", "call", str(call_id), {"to_operator": username}, at=now
    )
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=entry.queue, call_id=str(call_id), reason="moved"),
    )
    return entry


async def takeover(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    *,
    follow: timeline.Follow,
    now: datetime,
) -> QueueEntry:
    """The supervisor takes the call: answered if it waits, transferred if an operator has it
    (the events recorded with ``follow``, the flows layer's ``follow_call``)."""
    await operators.check_user(session, actor.username)
    entry = await offers.require_entry(session, call_id, lock=False)
    if entry.status not in OPEN_ENTRY:
        raise Conflict(
            f"call {call_id} is over ({entry.status}); nothing to take over",
            said=said("takeover_call_ended"),
        )
    if entry.status == EntryStatus.CONNECTED and entry.operator == actor.username:
        raise Conflict(f"call {call_id} is already yours")
    connected = entry.status == EntryStatus.CONNECTED
    previous = entry.operator if connected else None
    key = uuid.uuid4().hex
    # Events first: recording them locks the call and runs the ACD hook in lock order.
    steps = [CallEventType.TRANSFERRED] if previous else []
    for n, kind in enumerate([*steps, CallEventType.ANSWERED]):
        event = EventIn(
            event_id=f"acd-takeover-{key}-{n}", type=kind, at=now, operator=actor.username
        )
        with sync.ended_meanwhile(
            f"call {call_id} ended before it could be taken over", "takeover_call_ended"
        ):
            await timeline.record_event(session, actor, call_id, event, follow=follow, now=now)
    command = CommandType.TRANSFER if connected else CommandType.CONNECT
    await enqueue_command(
        session, command, call_id, actor.username, {"takeover": True}, now=now, actor=actor
    )
    await audit.record(
        session,
        actor,
        "queue.takeover",
        "call",
        str(call_id),
        {"from_operator": previous},
        at=now,
    )
    return await offers.require_entry(session, call_id, lock=False)
