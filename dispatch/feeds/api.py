"""Services' feeds: pull and acknowledge, report status; supervisors watch and chase."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from dispatch import idempotent
from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.cards import store
from dispatch.cards.routing.api import ClassifierDep
from dispatch.cards.services_status import record_service_status
from dispatch.core.edge import BIGINT_MAX
from dispatch.deps import AnyUser, ClockDep, Principal, Session, roles
from dispatch.errors import Conflict, PermissionDenied
from dispatch.feeds import followup, outbox
from dispatch.feeds.outbox import DeliveryStatus
from dispatch.feeds.pull import pull as pull_feed
from dispatch.feeds.schemas import (
    AckRequest,
    AckResult,
    DeliveryOut,
    FeedItem,
    FeedPage,
    FollowUpOut,
    ServiceFeedSummary,
    StatusReport,
)
from dispatch.idempotent import IdempotencyKey

router = APIRouter(prefix="/api/v1/feeds", tags=["feeds"])

Watcher = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]


async def own_service(service: str, principal: AnyUser) -> Principal:
    """The calling service's system, and only for its own feed."""
    if principal.role is not Role.SERVICE:
        raise PermissionDenied(
            f"this needs the role service; you are signed in as {principal.role}"
        )
    if principal.user.service_code != service:
        raise PermissionDenied(
            f"this key belongs to service {principal.user.service_code}; it sees only its own cards"
        )
    return principal


ServiceSystem = Annotated[Principal, Depends(own_service, scope="function")]


@router.get("/status", response_model=list[ServiceFeedSummary])
async def feed_status(session: Session, _: Watcher) -> list[ServiceFeedSummary]:
    """Per service: pending, delivered, acknowledged and failed deliveries."""
    summary = await outbox.summary(session)
    return [
        ServiceFeedSummary.model_validate({"service": code, **counts})
        for code, counts in sorted(summary.items())
    ]


@router.get("/deliveries", response_model=list[DeliveryOut])
async def deliveries(
    session: Session,
    _: Watcher,
    service: str | None = None,
    status_filter: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    card_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    """Outbox rows, newest first."""
    rows = await outbox.list_deliveries(
        session, service_code=service, status=status_filter, card_id=card_id, limit=limit
    )
    return [DeliveryOut.model_validate(r) for r in rows]


@router.get("/follow-up", response_model=list[FollowUpOut])
async def follow_up(
    session: Session, _: Watcher, classifier: ClassifierDep, clock: ClockDep
) -> list[FollowUpOut]:
    """Cards not acknowledged or not completed in time, or refused: most urgent first."""
    found = await followup.follow_ups(session, classifier, now=clock.now())
    return [FollowUpOut.model_validate(asdict(f)) for f in found]


@router.get("/{service}/cards", response_model=FeedPage)
async def pull(
    service: str,
    session: Session,
    _: ServiceSystem,
    clock: ClockDep,
    after: Annotated[int | None, Query(ge=0, le=BIGINT_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> FeedPage:
    """The service's cards after ``after`` (default: after the last acknowledged), in order."""
    items, next_cursor = await pull_feed(session, service, after, limit, now=clock.now())
    return FeedPage(
        items=[FeedItem.model_validate(asdict(item)) for item in items], next_cursor=next_cursor
    )


@router.post("/{service}/ack", response_model=AckResult)
async def acknowledge(
    service: str, body: AckRequest, session: Session, _: ServiceSystem, clock: ClockDep
) -> AckResult:
    """Acknowledge every card on the feed up to and including ``cursor``."""
    count = await outbox.acknowledge_through(
        session, service, body.cursor, via="pull", now=clock.now()
    )
    return AckResult(acknowledged=count, cursor=body.cursor)


@router.post("/{service}/cards/{card_id}/status", status_code=status.HTTP_201_CREATED)
async def report_status(
    service: str,
    card_id: uuid.UUID,
    body: StatusReport,
    request: Request,
    session: Session,
    system: ServiceSystem,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The service reports its status for the card; it lands in the card's history."""
    now = clock.now()
    keyed = await idempotent.begin(request, session, system.actor, idempotency_key, now=now)
    if isinstance(keyed, Response):
        return keyed
    row, changed = await record_service_status(
        session, system.actor, card_id, service, body.status, at=body.at, note=body.note, now=now
    )
    # A service that reports on a card has evidently received what it was sent of it; a version
    # still owed (the card changed since) is not acknowledged, and goes.
    await outbox.acknowledge_card(session, service, card_id, via="status", now=now, sent_only=True)
    report = {
        "card_id": str(card_id),
        "version": row.version,
        "status": body.status.value,
        "changed": changed,
    }
    answer = JSONResponse(report, status_code=status.HTTP_201_CREATED)
    return await idempotent.finish(keyed, answer, "card", str(card_id))


@router.post(
    "/{service}/cards/{card_id}/resend",
    status_code=status.HTTP_201_CREATED,
    response_model=DeliveryOut,
)
async def resend(
    service: str, card_id: uuid.UUID, session: Session, supervisor: Supervisor, clock: ClockDep
) -> DeliveryOut:
    """Send the card's current version to the service again, marked as a redelivery."""
    row = await store.load(session, card_id)
    card = store.to_card(row)
    if service not in {s.code for s in card.services}:
        raise Conflict(f"card {card.number} is not routed to {service}; re-route it instead")
    now = clock.now()
    (delivery,) = await outbox.enqueue(
        session, card, [service], reason="resend", now=now, redelivery=True
    )
    await audit.record(
        session,
        supervisor.actor,
        "feed.resend",
        "card",
        str(card_id),
        {"service": service, "cursor": delivery.id},
        at=now,
    )
    return DeliveryOut.model_validate(delivery)
