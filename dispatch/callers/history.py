"""A number's history for supervisors and QA: its calls (``dispatch.calls.history``), each
with its card and outcome (``dispatch.cards.caller_history``), and the number's marks.

Audited like the operator's caller history: one ``card.read`` per listed card (``via:
number_history``) and one ``caller.history`` entry on the number, even when nothing is listed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callers import service
from dispatch.callers.schemas import NumberHistoryOut
from dispatch.calls import history
from dispatch.cards.caller_history import cards_of_calls
from dispatch.cards.schemas import HistoryCall
from dispatch.core.actor import Actor


async def number_history(
    session: AsyncSession, actor: Actor, number: str, *, days: int, now: datetime
) -> NumberHistoryOut:
    """The calls from ``number`` in the ``days`` before now, newest first, with their cards,
    and every mark the number had; audited."""
    key = service.number_key(number)
    since = now - timedelta(days=days)
    calls, truncated = await history.calls_of_number(session, key, since=since, until=now)
    cards = await cards_of_calls(session, [item.id for item in calls])
    for card, version in cards.values():
        await audit.record(
            session,
            actor,
            "card.read",
            "card",
            str(card.id),
            {"version": version, "via": "number_history", "number": key},
            at=now,
        )
    await audit.record(
        session,
        actor,
        "caller.history",
        "caller",
        key,
        {"days": days, "calls": len(calls), "cards": [card.number for card, _ in cards.values()]},
        at=now,
    )
    marks = await service.list_marks(session, number=key, include_ended=True, now=now)
    return NumberHistoryOut(
        number=key,
        since=since,
        until=now,
        calls=[
            HistoryCall(**item.model_dump(), card=cards[item.id][0] if item.id in cards else None)
            for item in calls
        ],
        truncated=truncated,
        marks=[service.mark_out(mark, now=now) for mark in marks],
    )
