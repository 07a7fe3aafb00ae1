"""Escalating a call to the supervisors: stored, audited, and announced as ``call.escalated``.

An escalation starts ``open``; a supervisor takes it (``taken``, theirs) and resolves it with a
word on what was done (``resolved``), or resolves an open one at once — ``TRANSITIONS`` is the
table, anything else a 409; each step is audited and announced as ``escalation.changed``. A
call has at most one escalation that is not resolved: asking again while one waits is a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import service as calls
from dispatch.cards import protocol_runs
from dispatch.cards import store as cards
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import bind
from dispatch.errors import Conflict, Invalid, NotFound, Said, said
from dispatch.escalations import events
from dispatch.escalations.models import Escalation
from dispatch.escalations.schemas import EscalationCreate, EscalationStatus

UNRESOLVED = (EscalationStatus.OPEN.value, EscalationStatus.TAKEN.value)
E = EscalationStatus
TRANSITIONS: Mapping[EscalationStatus, frozenset[EscalationStatus]] = {
    E.OPEN: frozenset({E.TAKEN, E.RESOLVED}),
    E.TAKEN: frozenset({E.RESOLVED}),
    E.RESOLVED: frozenset(),
}


async def escalate(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    data: EscalationCreate,
    *,
    now: datetime,
    reason_said: Said | None = None,
) -> Escalation:
    """Ask the supervisors to take over ``call_id``; 404 for an unknown call or card.
    ``reason_said``: a reason the system wrote, as the sentence the consoles translate."""
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
            f"this call was already escalated by {waiting.raised_by} and waits for a supervisor",
            said=said("escalation_waiting", by=waiting.raised_by),
        )
    row = Escalation(
        id=uuid.uuid4(),
        call_id=call_id,
        card_id=data.card_id,
        kind=data.kind.value,
        reason=data.reason.strip(),
        reason_said=reason_said.stored() if reason_said else None,
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
    emit(session, events.ESCALATED, _payload(row))
    # A protocol whose answers required this escalation (issue 24) now says when it was made.
    card_row = await cards.of_call(session, call_id) if data.card_id is None else None
    card_id = data.card_id or (card_row.id if card_row is not None else None)
    if card_id is not None:
        await protocol_runs.mark_escalated(session, actor, card_id, now=now)
    return row


async def get_escalation(session: AsyncSession, escalation_id: uuid.UUID) -> Escalation:
    """One escalation; NotFound otherwise."""
    row = await session.get(Escalation, escalation_id, with_for_update={"key_share": True})
    if row is None:
        raise NotFound(f"no escalation with id {escalation_id}")
    return row


async def take(
    session: AsyncSession, actor: Actor, escalation_id: uuid.UUID, *, now: datetime
) -> Escalation:
    """The supervisor takes the escalation on (taking one's own again changes nothing)."""
    row = await get_escalation(session, escalation_id)
    if row.status == E.TAKEN and row.taken_by == actor.username:
        return row
    _check(row, E.TAKEN)
    row.status, row.taken_by, row.taken_at = E.TAKEN, actor.username, now
    await _record(session, actor, row, "escalation.take", now=now)
    return row


async def resolve(
    session: AsyncSession,
    actor: Actor,
    escalation_id: uuid.UUID,
    resolution: str,
    *,
    now: datetime,
) -> Escalation:
    """Settle the escalation, saying what was done; one taken by another supervisor is theirs."""
    row = await get_escalation(session, escalation_id)
    _check(row, E.RESOLVED)
    if row.status == E.TAKEN and row.taken_by != actor.username:
        raise Conflict(
            f"{row.taken_by} took this escalation; only they can resolve it",
            said=said("escalation_taken", by=row.taken_by),
        )
    if row.taken_by is None:
        row.taken_by, row.taken_at = actor.username, now
    row.status, row.resolved_at, row.resolution = E.RESOLVED, now, resolution.strip()
    await _record(session, actor, row, "escalation.resolve", now=now)
    return row


def _check(row: Escalation, new: EscalationStatus) -> None:
    current = EscalationStatus(row.status)
    if new not in TRANSITIONS[current]:
        who = f" by {row.taken_by}" if row.taken_by else ""
        raise Conflict(
            f"this escalation is already {current.value}{who}; it cannot be {new.value}",
            said=said("escalation_already", status=current.value, by=row.taken_by),
        )


async def _record(
    session: AsyncSession, actor: Actor, row: Escalation, action: str, *, now: datetime
) -> None:
    await session.flush()
    bind(call_id=row.call_id)
    await audit.record(
        session,
        actor,
        action,
        "call",
        str(row.call_id),
        {"escalation_id": str(row.id), "status": row.status},
        at=now,
    )
    emit(
        session,
        events.ESCALATION_CHANGED,
        events.EscalationChanged(**_payload(row), taken_by=row.taken_by),
    )


def _payload(row: Escalation) -> events.Escalated:
    # ``operator`` is who raised it: their console shows the escalation's status.
    return events.Escalated(
        escalation_id=str(row.id),
        call_id=str(row.call_id),
        card_id=_str(row.card_id),
        kind=row.kind,
        reason=row.reason,
        operator=row.raised_by,
        status=row.status,
    )


async def list_escalations(
    session: AsyncSession,
    *,
    raised_by: str | None = None,
    status: EscalationStatus | tuple[EscalationStatus, ...] | None = None,
    limit: int = 50,
) -> list[Escalation]:
    """Escalations, newest first: one operator's, or everyone's; optionally of some statuses."""
    query = select(Escalation)
    if raised_by is not None:
        query = query.where(Escalation.raised_by == raised_by)
    if status is not None:
        wanted = status if isinstance(status, tuple) else (status,)
        query = query.where(Escalation.status.in_([s.value for s in wanted]))
    rows = await session.scalars(
        query.order_by(Escalation.raised_at.desc(), Escalation.id).limit(limit)
    )
    return list(rows.all())


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
