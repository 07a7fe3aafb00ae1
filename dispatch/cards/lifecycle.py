"""Routing a card to services, closing it, its completeness, and cards that arrive as XML.

Card states: ``open`` → ``routed`` (routing again adds services) → ``closed``, or ``open`` →
``closed``. Closing ends the operator's work; services keep updating their status afterwards.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import (
    Card,
    CardStatus,
    LinkKind,
    Note,
    Outcome,
    RoutedService,
    ServiceStatus,
    StatusChange,
    Unit,
)
from dispatch.agencies import service as agencies
from dispatch.agencies import units_service as units
from dispatch.calls import service as calls
from dispatch.cards import store
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier, Suggestion, UnknownHazard, UnknownIncidentType
from dispatch.cards.service import check_may_edit, check_open, check_version
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid

CARD_TRANSITIONS: Mapping[CardStatus, frozenset[CardStatus]] = {
    CardStatus.OPEN: frozenset({CardStatus.ROUTED, CardStatus.CLOSED}),
    CardStatus.ROUTED: frozenset({CardStatus.ROUTED, CardStatus.CLOSED}),
    CardStatus.CLOSED: frozenset(),
}

# Every card needs these whatever its type; the classifier adds the type's own.
BASE_REQUIRED = ("incident.type", "location")


def check_transition(card: Card, new: CardStatus) -> None:
    """Refuse a card state change the table does not allow (409 with both states)."""
    if new not in CARD_TRANSITIONS[card.status]:
        raise Conflict(f"card {card.number} is {card.status.value}; it cannot become {new.value}")


def suggest(card: Card, classifier: Classifier) -> list[Suggestion]:
    """The services the classifier suggests for the card's type and facts."""
    try:
        return classifier.suggest_services(
            incident_type=card.incident.type,
            victims=card.incident.victims,
            hazards=card.incident.hazards,
        )
    except (UnknownIncidentType, UnknownHazard) as exc:
        raise Invalid(str(exc)) from exc


def completeness(card: Card, classifier: Classifier) -> dict[str, Any]:
    """Required fields for the card's type, which are missing, and the share filled."""
    required = list(
        dict.fromkeys((*BASE_REQUIRED, *classifier.required_fields(card.incident.type)))
    )
    missing = [path for path in required if not _filled(card, path)]
    percent = round(100 * (len(required) - len(missing)) / len(required))
    return {"required": required, "missing": missing, "percent": percent}


def _filled(card: Card, path: str) -> bool:
    if path == "location":
        where = card.location
        return where.lat is not None or bool(where.address) or where.district is not None
    value: Any = card
    for part in path.split("."):
        value = getattr(value, part, None)
    return value not in (None, "", ())


async def route_card(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    services: list[str] | None,
    *,
    classifier: Classifier,
    expected_version: int | None,
    now: datetime,
) -> CardRow:
    """Send the card to ``services`` (or the suggested ones); routed ones stay as they are."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_version(card, expected_version)
    check_open(card, "routing")
    check_may_edit(card, actor)
    if services is None:
        services = [s.service for s in suggest(card, classifier)]
        if not services:
            raise Invalid(
                "no services to suggest: set the incident type (and facts) or name the services"
            )
    check_transition(card, CardStatus.ROUTED)
    return await _add_services(
        session, actor, row, card, services, status=CardStatus.ROUTED, change="routed", now=now
    )


async def reroute_card(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    services: list[str],
    *,
    expected_version: int | None,
    now: datetime,
) -> CardRow:
    """A supervisor sends a card to more services from the follow-up list, closed or not."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_version(card, expected_version)
    status = CardStatus.CLOSED if card.status is CardStatus.CLOSED else CardStatus.ROUTED
    return await _add_services(
        session, actor, row, card, services, status=status, change="rerouted", now=now
    )


async def _add_services(
    session: AsyncSession,
    actor: Actor,
    row: CardRow,
    card: Card,
    services: list[str],
    *,
    status: CardStatus,
    change: str,
    now: datetime,
) -> CardRow:
    known = await agencies.require_active(session, services)
    routed = {s.code for s in card.services}
    district = card.location.district.code if card.location.district else None
    region = card.location.region.code if card.location.region else None
    added_list = []
    for service in known:
        if service.code in routed:
            continue
        # The unit covering the incident's district (or region); none until it is known.
        unit = await units.choose_unit(session, service.code, district, region)
        added_list.append(
            RoutedService(
                code=service.code,
                name=service.names.get("en"),
                unit=Unit(code=unit.code, name=unit.name) if unit else None,
                status=ServiceStatus.ROUTED,
                routed_at=now,
                history=(StatusChange(status=ServiceStatus.ROUTED, at=now, by=actor.username),),
            )
        )
    added = tuple(added_list)
    if not added:
        raise Conflict(
            f"card {card.number} is already routed to {', '.join(sorted(routed))}; nothing to add"
        )
    updated = dataclasses.replace(
        card,
        services=(*card.services, *added),
        status=status,
        updated_at=now,
    )
    return await store.save(
        session,
        actor,
        row,
        updated,
        change=change,
        detail={"services": [s.code for s in added]},
        now=now,
    )


async def close_card(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    outcome: Outcome,
    note: str | None,
    *,
    expected_version: int | None,
    now: datetime,
) -> CardRow:
    """End the operator's work with an outcome; the card must support that outcome."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_version(card, expected_version)
    check_may_edit(card, actor)
    check_transition(card, CardStatus.CLOSED)
    if outcome is Outcome.DISPATCHED and not card.services:
        raise Conflict(
            f"card {card.number} was not routed to any service; route it before closing "
            "as dispatched"
        )
    if outcome is Outcome.DUPLICATE and not any(
        link.kind is LinkKind.DUPLICATE for link in card.links
    ):
        raise Conflict(
            f"link card {card.number} to the card it duplicates before closing it as duplicate"
        )
    notes = card.notes
    if note:
        notes = (*notes, Note(at=now, author=actor.username, text=note))
    updated = dataclasses.replace(
        card,
        status=CardStatus.CLOSED,
        outcome=outcome,
        closed_at=now,
        notes=notes,
        updated_at=now,
    )
    return await store.save(
        session, actor, row, updated, change="closed", detail={"outcome": outcome.value}, now=now
    )


async def import_card(
    session: AsyncSession, actor: Actor, card: Card, *, classifier: Classifier, now: datetime
) -> CardRow:
    """Store a card that arrived as valid XML, keeping its identity, number and version."""
    clash = await session.scalar(
        select(CardRow.number).where(or_(CardRow.id == card.id, CardRow.number == card.number))
    )
    if clash is not None:
        raise Conflict(f"a card with this id or number already exists ({clash})")
    if card.incident.type is not None:
        try:
            classifier.get(card.incident.type)
        except UnknownIncidentType as exc:
            raise Invalid(str(exc)) from exc
    if card.services:
        await agencies.require_known(session, [s.code for s in card.services])
    if card.call_id is not None:
        await calls.get_call(session, card.call_id)
    return await store.save(session, actor, None, card, change="import", now=now)
