"""One incident, many calls: suggestions while a card is filled, joining, merging (issue 23).

The model: an incident is its **head card**. A card that joins an incident carries the head's
id as ``incident_id`` and a ``parent`` link to the head; the head carries its own id as
``incident_id`` and a ``child`` link to each member. A service that receives several cards
with the same ``incident_id`` knows they are one incident and dispatches once (the XML has
``IncidentId``, EIDO the PARENT/CHILD link components). Merging card A into card B (two cards
opened for one incident) closes A as a duplicate with a ``merged_into`` link to B, gives B a
``merged_from`` link, and moves A and its members into B's incident; the services that had A
receive that version, so they are told which card survives.

Suggestions while a card is filled are in ``incident_suggestions.py``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import Card, CardStatus, Link, LinkKind, Outcome
from dispatch.audit import service as audit
from dispatch.cards import lifecycle, store
from dispatch.cards.events import CardDetail
from dispatch.cards.incident_suggestions import joinable, merged
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier
from dispatch.cards.service import check_may_edit, check_open
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, said

_INCIDENT_LINKS = frozenset({LinkKind.PARENT, LinkKind.CHILD})


async def _locked(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CardRow]:
    """Rows locked in id order, so that two people joining the same cards cannot deadlock."""
    return {
        card_id: await store.load(session, card_id, for_update=True) for card_id in sorted(set(ids))
    }


async def _head_of(session: AsyncSession, card_id: uuid.UUID) -> uuid.UUID:
    row = await store.load(session, card_id)
    card = store.to_card(row)
    if merged(card):
        survivor = next(link for link in card.links if link.kind is LinkKind.MERGED_INTO)
        raise Conflict(
            f"card {card.number} was merged into {survivor.number}; join that incident instead",
            said=said("incident_card_merged", card=card.number, survivor=survivor.number),
        )
    return card.incident_id or card.id


def _with_link(
    card: Card, other: Card, kind: LinkKind, incident_id: uuid.UUID, now: datetime
) -> Card:
    links = tuple(
        link
        for link in card.links
        if not (kind is LinkKind.PARENT and link.kind is LinkKind.PARENT)
    )
    return dataclasses.replace(
        card,
        links=(*links, Link(card_id=other.id, kind=kind, number=other.number)),
        incident_id=incident_id,
        updated_at=now,
    )


async def join(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    incident_card_id: uuid.UUID,
    *,
    now: datetime,
) -> CardRow:
    """Make the card a member of the incident ``incident_card_id`` heads or belongs to."""
    head_id = await _head_of(session, incident_card_id)
    if head_id == card_id:
        raise Invalid(
            "a card cannot join its own incident", said=said("incident_own", card=str(card_id))
        )
    rows = await _locked(session, (card_id, head_id))
    card, head = store.to_card(rows[card_id]), store.to_card(rows[head_id])
    check_may_edit(card, actor)
    if card.incident_id == head_id:
        raise Conflict(
            f"card {card.number} is already part of incident {head.number}",
            said=said("incident_already_joined", card=card.number, incident=head.number),
        )
    if card.incident_id is not None and card.incident_id != card.id:
        raise Conflict(
            f"card {card.number} is part of another incident; merge the incidents instead",
            said=said("incident_other", card=card.number),
        )
    if card.incident_id == card.id:
        raise Conflict(
            f"card {card.number} heads an incident with other calls; merge it into "
            f"{head.number} instead",
            said=said("incident_heads_others", card=card.number, incident=head.number),
        )
    if not joinable(head):
        raise Conflict(
            f"card {head.number} is closed as no incident; it cannot be joined",
            said=said("incident_not_joinable", card=head.number),
        )
    detail = CardDetail(incident_id=str(head_id), incident_number=head.number)
    await store.save(
        session,
        actor,
        rows[card_id],
        _with_link(card, head, LinkKind.PARENT, head_id, now),
        change="link",
        detail={**detail, "kind": LinkKind.PARENT.value, "linked_card_id": str(head_id)},
        now=now,
    )
    await store.save(
        session,
        actor,
        rows[head_id],
        _with_link(head, card, LinkKind.CHILD, head_id, now),
        change="link",
        detail={**detail, "kind": LinkKind.CHILD.value, "linked_card_id": str(card_id)},
        now=now,
    )
    return rows[card_id]


async def join_and_close(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    incident_card_id: uuid.UUID,
    *,
    note: str | None,
    now: datetime,
    classifier: Classifier,
) -> CardRow:
    """The mass-incident shortcut: join the incident and close this card as its duplicate, in
    one step (the incident's head card carries the dispatch)."""
    check_open(store.to_card(await store.load(session, card_id)), "closing it as a duplicate")
    await join(session, actor, card_id, incident_card_id, now=now)
    return await lifecycle.close_card(
        session,
        actor,
        card_id,
        Outcome.DUPLICATE,
        note,
        expected_version=None,
        now=now,
        classifier=classifier,
    )


async def merge(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    into_card_id: uuid.UUID,
    *,
    now: datetime,
    classifier: Classifier,
) -> CardRow:
    """Merge the card into ``into_card_id``, which survives: the merged card gets a
    ``merged_into`` link and is closed as a duplicate (if still open); it and the members of an
    incident it headed join the survivor's incident, whose head links each of them."""
    if card_id == into_card_id:
        raise Invalid("a card cannot be merged into itself", said=said("incident_merge_self"))
    head_id = await _head_of(session, into_card_id)
    if head_id == card_id:
        raise Conflict(
            "the surviving card is part of the incident this card heads; merge the other way",
            said=said("incident_merge_backwards"),
        )
    merged_card = store.to_card(await store.load(session, card_id))
    if merged(merged_card):
        raise Conflict(
            f"card {merged_card.number} was already merged",
            said=said("incident_card_merged_already", card=merged_card.number),
        )
    members: list[uuid.UUID] = []
    if merged_card.incident_id == merged_card.id:
        members = list(
            (
                await session.scalars(
                    select(CardRow.id).where(CardRow.incident_id == card_id, CardRow.id != card_id)
                )
            ).all()
        )
    rows = await _locked(session, (card_id, into_card_id, head_id, *members))
    cards = {key: store.to_card(row) for key, row in rows.items()}
    check_may_edit(cards[card_id], actor)
    survivor = cards[into_card_id]
    detail = CardDetail(
        incident_id=str(head_id),
        merged_card_id=str(card_id),
        surviving_card_id=str(into_card_id),
    )
    changed: dict[uuid.UUID, tuple[Card, str]] = {}

    def change(key: uuid.UUID, kind: LinkKind, other: Card) -> None:
        card, first = changed.get(key, (cards[key], kind.value))
        links = card.links
        if kind is LinkKind.PARENT:
            links = tuple(link for link in links if link.kind is not LinkKind.PARENT)
        elif kind is LinkKind.MERGED_INTO:  # its incident's links go with it (versions keep them)
            links = tuple(link for link in links if link.kind not in _INCIDENT_LINKS)
        link = Link(card_id=other.id, kind=kind, number=other.number)
        updated = dataclasses.replace(
            card, links=(*links, link), incident_id=head_id, updated_at=now
        )
        changed[key] = (updated, first)

    change(card_id, LinkKind.MERGED_INTO, survivor)
    change(into_card_id, LinkKind.MERGED_FROM, cards[card_id])
    for member in members:
        change(member, LinkKind.PARENT, cards[head_id])
        change(head_id, LinkKind.CHILD, cards[member])
    if head_id not in changed:
        head = cards[head_id]
        changed[head_id] = (
            dataclasses.replace(head, incident_id=head_id, updated_at=now),
            "incident",
        )
    for key in sorted(changed):
        card, kind = changed[key]
        await store.save(
            session,
            actor,
            rows[key],
            card,
            change="link",
            detail={**detail, "kind": kind},
            now=now,
        )
    if cards[card_id].status is CardStatus.CLOSED:
        return rows[card_id]
    return await lifecycle.close_card(
        session,
        actor,
        card_id,
        Outcome.DUPLICATE,
        None,
        expected_version=None,
        now=now,
        classifier=classifier,
    )


@dataclass(frozen=True, slots=True)
class IncidentCard:
    """One card of an incident, as the supervisor sees it."""

    card_id: uuid.UUID
    number: str
    call_id: uuid.UUID | None
    created_at: datetime
    status: str
    outcome: str | None
    operator_id: str | None
    role: str  # "head", "member" or "merged"


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with every card (hence call) that is part of it, oldest first."""

    incident_id: uuid.UUID
    number: str
    incident_type: str | None
    priority: int | None
    address: str | None
    district_code: str | None
    created_at: datetime
    updated_at: datetime
    cards: tuple[IncidentCard, ...]


def _view(incident_id: uuid.UUID, rows: Sequence[CardRow]) -> IncidentView:
    ordered = sorted(rows, key=lambda row: (row.created_at, row.number))
    head = store.to_card(next(row for row in ordered if row.id == incident_id))
    members = []
    for row in ordered:
        card = store.to_card(row)
        role = "head" if row.id == incident_id else "merged" if merged(card) else "member"
        members.append(
            IncidentCard(
                card_id=row.id,
                number=row.number,
                call_id=row.call_id,
                created_at=card.created_at,
                status=row.status,
                outcome=card.outcome.value if card.outcome else None,
                operator_id=row.operator_id,
                role=role,
            )
        )
    return IncidentView(
        incident_id=incident_id,
        number=head.number,
        incident_type=head.incident.type,
        priority=head.incident.priority,
        address=head.location.address,
        district_code=head.location.district.code if head.location.district else None,
        created_at=head.created_at,
        updated_at=max(row.updated_at for row in ordered),
        cards=tuple(members),
    )


async def incidents(
    session: AsyncSession, actor: Actor, *, since: datetime, now: datetime
) -> list[IncidentView]:
    """The incidents with more than one card changed since ``since``, newest change first
    (listing them is audited like listing cards)."""
    changed = select(CardRow.incident_id).where(
        CardRow.incident_id.is_not(None), CardRow.updated_at >= since
    )
    rows = (await session.scalars(select(CardRow).where(CardRow.incident_id.in_(changed)))).all()
    grouped: dict[uuid.UUID, list[CardRow]] = {}
    for row in rows:
        grouped.setdefault(row.incident_id, []).append(row)  # type: ignore[arg-type]
    views = [
        _view(incident_id, members)
        for incident_id, members in grouped.items()
        if any(row.id == incident_id for row in members)
    ]
    views.sort(key=lambda view: view.updated_at, reverse=True)
    await audit.record(
        session,
        actor,
        "incident.list",
        "incident",
        "*",
        {"count": len(views), "incidents": [view.number for view in views]},
        at=now,
    )
    return views


async def incident(
    session: AsyncSession, actor: Actor, incident_id: uuid.UUID, *, now: datetime
) -> IncidentView:
    """One incident with its cards (audited as a read of the incident)."""
    rows = (await session.scalars(select(CardRow).where(CardRow.incident_id == incident_id))).all()
    if not any(row.id == incident_id for row in rows):
        raise NotFound(f"no incident with id {incident_id}")
    view = _view(incident_id, rows)
    await audit.record(
        session,
        actor,
        "incident.read",
        "incident",
        str(incident_id),
        {"number": view.number, "cards": [card.number for card in view.cards]},
        at=now,
    )
    return view
