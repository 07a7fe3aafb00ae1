"""A new call enters its queue, chosen by channel and language (sign language for video)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
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
# queue — a call taken, an offer declined — holds it shared from its first statement to its
# end (:func:`entering`); the ACD, before it reads which calls wait to judge whether an operator
# may dial an unclassified callback in surge, waits until every such transaction then open has
# ended (:func:`wait_for_entries`). Without it a call whose entry was still being written (its
# request on a busy process) was invisible to that read, and the callback went out while the
# call waited (BENCHMARKS.md, session 19: entered 60 and 298 ms before such dials).
_GATE = func.hashtext("queues.entries")


async def entering(session: AsyncSession) -> None:
    """Hold the entries' gate, shared, for this transaction (nothing on SQLite, whose one write
    lock already puts every writer in turn)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock_shared(_GATE)))


async def wait_for_entries(session: AsyncSession) -> None:
    """Wait until every transaction that held the entries' gate has ended: the gate taken
    exclusively and let go at once, in one statement, so nothing stays held (by a pooled
    connection) if the wait is cancelled or fails. New holders wait only that long."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # OFFSET 0 keeps the subquery (the wait) from being merged into the statement around it
    # (the release): it runs first.
    waited = select(func.pg_advisory_lock(_GATE).label("waited")).offset(0).subquery()
    await session.execute(select(func.pg_advisory_unlock(_GATE)).select_from(waited))


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
