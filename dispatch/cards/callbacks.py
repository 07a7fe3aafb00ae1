"""Callback attempts on the card: the callbacks capability records each one through here, so
cards' own checks apply and the version is written by ``store.save`` like any other change."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import CallbackAttempt, CallbackOutcome, CardStatus
from cardschema.rules import MAX_CALLBACKS
from dispatch.cards import service, store
from dispatch.cards.events import CardDetail
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, said


class CallbackNotOnCard(Conflict):
    """The card takes no more callback attempts (it is closed, or has every one it can hold)."""


async def record_callback_attempt(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    *,
    callback_id: uuid.UUID,
    at: datetime,
    outcome: CallbackOutcome,
    operator_id: str,
    reached: bool,
    now: datetime,
) -> CardRow:
    """Put one callback attempt on the card as a new version (``card.callback``, sent again to
    its services); the operator who reached the caller takes the card over. A closed card, or
    one holding every attempt it can, refuses it (CallbackNotOnCard, 409).

    Not limited to the card's own operator: whoever dialled the caller back records the
    outcome, and reaching the caller is what hands the card over.
    """
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    if card.status is CardStatus.CLOSED:
        raise CallbackNotOnCard(
            f"card {card.number} is closed; the attempt is not on it",
            said=said("callback_card_closed", card=card.number),
        )
    if len(card.callbacks) >= MAX_CALLBACKS:
        raise CallbackNotOnCard(
            f"card {card.number} holds {MAX_CALLBACKS} callback attempts already; "
            "the attempt is not on it",
            said=said("callback_card_full", card=card.number, count=MAX_CALLBACKS),
        )
    owner = operator_id if reached else card.operator_id
    entry = CallbackAttempt(
        attempt=len(card.callbacks) + 1, at=at, outcome=outcome, operator_id=operator_id
    )
    updated = dataclasses.replace(
        card, callbacks=(*card.callbacks, entry), operator_id=owner, updated_at=now
    )
    detail = CardDetail(callback_id=str(callback_id), attempt=entry.attempt, outcome=outcome.value)
    if owner != card.operator_id:
        detail["operator"] = owner
    return await store.save(session, actor, row, updated, change="callback", detail=detail, now=now)


async def card_for_reached_caller(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    *,
    classifier: Classifier,
    now: datetime,
) -> CardRow:
    """A new card for a call that had none when its caller was reached on a callback (the
    caller gave up waiting before anyone answered): filled from the call and its AML, for the
    operator who reached them to complete."""
    return await service.create_card(
        session,
        actor,
        call_id=call_id,
        channel=None,
        changes={},
        classifier=classifier,
        now=now,
    )
