"""Writing to the outbox (in the card's own transaction) and reading it per service, in order.

Delivery states: ``pending`` (not yet sent) → ``delivered`` (sent or pulled, not yet
acknowledged) → ``acknowledged``; a failed webhook attempt leaves ``failed`` and is retried with
backoff. Each service's rows are delivered strictly in cursor (``id``) order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.agencies import service as agencies
from dispatch.core.bus import emit
from dispatch.errors import Conflict, NotFound
from dispatch.feeds.models import Delivery


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


OPEN_STATES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.DELIVERED)
UNSENT_STATES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def backoff(attempts: int, *, base_s: float = 1.0, max_s: float = 300.0) -> timedelta:
    """Wait before the next webhook attempt: base, 2×base, 4×base, ... at most ``max_s``."""
    return timedelta(seconds=min(base_s * 2 ** max(attempts - 1, 0), max_s))


async def enqueue(
    session: AsyncSession,
    card_id: uuid.UUID,
    version: int,
    services: Iterable[str],
    *,
    reason: str,
    now: datetime,
    redelivery: bool = False,
) -> list[Delivery]:
    """Owe ``version`` of a card to each service (once per version, unless a re-send)."""
    codes = list(dict.fromkeys(services))
    await agencies.lock_services(session, codes)
    owed: set[str] = set()
    if not redelivery and codes:
        owed = set(
            (
                await session.scalars(
                    select(Delivery.service_code).where(
                        Delivery.service_code.in_(codes),
                        Delivery.card_id == card_id,
                        Delivery.card_version == version,
                        Delivery.redelivery.is_(False),
                    )
                )
            ).all()
        )
    added: list[Delivery] = []
    for code in codes:
        if code in owed:
            continue
        delivery = Delivery(
            service_code=code,
            card_id=card_id,
            card_version=version,
            redelivery=redelivery,
            reason=reason,
            created_at=now,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
        )
        session.add(delivery)
        added.append(delivery)
    if added:
        await session.flush()
        for delivery in added:
            emit(
                session,
                "feed.enqueued",
                {
                    "service": delivery.service_code,
                    "cursor": delivery.id,
                    "card_id": str(card_id),
                    "version": version,
                },
            )
    return added


async def next_due(session: AsyncSession, service_code: str, now: datetime) -> Delivery | None:
    """The oldest unsent delivery of a service if it is due (head of line: order is kept)."""
    head = await session.scalar(
        select(Delivery)
        .where(Delivery.service_code == service_code, Delivery.status.in_(UNSENT_STATES))
        .order_by(Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if head is None or (head.next_attempt_at is not None and head.next_attempt_at > now):
        return None
    return head


async def page(
    session: AsyncSession, service_code: str, after: int | None, limit: int
) -> list[Delivery]:
    """Deliveries of a service after a cursor (default: after the last acknowledged one)."""
    if after is None:
        after = await last_acknowledged(session, service_code)
    rows = await session.scalars(
        select(Delivery)
        .where(Delivery.service_code == service_code, Delivery.id > after)
        .order_by(Delivery.id)
        .limit(limit)
    )
    return list(rows.all())


async def last_acknowledged(session: AsyncSession, service_code: str) -> int:
    """The cursor up to which every delivery of the service is acknowledged (0 if none)."""
    first_open = await session.scalar(
        select(func.min(Delivery.id)).where(
            Delivery.service_code == service_code, Delivery.status.in_(OPEN_STATES)
        )
    )
    if first_open is not None:
        return int(first_open) - 1
    last = await session.scalar(
        select(func.max(Delivery.id)).where(Delivery.service_code == service_code)
    )
    return int(last or 0)


def mark_delivered(deliveries: Sequence[Delivery], *, via: str, now: datetime) -> list[bool]:
    """Record that rows went out; returns, per row, whether it was a redelivery."""
    flags: list[bool] = []
    for delivery in deliveries:
        flags.append(delivery.redelivery or delivery.delivered_at is not None)
        if delivery.status != DeliveryStatus.ACKNOWLEDGED:
            delivery.status = DeliveryStatus.DELIVERED.value
        delivery.delivered_at = delivery.delivered_at or now
        delivery.via = delivery.via or via
    return flags


async def acknowledge_through(
    session: AsyncSession, service_code: str, cursor: int, *, via: str, now: datetime
) -> int:
    """Acknowledge every delivery of a service up to ``cursor``; returns how many changed."""
    exists = await session.scalar(
        select(Delivery.delivered_at).where(
            Delivery.id == cursor, Delivery.service_code == service_code
        )
    )
    if exists is None:
        known = await session.scalar(
            select(Delivery.id).where(Delivery.id == cursor, Delivery.service_code == service_code)
        )
        if known is None:
            raise NotFound(f"service {service_code} has no delivery with cursor {cursor}")
        raise Conflict(f"cursor {cursor} was never delivered to {service_code}; fetch it first")
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.service_code == service_code,
            Delivery.id <= cursor,
            Delivery.status != DeliveryStatus.ACKNOWLEDGED.value,
            # Only what was delivered: a cumulative ack never swallows an unseen card.
            Delivery.delivered_at.is_not(None),
        )
        .values(
            status=DeliveryStatus.ACKNOWLEDGED.value,
            acknowledged_at=now,
            via=func.coalesce(Delivery.via, via),
        )
    )
    changed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if changed:
        emit(session, "feed.acknowledged", {"service": service_code, "cursor": cursor})
    return changed


async def acknowledge_card(
    session: AsyncSession, service_code: str, card_id: uuid.UUID, *, via: str, now: datetime
) -> int:
    """Acknowledge every delivery of one card to one service (status report or hand-off)."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.service_code == service_code,
            Delivery.card_id == card_id,
            Delivery.status != DeliveryStatus.ACKNOWLEDGED.value,
        )
        .values(
            status=DeliveryStatus.ACKNOWLEDGED.value,
            acknowledged_at=now,
            delivered_at=func.coalesce(Delivery.delivered_at, now),
            via=func.coalesce(Delivery.via, via),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def summary(session: AsyncSession) -> Mapping[str, dict[str, object]]:
    """Per service: how many deliveries are in each state and the oldest open one."""
    rows = await session.execute(
        select(
            Delivery.service_code,
            Delivery.status,
            func.count(),
            func.min(Delivery.created_at),
        ).group_by(Delivery.service_code, Delivery.status)
    )
    result: dict[str, dict[str, object]] = {}
    for code, state, count, oldest in rows.all():
        entry = result.setdefault(
            code, {**{s.value: 0 for s in DeliveryStatus}, "oldest_open_at": None}
        )
        entry[state] = count
        if state != DeliveryStatus.ACKNOWLEDGED.value:
            current = entry["oldest_open_at"]
            if current is None or (isinstance(current, datetime) and oldest < current):
                entry["oldest_open_at"] = oldest
    return result


async def list_deliveries(
    session: AsyncSession,
    *,
    service_code: str | None,
    status: DeliveryStatus | None,
    card_id: uuid.UUID | None,
    limit: int,
) -> list[Delivery]:
    """Deliveries, newest first, filtered."""
    query = select(Delivery)
    if service_code is not None:
        query = query.where(Delivery.service_code == service_code)
    if status is not None:
        query = query.where(Delivery.status == status.value)
    if card_id is not None:
        query = query.where(Delivery.card_id == card_id)
    return list((await session.scalars(query.order_by(Delivery.id.desc()).limit(limit))).all())
