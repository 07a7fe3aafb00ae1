"""A new call enters its queue, chosen by channel and language (sign language for video)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import get_logger
from dispatch.queues import catalog, events, queue_log
from dispatch.queues.models import QueueEntry
from dispatch.queues.states import EntryStatus, QueueEvent

if TYPE_CHECKING:  # only the type of the row create_call hands in; queues never write it
    from dispatch.calls.models import Call

log = get_logger(__name__)

# The entries' gate (PostgreSQL's advisory locks): a transaction that may make a call wait in a
# queue — a call taken, an offer declined (both from their first statement), an offer withdrawn
# or a call transferred back to a queue (from that step) — holds it shared to its end
# (:func:`entering`); the ACD, before it judges whether an operator may dial an
# unclassified callback in surge, asks whether any such transaction is open
# (:func:`entries_in_flight`) and, if one is, dials none this pass (the call's commit wakes the
# ACD again). Without it a call whose entry was still being written (its request on a busy
# process) was invisible to the ACD's read of the waiting calls, and the callback went out
# while the call waited (BENCHMARKS.md, session 19: entered 60 and 298 ms before such dials).
# The ACD asks without waiting: waiting for the gate, with the operators it had locked, made a
# deadlock with a decline and the heartbeats' batch, and stalled a saturated process's new
# calls behind it (the same run).
_GATE = func.hashtext("queues.entries")


async def entering(session: AsyncSession) -> None:
    """Hold the entries' gate, shared, for this transaction (nothing on SQLite, whose one write
    lock already puts every writer in turn)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock_shared(_GATE)))


async def entries_in_flight(session: AsyncSession) -> bool:
    """Whether a transaction that may make a call wait holds the entries' gate now; asked
    without waiting (the gate tried exclusively and, when free, let go in the same statement,
    so nothing stays held). Always False on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    free = case((func.pg_try_advisory_lock(_GATE), func.pg_advisory_unlock(_GATE)), else_=false())
    return not await session.scalar(select(free))


async def enter_queue(
    session: AsyncSession, actor: Actor, call: Call, *, now: datetime
) -> str | None:
    """Put a new call in the queue its channel and language choose: that queue's name (the
    call's ``queue``; ``calls.service.Admit``), or None when no active queue takes it."""
    queues = await catalog.queues(session, active_only=True)
    queue = catalog.choose(queues, call.channel, call.language)
    if queue is None:
        # An emergency call is never refused: it keeps the calls package's queue name and
        # waits outside the ACD, where the log makes the missing queue visible.
        log.error("queue.none_for_call", channel=call.channel, language=call.language)
        return None
    session.add(
        QueueEntry(
            call_id=call.id,
            queue=queue.name,
            status=EntryStatus.WAITING.value,
            priority=0,
            channel=call.channel,
            language=call.language,
            entered_at=now,
            no_answers=0,
        )
    )
    await queue_log.write(
        session,
        QueueEvent.ENTER,
        at=now,
        queue=queue.name,
        call_id=call.id,
        channel=call.channel,
        language=call.language,
    )
    await audit.record(
        session, actor, "queue.enter", "call", str(call.id), {"queue": queue.name}, at=now
    )
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=queue.name, call_id=str(call.id), reason="entered"),
    )
    return queue.name
