"""Routing a card to services, closing it, its completeness, and cards that arrive as XML.

Card states: ``open`` → ``routed`` (routing again adds services) → ``closed``, or ``open`` →
``closed``. Closing ends the operator's work; services keep updating their status afterwards.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import (
    Card,
    CardStatus,
    Note,
    Outcome,
    RoutedService,
    ServiceStatus,
    StatusChange,
    Unit,
    rules,
)
from dispatch.agencies import service as agencies
from dispatch.agencies import units_service as units
from dispatch.calls import service as calls
from dispatch.cards import consistency, protocol_runs, store
from dispatch.cards.events import CardChange, CardDetail
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
    """The services the classifier suggests for the card's type and facts, then those the
    determinants of its protocols propose (issue 24)."""
    try:
        found = classifier.suggest_services(
            incident_type=card.incident.type,
            victims=card.incident.victims,
            hazards=card.incident.hazards,
        )
    except (UnknownIncidentType, UnknownHazard) as exc:
        raise Invalid(str(exc)) from exc
    known = {s.service for s in found}
    for record in card.protocols:
        if record.determinant is None:
            continue
        for service in record.determinant.services:
            if service not in known:
                known.add(service)
                reason = f"protocol {record.code}: determinant {record.determinant.code}"
                found.append(Suggestion(service=service, reasons=(reason,)))
    return found


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
    acknowledge: Collection[str] = (),
) -> CardRow:
    """Send the card to ``services`` (or the suggested ones); routed ones stay as they are.

    A card that contradicts itself is refused, and its warnings must be in ``acknowledge``
    (see consistency.py); the acknowledged ones are stored with the version."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_version(card, expected_version)
    check_open(card, "routing")
    check_may_edit(card, actor)
    card = await protocol_runs.pending_onto(session, row, card, now=now)
    acknowledged = consistency.enforce(
        consistency.check_route(card, classifier), acknowledge, what="routed"
    )
    if services is None:
        services = [s.service for s in suggest(card, classifier)]
        if not services:
            raise Invalid(
                "no services to suggest: set the incident type (and facts) or name the services"
            )
    check_transition(card, CardStatus.ROUTED)
    return await _add_services(
        session,
        actor,
        row,
        card,
        services,
        status=CardStatus.ROUTED,
        change="routed",
        now=now,
        acknowledged=acknowledged,
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
    change: CardChange,
    now: datetime,
    acknowledged: list[str] | None = None,
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
    detail = CardDetail(services=[s.code for s in added])
    if acknowledged:
        detail["acknowledged"] = acknowledged
    return await store.save(session, actor, row, updated, change=change, detail=detail, now=now)


async def close_card(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    outcome: Outcome,
    note: str | None,
    *,
    expected_version: int | None,
    now: datetime,
    classifier: Classifier,
    acknowledge: Collection[str] = (),
) -> CardRow:
    """End the operator's work with an outcome the card supports (consistency.py): a
    contradiction is refused, each warning must be in ``acknowledge``."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_version(card, expected_version)
    check_may_edit(card, actor)
    check_transition(card, CardStatus.CLOSED)
    card = await protocol_runs.pending_onto(session, row, card, now=now)
    acknowledged = consistency.enforce(
        consistency.check_close(card, outcome, classifier), acknowledge, what="closed"
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
    detail = CardDetail(outcome=outcome.value)
    if acknowledged:
        detail["acknowledged"] = acknowledged
    return await store.save(session, actor, row, updated, change="closed", detail=detail, now=now)


async def import_card(
    session: AsyncSession,
    actor: Actor,
    card: Card,
    *,
    classifier: Classifier,
    now: datetime,
    acknowledge: Collection[str] = (),
) -> CardRow:
    """Store a card that arrived as valid XML, keeping its identity, number and version.

    A closed or routed card is held to the rules of closing or routing one (consistency.py):
    its warnings must be in ``acknowledge``."""
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
    acknowledged = _import_consistency(card, classifier, acknowledge)
    card, replaced = with_server_provenance(card, actor, now)
    detail = CardDetail(replaced=replaced) if replaced else CardDetail()
    if acknowledged:
        detail["acknowledged"] = acknowledged
    return await store.save(session, actor, None, card, change="import", detail=detail, now=now)


def _import_consistency(
    card: Card, classifier: Classifier, acknowledge: Collection[str]
) -> list[str]:
    if card.status is CardStatus.CLOSED:
        verdict = consistency.check_close(card, card.outcome, classifier)
        return consistency.enforce(verdict, acknowledge, what="imported as closed")
    if card.services or card.status is CardStatus.ROUTED:
        verdict = consistency.check_route(card, classifier)
        return consistency.enforce(verdict, acknowledge, what="imported as routed")
    return []


def with_server_provenance(card: Card, actor: Actor, now: datetime) -> tuple[Card, list[str]]:
    """The card as this centre records it: who took it, what the services reported, the
    callbacks dialled and who wrote each note are facts the server writes when they happen, so
    a document's claims to them are not taken. The importer becomes the card's operator and
    author of its notes, each routed service starts at ``routed`` (the services are sent the
    card and report again), claimed callback attempts are dropped; what was replaced is listed
    (the version's detail, the audit) and told on the card in a note."""
    replaced: list[str] = []
    if card.operator_id not in (None, actor.username):
        replaced.append(f"operatorId {card.operator_id}")
    if card.supervisor_id is not None:
        replaced.append(f"supervisorId {card.supervisor_id}")
    services = []
    for service in card.services:
        reported = [change.status.value for change in service.history]
        if service.status is not ServiceStatus.ROUTED or any(s != "routed" for s in reported):
            replaced.append(f"statuses of service {service.code} ({service.status.value})")
        if service.handoff is not None:
            replaced.append(f"hand-off to service {service.code} by phone")
        services.append(
            dataclasses.replace(
                service,
                status=ServiceStatus.ROUTED,
                routed_at=now,
                history=(StatusChange(status=ServiceStatus.ROUTED, at=now, by=actor.username),),
                handoff=None,
            )
        )
    if card.callbacks:
        replaced.append(f"{len(card.callbacks)} callback attempt(s)")
    authors = sorted({note.author for note in card.notes} - {actor.username})
    if authors:
        replaced.append("authors of notes (" + ", ".join(authors) + ")")
    notes = tuple(dataclasses.replace(note, author=actor.username) for note in card.notes)
    if replaced:
        told = (
            "Imported from XML; not taken from the document (this centre records them when "
            "they happen): " + "; ".join(replaced) + "."
        )
        notes = (*notes, Note(at=now, author=actor.username, text=told[: rules.LONG_TEXT_MAX]))
    updated = dataclasses.replace(
        card,
        operator_id=actor.username,
        supervisor_id=None,
        services=tuple(services),
        callbacks=(),
        notes=notes,
    )
    return updated, replaced
