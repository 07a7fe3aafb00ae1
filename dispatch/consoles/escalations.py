"""Escalating a call to the supervisors: stored, audited, and announced as ``call.escalated``.

An escalation starts ``open``; the supervisor console takes and resolves it. A call has at most
one escalation that is not resolved: asking again while one waits is a 409.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import service as calls
from dispatch.cards import store as cards
from dispatch.consoles.models import Escalation
from dispatch.consoles.schemas import EscalationCreate, EscalationStatus
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import bind
from dispatch.errors import Conflict, Invalid

TOPIC = "call.escalated"
UNRESOLVED = (EscalationStatus.OPEN.value, EscalationStatus.TAKEN.value)


async def escalate(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    data: EscalationCreate,
    *,
    now: datetime,
) -> Escalation:
    """Ask the supervisors to take over ``call_id``; 404 for an unknown call or card."""
    await calls.get_call(session, call_id)
    bind(call_id=call_id)
    if data.card_id is not None:
        card = cards.to_card(await cards.load(session, data.card_id))
        if card.call_id != call_id:
            raise Invalid(f"card {card.number} is not the card of call {call_id}")
    waiting = await session.scalar(
        select(Escalation).where(Escalation.call_id == call_id, Escalation.status.in_(UNRESOLVED))
    )
    if waiting is not None:
        raise Conflict(
            f"this call was already escalated by {waiting.raised_by} and waits for a supervisor"
        )
    row = Escalation(
        id=uuid.uuid4(),
        call_id=call_id,
        card_id=data.card_id,
        kind=data.kind.value,
        reason=data.reason.strip(),
        status=EscalationStatus.OPEN.value,
        raised_by=actor.username,
        raised_at=now,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor,
        "call.escalate",
        "call",
        str(call_id),
        {"escalation_id": str(row.id), "kind": row.kind, "card_id": _str(row.card_id)},
        at=now,
    )
    emit(
        session,
        TOPIC,
        {
            "escalation_id": str(row.id),
            "call_id": str(call_id),
            "card_id": _str(row.card_id),
            "kind": row.kind,
            "reason": row.reason,
            "operator": actor.username,
            "status": row.status,
        },
    )
    return row


async def list_escalations(
    session: AsyncSession,
    *,
    raised_by: str | None = None,
    status: EscalationStatus | None = None,
    limit: int = 50,
) -> list[Escalation]:
    """Escalations, newest first: one operator's, or everyone's; optionally of one status."""
    query = select(Escalation)
    if raised_by is not None:
        query = query.where(Escalation.raised_by == raised_by)
    if status is not None:
        query = query.where(Escalation.status == status.value)
    rows = await session.scalars(
        query.order_by(Escalation.raised_at.desc(), Escalation.id).limit(limit)
    )
    return list(rows.all())


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
