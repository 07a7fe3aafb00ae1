"""Wellbeing's background work: every closed card is read against the rules (``card.closed``).

A card closed while no server listened (the process stopped between its commit and the event)
is not lost: at start-up the cards closed in the last ``CATCH_UP`` that opened no case yet are
read again (``catch_up``), after the listener has subscribed, so a card closed meanwhile is
seen at least once; reading a card twice opens one case (``service.consider_card`` returns the
one there is, and the table keeps one per card and operator).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from dispatch.cards import events as card_events
from dispatch.cards import service as cards
from dispatch.cards import store as card_store
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.wellbeing import service

log = get_logger(__name__)
# How far back the start-up reads closed cards again: a day covers any shift and any restart
# a centre lives through; a case for an older call would come too late to offer a break.
CATCH_UP = timedelta(hours=24)
CATCH_UP_LIMIT = 5000


async def on_card_closed(runtime: Runtime, card_id: uuid.UUID) -> uuid.UUID | None:
    """Read the closed card against the rules; the case's id, or None when it opens none."""
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        case = await service.consider_card(
            session,
            SYSTEM,
            card_id,
            minutes=runtime.settings.wellbeing_break_minutes,
            now=runtime.clock.now(),
        )
    return case.id if case else None


async def catch_up(runtime: Runtime, *, since: datetime) -> list[uuid.UUID]:
    """Read again every card closed since ``since`` that opened no case; the cases opened."""
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        rows = await cards.closed_since(session, since, limit=CATCH_UP_LIMIT)
        closed = [
            row.id
            for row in rows
            if (card := card_store.to_card(row)).closed_at is not None and card.closed_at >= since
        ]
        done = await service.considered(session, closed)
    opened = []
    for card_id in closed:
        if card_id in done:
            continue
        try:
            case_id = await on_card_closed(runtime, card_id)
        except Exception:  # one card's failure must not hold the others back
            log.exception("wellbeing.catch_up_failed", card_id=str(card_id))
            continue
        if case_id is not None:
            opened.append(case_id)
    if opened:
        log.info("wellbeing.caught_up", cases=len(opened))
    return opened


async def _listen(runtime: Runtime, subscription: Subscription) -> None:
    async for event in subscription:
        await _take(runtime, event)


async def _take(runtime: Runtime, event: Event) -> None:
    try:
        payload = card_events.CLOSED.of(event)
        if payload is not None:
            await on_card_closed(runtime, uuid.UUID(payload["card_id"]))
    except Exception:  # one bad event must not stop the listener
        log.exception("wellbeing.card_event_failed", card_id=event.payload.get("card_id"))


async def _catch_up(runtime: Runtime) -> None:
    try:
        await catch_up(runtime, since=runtime.clock.now() - CATCH_UP)
    except Exception:  # the listener goes on whatever the catch-up met
        log.exception("wellbeing.catch_up_failed")


@asynccontextmanager
async def wellbeing_worker(runtime: Runtime) -> AsyncIterator[None]:
    """Listen for closed cards for as long as the app runs; catch up on those missed."""
    closed = runtime.bus.subscribe(card_events.CLOSED)
    tasks = [
        asyncio.create_task(_listen(runtime, closed), name="wellbeing.listener"),
        asyncio.create_task(_catch_up(runtime), name="wellbeing.catch_up"),
    ]
    try:
        yield
    finally:
        await closed.close()
        await stop_tasks(tasks)
