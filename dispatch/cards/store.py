"""Loading and saving cards: numbering, versions, the audit entry and the event of each change.

Every change goes through :func:`save`, so a new version, its history row, its audit entry and
its bus event are written together or not at all.
"""

from __future__ import annotations

import functools
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

import cardschema
from cardschema import Card
from dispatch.audit import service as audit
from dispatch.cards.models import CardNumberCounter, CardRow, CardVersion
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.database import after_commit
from dispatch.core.logging import bind
from dispatch.errors import Invalid, NotFound
from dispatch.feeds import outbox

# Changes that send the new version to every service the card is routed to. Status reports
# from the services themselves (``service_status``) are not echoed back to them.
DELIVERED_CHANGES = frozenset(
    {"routed", "rerouted", "update", "note", "link", "closed", "import", "location", "callback"}
)


async def next_number(session: AsyncSession, local_now: datetime) -> str:
    """The next human card number of the local day, e.g. ``112-20261122-000123``."""
    day = local_now.strftime("%Y%m%d")
    table = CardNumberCounter.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    number = (await session.execute(statement)).scalar_one()
    return f"112-{day}-{number:06d}"


async def load(session: AsyncSession, card_id: uuid.UUID, *, for_update: bool = False) -> CardRow:
    """The card row (locked for the transaction when ``for_update``); NotFound otherwise."""
    query = select(CardRow).where(CardRow.id == card_id)
    if for_update:
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"no card with id {card_id}")
    bind(card_id=card_id)
    return row


class _Parsed:
    """Cards this process stored, by (id, version): a committed version never changes, so a
    request about a card finds it here instead of reading its document again (the checked
    read costs a third of a millisecond). Only committed versions go in (``after_commit``):
    a version written by a transaction that rolled back may be written again differently."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.cards: OrderedDict[tuple[uuid.UUID, int], Card] = OrderedDict()

    def get(self, key: tuple[uuid.UUID, int]) -> Card | None:
        card = self.cards.get(key)
        if card is not None:
            self.cards.move_to_end(key)
        return card

    def put(self, card: Card) -> None:
        self.cards[(card.id, card.version)] = card
        self.cards.move_to_end((card.id, card.version))
        while len(self.cards) > self.size:
            self.cards.popitem(last=False)


_parsed = _Parsed(4096)


def to_card(row: CardRow | CardVersion) -> Card:
    """The stored document as a Card."""
    key = (row.card_id if isinstance(row, CardVersion) else row.id, row.version)
    card = _parsed.get(key)
    if card is None:
        card = cardschema.card_from_dict(row.document)
    return card


def checked(data: dict[str, Any]) -> Card:
    """A Card from JSON data, turning cardschema's refusal into a 422 naming the field."""
    try:
        return cardschema.card_from_dict(data)
    except cardschema.CardDataError as exc:
        raise Invalid(str(exc)) from exc


async def save(
    session: AsyncSession,
    actor: Actor,
    row: CardRow | None,
    card: Card,
    *,
    change: str,
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> CardRow:
    """Store ``card`` as the newest version (a new row when ``row`` is None), with history."""
    document = cardschema.card_to_dict(card)
    after_commit(session, functools.partial(_parsed.put, card))
    if row is None:
        row = CardRow(id=card.id, number=card.number, created_at=card.created_at)
        session.add(row)
    row.version = card.version
    row.status = card.status.value
    row.call_id = card.call_id
    row.incident_type = card.incident.type
    row.priority = card.incident.priority
    row.operator_id = card.operator_id
    row.updated_at = card.updated_at
    row.document = document
    session.add(
        CardVersion(
            card_id=card.id,
            version=card.version,
            changed_at=now,
            changed_by=actor.username,
            change=change,
            detail=detail or {},
            document=document,
        )
    )
    if card.services and change in DELIVERED_CHANGES:
        await session.flush()  # the card row must exist before the outbox refers to it
        await outbox.enqueue(
            session, card.id, card.version, [s.code for s in card.services], reason=change, now=now
        )
    bind(card_id=card.id)
    await audit.record(
        session,
        actor,
        f"card.{change}",
        "card",
        str(card.id),
        {"version": card.version, "number": card.number, **(detail or {})},
        at=now,
    )
    emit(
        session,
        f"card.{change}",
        {
            "card_id": str(card.id),
            "number": card.number,
            "version": card.version,
            "status": card.status.value,
            **(detail or {}),
        },
    )
    return row


async def of_call(session: AsyncSession, call_id: uuid.UUID) -> CardRow | None:
    """The card opened for a call, if any."""
    return await session.scalar(select(CardRow).where(CardRow.call_id == call_id))


async def numbers(session: AsyncSession, card_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The human numbers of these cards."""
    wanted = list(set(card_ids))
    if not wanted:
        return {}
    rows = await session.execute(select(CardRow.id, CardRow.number).where(CardRow.id.in_(wanted)))
    return {row.id: row.number for row in rows}


async def versions(session: AsyncSession, card_id: uuid.UUID) -> list[CardVersion]:
    """Every version of a card, oldest first."""
    rows = await session.scalars(
        select(CardVersion).where(CardVersion.card_id == card_id).order_by(CardVersion.version)
    )
    return list(rows.all())


async def version(session: AsyncSession, card_id: uuid.UUID, number: int) -> CardVersion:
    """One version of a card; NotFound otherwise."""
    row = await session.scalar(
        select(CardVersion).where(CardVersion.card_id == card_id, CardVersion.version == number)
    )
    if row is None:
        raise NotFound(f"card {card_id} has no version {number}")
    return row


async def versions_by_key(
    session: AsyncSession, keys: Iterable[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], CardVersion]:
    """Several versions of cards in one query, by ``(card id, version)``; NotFound naming the
    first that does not exist."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(CardVersion).where(tuple_(CardVersion.card_id, CardVersion.version).in_(wanted))
    )
    found = {(row.card_id, row.version): row for row in rows.all()}
    for card_id, number in wanted:
        if (card_id, number) not in found:
            raise NotFound(f"card {card_id} has no version {number}")
    return found
