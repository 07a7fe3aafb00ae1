"""Card work triggered by other capabilities' events: an AML position for a call with a card;
a caller's files onto the call's card (``attachments.attachment_listener``).

A position that arrives before the card is opened is taken when the card is created (see
``service.create_card``), so an event missed here (e.g. during a restart) only delays it until
the operator reloads the call's latest AML; it is never lost.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from cardschema import LocationSource
from dispatch.calls import events as call_events
from dispatch.cards.attachments import attachment_listener
from dispatch.cards.location import apply_automatic_location, card_for_call
from dispatch.cards.routing import default_classifier
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks

log = get_logger(__name__)


async def on_location_proposed(runtime: Runtime, event: Event) -> uuid.UUID | None:
    """Put an AML position onto the call's card (location or proposal); the card id or None."""
    payload = event.payload
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        card_id = await card_for_call(session, uuid.UUID(payload["call_id"]))
        if card_id is None:
            return None
        positioned = payload.get("positioned_at")
        await apply_automatic_location(
            session,
            SYSTEM,
            card_id,
            lat=float(payload["lat"]),
            lon=float(payload["lon"]),
            radius_m=payload.get("radius_m"),
            source=LocationSource.AML,
            method=payload.get("method"),
            positioned_at=datetime.fromisoformat(positioned) if positioned else None,
            classifier=default_classifier(),
            tolerance_m=runtime.settings.geo_tolerance_m,
            now=runtime.clock.now().astimezone(runtime.settings.tz),
        )
    return card_id


async def _listen(runtime: Runtime, subscription: Subscription) -> None:
    async for event in subscription:
        try:
            await on_location_proposed(runtime, event)
        except Exception:  # one bad event must not stop the listener
            log.exception("cards.location_event_failed", call_id=event.payload.get("call_id"))


@asynccontextmanager
async def card_listeners(runtime: Runtime) -> AsyncIterator[None]:
    """Listen for the events that change cards for as long as the app runs."""
    subscription = runtime.bus.subscribe(call_events.LOCATION_PROPOSED)
    task = asyncio.create_task(_listen(runtime, subscription), name="cards.listeners")
    try:
        async with attachment_listener(runtime):
            yield
    finally:
        await subscription.close()
        await stop_tasks([task])
