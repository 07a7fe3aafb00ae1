"""A new call enters its queue, chosen by channel and language (sign language for video)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

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
