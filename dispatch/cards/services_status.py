"""What the services report back onto the card (their status history), and hand-offs by phone.

A service's status moves along ``cardschema.ALLOWED_STATUS_TRANSITIONS``; an illegal move is a
409. Reports keep arriving after the operator closed the card.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import Handoff, RoutedService, ServiceStatus, StatusChange, can_transition
from dispatch.cards import store
from dispatch.cards.models import CardRow
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, NotFound


def _find(services: tuple[RoutedService, ...], code: str, number: str) -> int:
    for index, service in enumerate(services):
        if service.code == code:
            return index
    raise NotFound(f"card {number} was not routed to service {code}")


async def record_service_status(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    service_code: str,
    status: ServiceStatus,
    *,
    at: datetime,
    note: str | None,
    now: datetime,
) -> tuple[CardRow, bool]:
    """Append a service's status report; returns the card and whether it changed.

    The same report sent twice (same status and time) is accepted once and then ignored.
    """
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    index = _find(card.services, service_code, card.number)
    service = card.services[index]
    last = service.history[-1] if service.history else None
    if last is not None and last.status is status and last.at == at:
        return row, False
    if not can_transition(service.status, status):
        raise Conflict(
            f"service {service_code} is '{service.status.value}' on card {card.number}; "
            f"it cannot become '{status.value}'"
        )
    change = StatusChange(status=status, at=at, note=note, by=actor.username)
    updated_service = dataclasses.replace(
        service, status=status, history=(*service.history, change)
    )
    services = (*card.services[:index], updated_service, *card.services[index + 1 :])
    updated = dataclasses.replace(card, services=services, updated_at=now)
    await store.save(
        session,
        actor,
        row,
        updated,
        change="service_status",
        detail={"service": service_code, "service_status": status.value},
        now=now,
    )
    return row, True


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
    """Record that the card was passed to a service by telephone (its system was down).

    The card then counts as received by that service, marked manual; the flow that runs this
    (``flows.cards.record_handoff``) acknowledges the service's outstanding deliveries of it.
    """
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    index = _find(card.services, service_code, card.number)
    service = card.services[index]
    if service.handoff is not None:
        raise Conflict(
            f"card {card.number} was already handed to {service_code} by phone "
            f"({service.handoff.contact}, {service.handoff.at.isoformat()})"
        )
    handoff = Handoff(at=at, by=actor.username, contact=contact, note=note)
    updated_service = dataclasses.replace(service, handoff=handoff)
    if service.status is ServiceStatus.ROUTED:
        received = StatusChange(
            status=ServiceStatus.RECEIVED, at=at, note=f"by phone: {contact}", by=actor.username
        )
        updated_service = dataclasses.replace(
            updated_service, status=ServiceStatus.RECEIVED, history=(*service.history, received)
        )
    services = (*card.services[:index], updated_service, *card.services[index + 1 :])
    updated = dataclasses.replace(card, services=services, updated_at=now)
    return await store.save(
        session,
        actor,
        row,
        updated,
        change="handoff",
        detail={"service": service_code, "contact": contact},
        now=now,
    )
