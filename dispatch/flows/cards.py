"""A card's steps that settle its deliveries, in the transaction that records them.

- ``record_handoff`` — a service's system is down and the card was passed to it by phone: the
  card records the hand-off, the service counting as having received it
  (``cards.services_status.record_handoff``), and the service's outstanding deliveries of the
  card are acknowledged, marked manual (``feeds.outbox.acknowledge_card``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.cards import services_status
from dispatch.core.actor import Actor
from dispatch.feeds import outbox

if TYPE_CHECKING:  # the row the cards' function returns; flows never write it
    from dispatch.cards.models import CardRow


async def record_handoff(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    service_code: str,
    *,
    contact: str,
    at: datetime,
    note: str | None,
    now: datetime,
) -> CardRow:
    """The card handed to ``service_code`` by phone, its deliveries to it acknowledged."""
    row = await services_status.record_handoff(
        session, actor, card_id, service_code, contact=contact, at=at, note=note, now=now
    )
    await outbox.acknowledge_card(session, service_code, card_id, via="manual", now=now)
    return row
