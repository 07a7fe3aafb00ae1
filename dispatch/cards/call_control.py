"""The call's transfers and conferences on its card (issue 26, XSD 1.4 ``<callControl>``).

Call control (above cards) keeps each party asked onto the call as a leg; once a leg is over
(answered and left, refused, withdrawn, handed the call) the call's card gets every leg as
``Card.call_control`` in a version of its own (``call_control``). When the call was handed to a
colleague, the card goes with it: the colleague becomes its operator (``handed_over``), so the
receiving operator edits the card as their own. A closed card, or a call without a card yet, is
left as it is.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

import cardschema
from dispatch.cards import store
from dispatch.cards.events import CardChange, CardDetail
from dispatch.cards.models import CardRow
from dispatch.core.actor import Actor


class LegLike(Protocol):
    """A leg as call control keeps it (``dispatch.control.models.CallLeg``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> str: ...
    @property
    def mode(self) -> str | None: ...
    @property
    def requested_at(self) -> datetime: ...
    @property
    def requested_by(self) -> str: ...
    @property
    def target_kind(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def target_name(self) -> str | None: ...
    @property
    def number(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def reason(self) -> str | None: ...


def record_of(leg: LegLike, zone: tzinfo | None) -> cardschema.CallControlRecord:
    """The leg as the card carries it, its times in the card's zone."""
    return cardschema.CallControlRecord(
        id=leg.id,
        kind=cardschema.CallControlKind(str(leg.kind)),
        mode=cardschema.CallControlMode(str(leg.mode)) if leg.mode else None,
        requested_at=leg.requested_at.astimezone(zone),
        requested_by=leg.requested_by,
        target_kind=cardschema.CallControlTargetKind(str(leg.target_kind)),
        target=leg.target,
        target_name=leg.target_name,
        number=leg.number,
        outcome=cardschema.CallControlOutcome(str(leg.status)),
        answered_at=leg.answered_at.astimezone(zone) if leg.answered_at else None,
        ended_at=leg.ended_at.astimezone(zone) if leg.ended_at else None,
        reason=leg.reason,
    )


async def write(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    legs: Sequence[LegLike],
    *,
    hand_to: str | None,
    now: datetime,
) -> CardRow | None:
    """Write the call's legs onto its open card (and hand it to ``hand_to``); None when the
    call has no open card."""
    found = await store.of_call(session, call_id)
    if found is None:
        return None
    row = await store.load(session, found.id, for_update=True)
    card = store.to_card(row)
    if card.status is cardschema.CardStatus.CLOSED:
        return None
    zone = card.created_at.tzinfo
    owner = hand_to or card.operator_id
    updated = dataclasses.replace(
        card,
        call_control=tuple(record_of(leg, zone) for leg in legs),
        operator_id=owner,
        updated_at=now.astimezone(zone),
    )
    change: CardChange = "call_control"
    detail = CardDetail()
    if owner != card.operator_id:
        change = "handed_over"
        detail["operator"] = owner
    return await store.save(session, actor, row, updated, change=change, detail=detail, now=now)
