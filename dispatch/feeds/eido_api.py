"""A card as the services' systems receive it in NENA's format: ``GET /cards/{id}/eido``.

Served by feeds (which renders EIDO for the deliveries, ``feeds.eido``) under the cards' path;
the card is read through ``cards.service.read_card`` (its roles and audit)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dispatch.cards import service, store
from dispatch.cards.api import CardReader, LocalNow
from dispatch.deps import Session
from dispatch.feeds.eido import card_to_eido

router = APIRouter(prefix="/api/v1", tags=["cards"])


@router.get("/cards/{card_id}/eido")
async def card_as_eido(
    card_id: uuid.UUID, session: Session, who: CardReader, now: LocalNow
) -> JSONResponse:
    """The card as a NENA EIDO (STA-021) JSON document."""
    row = await service.read_card(session, who.actor, card_id, now=now)
    document = card_to_eido(store.to_card(row))
    return JSONResponse(document, media_type="application/emergency.eido+json")
