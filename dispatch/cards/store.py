"""Loading and saving cards: numbering, versions, the audit entry and the event of each change.

Every change goes through :func:`save`, so a new version, its history row, its audit entry and
its bus event are written together or not at all.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

import cardschema
from cardschema import Card
from dispatch.audit import service as audit
from dispatch.cards import events
from dispatch.cards.models import CardNumberCounter, CardRow, CardVersion
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.database import after_commit
from dispatch.core.logging import bind
from dispatch.errors import Conflict, Invalid, NotFound
from dispatch.feeds import followup, outbox

# Changes that send the new version to every service the card is routed to. Status reports
# from the services themselves (``service_status``) are not echoed back to them.
DELIVERED_CHANGES = frozenset(
    {
        "routed",
        "rerouted",
        "update",
        "note",
        "link",
        "closed",
        "import",
        "location",
        "callback",
        "attachment",
    }
)


# The statements of the card path, built once: building one costs more than running it.
_CARDS = cast(Table, CardRow.__table__)
_VERSIONS = cast(Table, CardVersion.__table__)
_COUNTERS = cast(Table, CardNumberCounter.__table__)
_LOAD = select(CardRow).where(CardRow.id == bindparam("card_id"))
# Locked reads refresh a row this transaction already holds: a copy read earlier, unlocked, may
# be a version behind (measured: a callback attempt's save refused by uq_card_versions_card_id).
_LOAD_LOCKED = _LOAD.with_for_update(key_share=True).execution_options(populate_existing=True)
_INSERT_CARD = insert(_CARDS)
_INSERT_VERSION = insert(_VERSIONS)
# Columns kept beside the document for queries; set on every version.
# The calls whose card got a priority in this transaction: (call id, card id, priority).
PRIORITIES = "dispatch.cards.priorities"
_KEPT = (
    "version",
    "status",
    "call_id",
    "incident_type",
    "priority",
    "operator_id",
    "updated_at",
    "lat",
    "lon",
    "district_code",
    "incident_id",
)
_UPDATE_CARD = (
    update(_CARDS)
    .where(_CARDS.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in (*_KEPT, "document")})
)


@functools.cache
def _next_number_statement(dialect_name: str) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (
        dialect.insert(_COUNTERS)
        .values(day=bindparam("day"), last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": _COUNTERS.c.last + 1})
        .returning(_COUNTERS.c.last)
    )


async def next_number(session: AsyncSession, local_now: datetime) -> str:
    """The next human card number of the local day, e.g. ``112-20261122-000123``."""
    day = local_now.strftime("%Y%m%d")
    statement = _next_number_statement(session.get_bind().dialect.name)
    number = (await session.execute(statement, {"day": day})).scalar_one()
    return f"112-{day}-{number:06d}"


async def load(session: AsyncSession, card_id: uuid.UUID, *, for_update: bool = False) -> CardRow:
    """The card row (locked for the transaction when ``for_update``); NotFound otherwise."""
    row = await session.scalar(_LOAD_LOCKED if for_update else _LOAD, {"card_id": card_id})
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


# The Card a row was just written from, kept on the row object for the rest of the request
# (the answer, the next step of the same transaction); not a mapped column.
_WRITTEN = "_dispatch_written_card"


def to_card(row: CardRow | CardVersion) -> Card:
    """The stored document as a Card."""
    written: Card | None = getattr(row, _WRITTEN, None)
    if written is not None and written.version == row.version:
        return written
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
    change: events.CardChange,
    detail: events.CardDetail | None = None,
    now: datetime,
) -> CardRow:
    """Store ``card`` as the newest version (a new row when ``row`` is None), with history.

    The one place versions are numbered: a change to a stored card is ``card`` as read from
    ``row`` and changed, still carrying ``row``'s version, and is stored as the next one; any
    other version is refused (409). A new card keeps its own (1, or an imported card's).
    """
    previous = None
    if row is None and card.call_id is not None:
        # However the card is made (the API, XML, a reached caller's callback).
        await hold_call(session, card.call_id)
    _note_priority(session, row, card)
    if row is not None:
        if card.version != row.version:
            raise Conflict(
                f"card {card.number} is at version {row.version}; a change made to version "
                f"{card.version} is refused (versions are numbered when stored)"
            )
        previous = row.document
        card = dataclasses.replace(card, version=row.version + 1)
    document = cardschema.card_to_dict(card)
    after_commit(session, functools.partial(_parsed.put, card))
    kept = {
        "version": card.version,
        "status": card.status.value,
        "call_id": card.call_id,
        "incident_type": card.incident.type,
        "priority": card.incident.priority,
        "operator_id": card.operator_id,
        "updated_at": card.updated_at,
        "lat": card.location.lat,
        "lon": card.location.lon,
        "district_code": card.location.district.code if card.location.district else None,
        "incident_id": card.incident_id,
        "document": document,
    }
    # Written with the prepared statements above, not through the ORM's unit of work (which
    # cost most of a version's write); the row object is brought in line without a flush.
    connection = await session.connection()
    if row is None:
        await connection.execute(
            _INSERT_CARD,
            {"id": card.id, "number": card.number, "created_at": card.created_at, **kept},
        )
        row = CardRow(id=card.id, number=card.number, created_at=card.created_at, **kept)
    else:
        await connection.execute(
            _UPDATE_CARD, {"b_id": row.id, **{f"b_{name}": value for name, value in kept.items()}}
        )
        for name, value in kept.items():
            set_committed_value(row, name, value)
    setattr(row, _WRITTEN, card)
    await connection.execute(
        _INSERT_VERSION,
        {
            "card_id": card.id,
            "version": card.version,
            "changed_at": now,
            "changed_by": actor.username,
            "change": change,
            "detail": detail or {},
            "document": document,
        },
    )
    if card.services and change in DELIVERED_CHANGES:
        outbox.owe_at_commit(session, card, [s.code for s in card.services], reason=change, now=now)
    # The services' follow-up facts, in the same transaction as the version that changes them.
    await followup.track(session, document, previous, flush=False)
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
        events.CARD(change),
        events.CardChanged(
            card_id=str(card.id),
            number=card.number,
            version=card.version,
            status=card.status.value,
            owner=card.operator_id,
            **(detail or events.CardDetail()),
        ),
    )
    return row


def _note_priority(session: AsyncSession, row: CardRow | None, card: Card) -> None:
    """Keep for the commit a call's card whose priority is new (a first version, or a change):
    the call's open callback task takes it (``callbacks.tasks``, just before the commit)."""
    priority = card.incident.priority
    if card.call_id is None or priority is None:
        return
    if row is not None and row.priority == priority:
        return
    session.info.setdefault(PRIORITIES, []).append((card.call_id, card.id, priority))


async def hold_call(session: AsyncSession, call_id: uuid.UUID) -> None:
    """Hold the call's card-making for this transaction (PostgreSQL's advisory transaction
    lock on the call; SQLite serialises writers anyway): a card made for the call, and a
    callback task made for it, take turns — the task is made with the card's priority, or the
    card's save finds the task to raise (``callbacks.announce``). Taken by :func:`save` for a
    card's first version, however it is made, and by a task's making after the call's lock,
    before it reads the card or locks any task."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext(f"cards.call:{call_id}")))
        )


async def of_call(
    session: AsyncSession, call_id: uuid.UUID, *, share: bool = False
) -> CardRow | None:
    """The card opened for a call, if any; with ``share`` read under a share lock (``FOR
    SHARE`` on PostgreSQL): a save of the card in flight commits first and is what is read, and
    a save that comes later waits for this transaction."""
    query = select(CardRow).where(CardRow.call_id == call_id)
    if share:
        query = query.with_for_update(read=True).execution_options(populate_existing=True)
    return await session.scalar(query)


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
