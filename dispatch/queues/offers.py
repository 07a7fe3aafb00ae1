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
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Executable,
    Table,
    bindparam,
    exists,
    insert,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.core.actor import SYSTEM, Actor
from dispatch.core.bus import emit
from dispatch.errors import NotFound
from dispatch.queues import events, intake, lifecycle, operators, plain
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.heads import OperatorLike, WaitingCall
from dispatch.queues.models import Offer, QueueEntry
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:100]
# The offering tick's writes, as plain statements built once (the rows it changes were read as
# plain rows and locked; no ORM object stands for them), bound to the values of ``make``, whose
# names are no column's (a parameter named like a column would be set in that column too).
_offers = cast(Table, Offer.__table__)
_entries = cast(Table, QueueEntry.__table__)
_NEW_OFFER = insert(_offers).values(
    id=bindparam("offer_id"),
    call_id=bindparam("for_call"),
    operator=bindparam("who"),
    queue=bindparam("for_queue"),
    status=OfferStatus.ACTIVE.value,
    offered_at=bindparam("at"),
    expires_at=bindparam("until"),
    offered_by=bindparam("by"),
    command_id=bindparam("command"),
)
_ENTRY_OFFERED = lifecycle.entry_update(EntryStatus.OFFERED, _entries.c.id == bindparam("entry_id"))


def _offer_at_once() -> Executable:
    """PostgreSQL: reserve the operator, mark the entry offered and insert the offer in one
    statement (two data-changing CTEs and an insert); it returns the offer's id, or no row
    when the operator was not available (then nothing changed)."""
    reserved = operators.RESERVE.returning(operators.RESERVE.table.c.username).cte("reserved")
    marked = (
        _ENTRY_OFFERED.where(exists(select(reserved.c.username)))
        .returning(_entries.c.id)
        .cte("marked")
    )
    columns = _offers.c
    chosen = select(
        bindparam("offer_id", type_=columns.id.type),
        bindparam("for_call", type_=columns.call_id.type),
        reserved.c.username,
        bindparam("for_queue", type_=columns.queue.type),
        literal(OfferStatus.ACTIVE.value, columns.status.type),
        bindparam("at", type_=columns.offered_at.type),
        bindparam("until", type_=columns.expires_at.type),
        bindparam("by", type_=columns.offered_by.type),
        bindparam("command", type_=columns.command_id.type),
    ).select_from(reserved)
    names = ["id", "call_id", "operator", "queue", "status", "offered_at", "expires_at"]
    return (
        insert(_offers)
        .from_select([*names, "offered_by", "command_id"], chosen)
        .returning(columns.id)
        .add_cte(marked)
    )


_OFFER_AT_ONCE = _offer_at_once()


_CALL: BindParameter[uuid.UUID] = bindparam("call_id")
# The lookups every call event and accept makes, built once (their SQL is compiled once).
_ENTRY = select(QueueEntry).where(QueueEntry.call_id == _CALL)
_ENTRIES = {
    (lock, skip): (
        _ENTRY.with_for_update(skip_locked=skip, key_share=True) if lock else _ENTRY
    ).execution_options(populate_existing=True)
    for lock in (True, False)
    for skip in (True, False)
}
_ACTIVE_FOR_CALL = (
    select(Offer)
    .where(Offer.call_id == _CALL, Offer.status == OfferStatus.ACTIVE.value)
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)
_ACTIVE_FOR_OPERATOR = select(Offer).where(
    Offer.operator == bindparam("operator"), Offer.status == OfferStatus.ACTIVE.value
)


async def entry_for_call(
    session: AsyncSession, call_id: uuid.UUID, *, lock: bool = True, skip_locked: bool = False
) -> QueueEntry | None:
    """The call's queue entry (locked unless ``lock`` is false), or None."""
    statement = _ENTRIES[(lock, skip_locked and lock)]
    return await session.scalar(statement, {"call_id": call_id})


async def require_entry(session: AsyncSession, call_id: uuid.UUID, *, lock: bool) -> QueueEntry:
    """The call's queue entry; NotFound when the call never entered a queue."""
    entry = await entry_for_call(session, call_id, lock=lock)
    if entry is None:
        raise NotFound(f"no call with id {call_id} in any queue")
    return entry


async def active_for_call(session: AsyncSession, call_id: uuid.UUID) -> Offer | None:
    """The call's active offer, locked, or None."""
    return await session.scalar(_ACTIVE_FOR_CALL, {"call_id": call_id})


async def active_for_operator(session: AsyncSession, username: str) -> Offer | None:
    """The operator's active offer (not locked), or None."""
    return await session.scalar(_ACTIVE_FOR_OPERATOR, {"operator": username})


async def make(
    session: AsyncSession,
    entry: WaitingCall,
    operator: OperatorLike,
    queue: QueueSpec,
    *,
    now: datetime,
) -> uuid.UUID | None:
    """Offer the entry's call to ``operator``: reserved, the gateway rings, the console shows;
    the offer's id (None when the operator was no longer available). The entry's and the
    operator's rows are locked by the caller and written with plain statements: on PostgreSQL
    the operator's, the entry's and the offer's in one (one round trip instead of three)."""
    offer_id = uuid.uuid4()
    expires_at = now + timedelta(seconds=queue.offer_timeout_s)
    # No key is a column's name: it would be set in the tables the statements change.
    values: dict[str, Any] = {
        "offer_id": offer_id,
        "for_call": entry.call_id,
        "who": operator.username,
        "for_queue": queue.name,
        "at": now,
        "until": expires_at,
        "by": WORKER_ID,
        "entry_id": entry.id,
    }
    together = session.get_bind().dialect.name == "postgresql"
    if together:
        await operators.reserved(session, SYSTEM, operator.username, call_id=entry.call_id, now=now)
    elif not await operators.reserve(
        session, SYSTEM, operator.username, call_id=entry.call_id, queue=queue.name, now=now
    ):
        return None
    command = await enqueue_command(
        session,
        CommandType.OFFER,
        entry.call_id,
        operator.username,
        {
            "offer_id": str(offer_id),
            "queue": queue.name,
            "timeout_s": queue.offer_timeout_s,
            "expires_at": expires_at.isoformat(),
        },
        now=now,
    )
    values["command"] = command.command_id
    connection = await plain.connection(session)
    if together:
        if (await connection.execute(_OFFER_AT_ONCE, values)).first() is None:
            # The caller holds the operator's row locked: this is a broken invariant, and the
            # whole tick (its command included) rolls back.
            raise RuntimeError(f"{operator.username} was not available for offer {offer_id}")
    else:
        await connection.execute(_NEW_OFFER, values)
        await connection.execute(_ENTRY_OFFERED, values)
    await audit.record(
        session,
        SYSTEM,
        "queue.offer",
        "call",
        str(entry.call_id),
        {"offer_id": str(offer_id), "operator": operator.username, "queue": queue.name},
        at=now,
    )
    emit(
        session,
        events.OFFER,
        events.Offered(
            offer_id=str(offer_id),
            call_id=str(entry.call_id),
            operator=operator.username,
            queue=queue.name,
            channel=entry.channel,
            language=entry.language,
            priority=entry.priority,
            expires_at=expires_at.isoformat(),
        ),
    )
    return offer_id


def close(session: AsyncSession, offer: Offer, status: OfferStatus, *, now: datetime) -> None:
    """End an active offer with ``status``."""
    lifecycle.move_offer(offer, status)
    offer.closed_at = now
    emit(
        session,
        events.OFFER_CLOSED,
        events.OfferClosed(
            offer_id=str(offer.id),
            call_id=str(offer.call_id),
            operator=offer.operator,
            status=status.value,
        ),
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
        await intake.entering(session)  # the call waits again (the ACD's surge judgement)
        lifecycle.move_entry(entry, EntryStatus.WAITING)
    operator = await operators.locked(session, offer.operator, now=now)
    if operator.state == OperatorState.RESERVED and operator.call_id == offer.call_id:
        await operators.set_state(session, actor, operator, OperatorState.AVAILABLE, now=now)
    return offer
