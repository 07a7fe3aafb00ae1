"""The caller history of a call: the caller's earlier calls (the calls capability's
``calls.history``) with the cards opened for them, read here from this capability's tables.

Reading it is audited as reading the cards it lists (``card.read``, one entry each, with
``via: caller_history``), and as one ``call.caller_history`` entry on the call itself even
when it lists nothing: it shows who called 112 when.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import CardStatus, Outcome
from dispatch.audit import service as audit
from dispatch.calls import history
from dispatch.calls import service as calls
from dispatch.cards.models import CardRow
from dispatch.cards.schemas import CallerHistoryOut, HistoryCall, HistoryCard
from dispatch.core.actor import Actor

# cards.call_id is unique, hence indexed: one probe per listed call.
_CARDS_OF_CALLS = select(
    CardRow.id,
    CardRow.call_id,
    CardRow.number,
    CardRow.incident_type,
    CardRow.status,
    CardRow.version,
    CardRow.document["outcome"].as_string().label("outcome"),
).where(CardRow.call_id.in_(bindparam("calls", expanding=True)))


async def cards_of_calls(
    session: AsyncSession, call_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[HistoryCard, int]]:
    """The card opened for each of these calls (those that have one), with its version."""
    if not call_ids:
        return {}
    rows = await session.execute(_CARDS_OF_CALLS, {"calls": list(call_ids)})
    return {
        row.call_id: (
            HistoryCard(
                id=row.id,
                number=row.number,
                incident_type=row.incident_type,
                status=CardStatus(row.status),
                outcome=Outcome(row.outcome) if row.outcome else None,
            ),
            row.version,
        )
        for row in rows
    }


async def caller_history(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, *, now: datetime
) -> CallerHistoryOut:
    """The caller's other calls of the 30 days before ``call_id`` began, newest first, each
    with its card; audited. NotFound for an unknown call."""
    call = await calls.get_call(session, call_id)
    earlier, truncated = await history.earlier_calls(session, call)
    cards = await cards_of_calls(session, [item.id for item in earlier])
    for card, version in cards.values():
        await audit.record(
            session,
            actor,
            "card.read",
            "card",
            str(card.id),
            {"version": version, "via": "caller_history", "call_id": str(call_id)},
            at=now,
        )
    await audit.record(
        session,
        actor,
        "call.caller_history",
        "call",
        str(call_id),
        {"calls": len(earlier), "cards": [card.number for card, _ in cards.values()]},
        at=now,
    )
    listed = [
        HistoryCall(**item.model_dump(), card=cards[item.id][0] if item.id in cards else None)
        for item in earlier
    ]
    return CallerHistoryOut(
        call_id=call_id,
        caller=history.caller_of(call),
        since=call.created_at - history.HISTORY_WINDOW,
        calls=listed,
        truncated=truncated,
    )
