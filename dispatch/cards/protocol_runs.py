"""Protocols walked on a card (issue 24): what was answered and given, kept as the operator goes
and written onto the card (``Card.protocols``, XSD 1.3) at most every ``FLUSH_EVERY`` and at
route and close — never a card version or a delivery per answer.

The protocols capability (above this one) knows the definitions and works out the walk; this
module keeps what happened on the card: each answer with the question as read, each instruction
given, the determinant the answers met (which sets the card's priority unless the operator
overrode it with a reason), and whether the call had to be escalated and when it was. A card
whose protocol requires escalation cannot be closed before it (``consistency.check_close``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import cardschema
from cardschema import Card
from dispatch.cards import events, store
from dispatch.cards.models import CardRow, ProtocolRun
from dispatch.cards.service import check_may_edit, check_open
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, NotFound

# How often a walk's answers reach the card at most (and so the services the card went to).
FLUSH_EVERY = timedelta(seconds=5)
MAX_RUNS = 10


async def runs_of(session: AsyncSession, card_id: uuid.UUID) -> list[ProtocolRun]:
    """The protocols walked on a card, in the order they were started."""
    rows = await session.scalars(
        select(ProtocolRun)
        .where(ProtocolRun.card_id == card_id)
        .order_by(ProtocolRun.started_at, ProtocolRun.id)
    )
    return list(rows.all())


async def runs_between(session: AsyncSession, start: datetime, end: datetime) -> list[ProtocolRun]:
    """The protocols started in ``start``..``end`` (for QA's compliance report)."""
    rows = await session.scalars(
        select(ProtocolRun)
        .where(ProtocolRun.started_at >= start, ProtocolRun.started_at < end)
        .order_by(ProtocolRun.started_at, ProtocolRun.id)
    )
    return list(rows.all())


async def get(session: AsyncSession, run_id: uuid.UUID, *, for_update: bool = False) -> ProtocolRun:
    """One run; NotFound otherwise."""
    statement = select(ProtocolRun).where(ProtocolRun.id == run_id)
    run = await session.scalar(
        statement.with_for_update(key_share=True) if for_update else statement
    )
    if run is None:
        raise NotFound(f"no protocol run with id {run_id}")
    return run


async def start(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    *,
    code: str,
    version: int,
    version_id: uuid.UUID,
    approved: bool,
    language: str,
    now: datetime,
) -> ProtocolRun:
    """The run of protocol ``code`` on the card: the one started before (a reload carries on
    where it was), else a new one."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_open(card, "starting a protocol")
    check_may_edit(card, actor)
    runs = await runs_of(session, card_id)
    for run in runs:
        if run.protocol_code == code:
            return run
    if len(runs) >= MAX_RUNS:
        raise Conflict(f"card {card.number} already has {MAX_RUNS} protocols")
    run = ProtocolRun(
        id=uuid.uuid4(),
        card_id=card_id,
        protocol_code=code,
        protocol_version=version,
        protocol_version_id=version_id,
        approved=approved,
        language=language,
        started_at=now,
        started_by=actor.username,
        updated_at=now,
        answers=[],
        given=[],
        determinant=None,
        override_priority=None,
        override_reason=None,
        escalated_at=None,
        pending=True,
        flushed_at=None,
    )
    session.add(run)
    await session.flush()
    emit(
        session,
        events.PROTOCOL_PENDING,
        events.ProtocolPending(card_id=str(card_id), run_id=str(run.id)),
    )
    return run


async def record(
    session: AsyncSession,
    actor: Actor,
    run: ProtocolRun,
    *,
    answer: dict[str, Any] | None = None,
    given: dict[str, Any] | None = None,
    determinant: dict[str, Any] | None,
    now: datetime,
) -> ProtocolRun:
    """Keep an answer (``{node, question, value}``, replacing an earlier answer to the same
    question) or an instruction given (``{node, text}``) and the determinant now met; onto the
    card when the last write is ``FLUSH_EVERY`` old."""
    card = store.to_card(await store.load(session, run.card_id))
    check_open(card, "walking a protocol")
    check_may_edit(card, actor)
    if answer is not None:
        kept = [a for a in run.answers if a["node"] != answer["node"]]
        run.answers = [*kept, {**answer, "at": now.isoformat()}]
    if given is not None and all(g["node"] != given["node"] for g in run.given):
        run.given = [*run.given, {**given, "at": now.isoformat()}]
    run.determinant = determinant
    run.updated_at = now
    run.pending = True
    if run.flushed_at is None or now - run.flushed_at >= FLUSH_EVERY:
        await flush_card(session, actor, run.card_id, now=now)
    else:
        emit(
            session,
            events.PROTOCOL_PENDING,
            events.ProtocolPending(card_id=str(run.card_id), run_id=str(run.id)),
        )
    return run


async def override(
    session: AsyncSession,
    actor: Actor,
    run: ProtocolRun,
    *,
    priority: int | None,
    reason: str | None,
    now: datetime,
) -> ProtocolRun:
    """Set (or with None, take back) the priority the operator chose over the determinant's,
    with the reason; written onto the card at once."""
    card = store.to_card(await store.load(session, run.card_id))
    check_open(card, "overriding a protocol's priority")
    check_may_edit(card, actor)
    run.override_priority = priority
    run.override_reason = reason if priority is not None else None
    run.updated_at = now
    run.pending = True
    await flush_card(session, actor, run.card_id, now=now)
    return run


async def mark_escalated(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, *, now: datetime
) -> bool:
    """The call of this card was escalated: the runs that required it say when (written onto the
    card at once). True when a run required it."""
    marked = False
    for run in await runs_of(session, card_id):
        if (run.determinant or {}).get("escalation_required") and run.escalated_at is None:
            run.escalated_at = now
            run.pending = True
            marked = True
    if marked:
        await flush_card(session, actor, card_id, now=now)
    return marked


def record_of(run: ProtocolRun, zone: tzinfo | None) -> cardschema.ProtocolRecord:
    """The run as the card carries it, its times in the card's zone."""
    found = run.determinant
    return cardschema.ProtocolRecord(
        code=run.protocol_code,
        version=run.protocol_version,
        approved=run.approved,
        language=run.language,
        started_at=run.started_at.astimezone(zone),
        started_by=run.started_by,
        answers=tuple(
            cardschema.ProtocolAnswer(
                node=a["node"],
                question=a["question"],
                value=a["value"],
                at=datetime.fromisoformat(a["at"]).astimezone(zone),
            )
            for a in run.answers
        ),
        instructions=tuple(
            cardschema.ProtocolInstruction(
                node=g["node"], text=g["text"], at=datetime.fromisoformat(g["at"]).astimezone(zone)
            )
            for g in run.given
        ),
        determinant=None
        if found is None
        else cardschema.ProtocolDeterminant(
            code=found["code"],
            priority=found["priority"],
            services=tuple(found["services"]),
            risk=cardschema.ProtocolRisk(found["risk"]) if found.get("risk") else None,
        ),
        priority_override=run.override_priority,
        override_reason=run.override_reason,
        escalation_required=bool(found and found.get("escalation_required")),
        escalated_at=run.escalated_at.astimezone(zone) if run.escalated_at else None,
    )


def with_runs(card: Card, runs: Sequence[ProtocolRun], now: datetime) -> Card:
    """``card`` carrying the runs as they stand, its priority the last determinant's (or the
    operator's override of it)."""
    zone = card.created_at.tzinfo
    records = tuple(record_of(run, zone) for run in runs)
    priority = card.incident.priority
    for run in runs:
        if run.override_priority is not None:
            priority = run.override_priority
        elif run.determinant is not None:
            priority = run.determinant["priority"]
    incident = dataclasses.replace(card.incident, priority=priority)
    return dataclasses.replace(
        card, protocols=records, incident=incident, updated_at=now.astimezone(zone)
    )


async def pending_onto(session: AsyncSession, row: CardRow, card: Card, *, now: datetime) -> Card:
    """For route and close: ``card`` with its runs' pending changes on it (written in that
    version, not one of their own)."""
    runs = await runs_of(session, row.id)
    if not any(run.pending for run in runs):
        return card
    for run in runs:
        run.pending = False
        run.flushed_at = now
    return with_runs(card, runs, now)


async def flush_card(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, *, now: datetime
) -> CardRow | None:
    """Write the card's pending runs onto it as a new version (``protocol``), if any."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    runs = await runs_of(session, card_id)
    if not any(run.pending for run in runs):
        return None
    for run in runs:
        run.pending = False
        run.flushed_at = now
    if card.status is cardschema.CardStatus.CLOSED:
        return None
    updated = with_runs(card, runs, now)
    return await store.save(
        session,
        actor,
        row,
        updated,
        change="protocol",
        detail={"protocols": [run.protocol_code for run in runs]},
        now=now,
    )


async def due(session: AsyncSession, *, now: datetime) -> tuple[list[uuid.UUID], datetime | None]:
    """The cards with pending runs written ``FLUSH_EVERY`` ago or more, and when the next
    pending one is due (None: nothing pending)."""
    rows = (
        await session.execute(
            select(ProtocolRun.card_id, ProtocolRun.flushed_at, ProtocolRun.updated_at).where(
                ProtocolRun.pending.is_(True)
            )
        )
    ).all()
    ready: set[uuid.UUID] = set()
    later: datetime | None = None
    for card_id, flushed_at, updated_at in rows:
        at = flushed_at + FLUSH_EVERY if flushed_at else updated_at
        if at <= now:
            ready.add(card_id)
        elif later is None or at < later:
            later = at
    return sorted(ready), later
