"""Offers of a call to one operator: made, closed, withdrawn; and the queue entries they serve.

Lock order, everywhere in the ACD: the call row (taken by the calls package when an event is
recorded) → the queue entry → the offer → the operator → the queue → its statistics. Keeping
one order means two transactions never wait on each other in a circle.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.core.actor import SYSTEM, Actor
from dispatch.core.bus import emit
from dispatch.errors import NotFound
from dispatch.queues import events, operators
from dispatch.queues.models import Offer, Operator, Queue, QueueEntry
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:100]


async def entry_for_call(
    session: AsyncSession, call_id: uuid.UUID, *, lock: bool = True, skip_locked: bool = False
) -> QueueEntry | None:
    """The call's queue entry (locked unless ``lock`` is false), or None."""
    query = select(QueueEntry).where(QueueEntry.call_id == call_id)
    if lock:
        query = query.with_for_update(skip_locked=skip_locked)
    return await session.scalar(query.execution_options(populate_existing=True))


async def require_entry(session: AsyncSession, call_id: uuid.UUID, *, lock: bool) -> QueueEntry:
    """The call's queue entry; NotFound when the call never entered a queue."""
    entry = await entry_for_call(session, call_id, lock=lock)
    if entry is None:
        raise NotFound(f"no call with id {call_id} in any queue")
    return entry


async def active_for_call(session: AsyncSession, call_id: uuid.UUID) -> Offer | None:
    """The call's active offer, locked, or None."""
    return await session.scalar(
        select(Offer)
        .where(Offer.call_id == call_id, Offer.status == OfferStatus.ACTIVE.value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def active_for_operator(session: AsyncSession, username: str) -> Offer | None:
    """The operator's active offer (not locked), or None."""
    return await session.scalar(
        select(Offer).where(Offer.operator == username, Offer.status == OfferStatus.ACTIVE.value)
    )


async def make(
    session: AsyncSession, entry: QueueEntry, operator: Operator, queue: Queue, *, now: datetime
) -> Offer:
    """Offer the entry's call to ``operator``: reserved, the gateway rings, the console shows."""
    offer = Offer(
        id=uuid.uuid4(),
        call_id=entry.call_id,
        operator=operator.username,
        queue=queue.name,
        status=OfferStatus.ACTIVE.value,
        offered_at=now,
        expires_at=now + timedelta(seconds=queue.offer_timeout_s),
        offered_by=WORKER_ID,
    )
    session.add(offer)
    entry.status = EntryStatus.OFFERED.value
    await operators.set_state(
        session,
        SYSTEM,
        operator,
        OperatorState.RESERVED,
        now=now,
        call_id=entry.call_id,
        queue=queue.name,
    )
    command = await enqueue_command(
        session,
        CommandType.OFFER,
        entry.call_id,
        operator.username,
        {
            "offer_id": str(offer.id),
            "queue": queue.name,
            "timeout_s": queue.offer_timeout_s,
            "expires_at": offer.expires_at.isoformat(),
        },
        now=now,
    )
    offer.command_id = command.command_id
    await audit.record(
        session,
        SYSTEM,
        "queue.offer",
        "call",
        str(entry.call_id),
        {"offer_id": str(offer.id), "operator": operator.username, "queue": queue.name},
        at=now,
    )
    emit(
        session,
        events.OFFER,
        {
            "offer_id": str(offer.id),
            "call_id": str(entry.call_id),
            "operator": operator.username,
            "queue": queue.name,
            "channel": entry.channel,
            "language": entry.language,
            "priority": entry.priority,
            "expires_at": offer.expires_at.isoformat(),
        },
    )
    return offer


def close(session: AsyncSession, offer: Offer, status: OfferStatus, *, now: datetime) -> None:
    """End an active offer with ``status``."""
    offer.status = status.value
    offer.closed_at = now
    emit(
        session,
        events.OFFER_CLOSED,
        {
            "offer_id": str(offer.id),
            "call_id": str(offer.call_id),
            "operator": offer.operator,
            "status": status.value,
        },
    )


async def withdraw(
    session: AsyncSession, actor: Actor, entry: QueueEntry, *, now: datetime
) -> Offer | None:
    """Cancel the call's active offer; its operator goes back to available (no penalty)."""
    offer = await active_for_call(session, entry.call_id)
    if offer is None:
        return None
    close(session, offer, OfferStatus.CANCELLED, now=now)
    if entry.status == EntryStatus.OFFERED:
        entry.status = EntryStatus.WAITING.value
    operator = await operators.locked(session, offer.operator, now=now)
    if operator.state == OperatorState.RESERVED and operator.call_id == offer.call_id:
        await operators.set_state(session, actor, operator, OperatorState.AVAILABLE, now=now)
    return offer
