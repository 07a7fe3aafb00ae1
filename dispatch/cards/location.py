"""Automatic positions (AML, network) arriving for a card, and the operator's answer to them.

An automatic position becomes the card's location while the operator has not confirmed one;
after that it is only *proposed* beside the confirmed location, until the operator accepts or
dismisses it.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import Location, LocationSource
from dispatch.cards import places, store
from dispatch.cards.events import CardChange
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier
from dispatch.cards.service import apply_changes, check_may_edit
from dispatch.core.actor import Actor
from dispatch.errors import Conflict


async def card_for_call(session: AsyncSession, call_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the card opened for a call, if any."""
    return await session.scalar(select(CardRow.id).where(CardRow.call_id == call_id))


async def apply_automatic_location(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    *,
    lat: float,
    lon: float,
    radius_m: float | None,
    source: LocationSource,
    method: str | None,
    positioned_at: datetime | None,
    classifier: Classifier,
    tolerance_m: float,
    now: datetime,
) -> CardRow:
    """Place an automatic position on the card: as its location, or proposed beside it."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    change = await places.automatic_location_change(
        session,
        card,
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        source=source,
        method=method,
        positioned_at=positioned_at,
        received_at=now,
        tolerance_m=tolerance_m,
    )
    if "proposed_location" in change:
        updated = dataclasses.replace(
            card,
            proposed_location=change["proposed_location"],
            updated_at=now,
        )
        kind: CardChange = "location_proposed"
    else:
        updated = apply_changes(card, change, classifier, now=now)
        kind = "location"
    return await store.save(
        session, actor, row, updated, change=kind, detail={"source": source.value}, now=now
    )


async def answer_proposal(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, *, accept: bool, now: datetime
) -> CardRow:
    """The operator accepts the proposed position (it becomes the confirmed location) or
    dismisses it; either way the proposal is gone."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_may_edit(card, actor)
    proposal = card.proposed_location
    if proposal is None:
        raise Conflict(f"card {card.number} has no proposed location to answer")
    location = card.location
    if accept:
        location = Location(
            address=card.location.address,
            lat=proposal.lat,
            lon=proposal.lon,
            radius_m=proposal.radius_m,
            source=proposal.source,
            region=proposal.region,
            district=proposal.district,
            confirmed=True,
        )
    updated = dataclasses.replace(card, location=location, proposed_location=None, updated_at=now)
    return await store.save(
        session,
        actor,
        row,
        updated,
        change="location" if accept else "location_dismissed",
        now=now,
    )
