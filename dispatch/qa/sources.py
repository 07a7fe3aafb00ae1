"""What QA reads from other capabilities, read-only, in bulk.

Sampling needs every call of a period with its card's incident type and the facts that flag
it; ``calls/``, ``cards/``, ``queues/`` and ``callbacks/`` have no service function for that
yet, so these queries are the one place QA reads their tables (never writes them). When those
capabilities grow such functions, these move there. A supervisor takeover is read through the
audit service (the ACD records it as ``queue.takeover`` on the call).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callbacks.models import CallbackTask
from dispatch.calls.lifecycle import CallStatus
from dispatch.calls.models import Call
from dispatch.cards.models import CardRow
from dispatch.queues.models import QueueEntry
from dispatch.queues.states import EntryStatus

# A call is reviewed once it is over; one still going has no complete recording or timeline.
FINAL = (CallStatus.ENDED.value, CallStatus.ABANDONED.value, CallStatus.DROPPED.value)
TAKEOVER_ACTION = "queue.takeover"
UNREACHABLE = "unreachable"
# Takeovers are looked up from the period's start to this long after its end (a call that
# began just before midnight may be taken over after it).
TAKEOVER_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class CallFacts:
    """A call as sampling sees it."""

    id: uuid.UUID
    created_at: datetime
    channel: str
    operator: str | None
    status: str
    talk_seconds: float | None
    incident_type: str | None
    queue_status: str | None


async def calls_in_period(session: AsyncSession, start: datetime, end: datetime) -> list[CallFacts]:
    """Calls created in [start, end) that are over, oldest first (ties by id)."""
    query = (
        select(
            Call.id,
            Call.created_at,
            Call.channel,
            Call.operator,
            Call.status,
            Call.talk_seconds,
            CardRow.incident_type,
            QueueEntry.status,
        )
        .outerjoin(CardRow, CardRow.call_id == Call.id)
        .outerjoin(QueueEntry, QueueEntry.call_id == Call.id)
        .where(Call.created_at >= start, Call.created_at < end, Call.status.in_(FINAL))
        .order_by(Call.created_at, Call.id)
    )
    rows = (await session.execute(query)).all()
    return [
        CallFacts(
            id=row[0],
            created_at=row[1],
            channel=row[2],
            operator=row[3],
            status=row[4],
            talk_seconds=row[5],
            incident_type=row[6],
            queue_status=row[7],
        )
        for row in rows
    ]


def abandoned(call: CallFacts) -> bool:
    """The caller hung up before anyone answered (the call's or its queue entry's status)."""
    return (
        call.status == CallStatus.ABANDONED.value
        or call.queue_status == EntryStatus.ABANDONED.value
    )


async def callbacks_exhausted(
    session: AsyncSession, call_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Calls whose callback task ended unreachable (every attempt used)."""
    found: set[uuid.UUID] = set()
    ids = list(call_ids)
    for start in range(0, len(ids), 500):  # bounded IN lists
        rows = await session.scalars(
            select(CallbackTask.call_id).where(
                CallbackTask.call_id.in_(ids[start : start + 500]),
                CallbackTask.status == UNREACHABLE,
            )
        )
        found.update(rows.all())
    return found


async def taken_over(session: AsyncSession, start: datetime, end: datetime) -> set[uuid.UUID]:
    """Calls a supervisor took over, from the audit log of the period (and a day after)."""
    entries, _ = await audit.search(
        session,
        action=TAKEOVER_ACTION,
        target_type="call",
        since=start,
        until=end + TAKEOVER_SLACK,
        limit=100_000,
    )
    calls: set[uuid.UUID] = set()
    for entry in entries:
        if entry.action != TAKEOVER_ACTION:  # search matches by prefix
            continue
        try:
            calls.add(uuid.UUID(entry.target_id))
        except ValueError:
            continue
    return calls


async def card_id_for_call(session: AsyncSession, call_id: uuid.UUID) -> uuid.UUID | None:
    """The card opened for the call, if any."""
    card_id: uuid.UUID | None = await session.scalar(
        select(CardRow.id).where(CardRow.call_id == call_id)
    )
    return card_id
