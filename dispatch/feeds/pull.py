"""The pull feed: a service reads its cards after a cursor, in order, with their kept XML."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.feeds import outbox, payloads
from dispatch.feeds.states import OUTBOX


@dataclass(frozen=True, slots=True)
class Item:
    """One card version on a service's feed."""

    cursor: int
    card_id: uuid.UUID
    version: int
    redelivery: bool
    xml: str


async def pull(
    session: AsyncSession, service_code: str, after: int | None, limit: int, *, now: datetime
) -> tuple[list[Item], int]:
    """The service's rows after ``after`` (default: after the last acknowledged), marked
    delivered, and the cursor to ask after next time."""
    start = after if after is not None else await outbox.last_acknowledged(session, service_code)
    rows = (
        await session.execute(
            select(
                OUTBOX.c.id,
                OUTBOX.c.card_id,
                OUTBOX.c.card_version,
                OUTBOX.c.redelivery,
                OUTBOX.c.delivered_at,
                payloads.xml_column().label("xml"),
            )
            .where(OUTBOX.c.service_code == service_code, OUTBOX.c.id > start)
            .order_by(OUTBOX.c.id)
            .limit(limit)
        )
    ).all()
    texts = await payloads.fill_xml(
        session, {(row.card_id, row.card_version): row.xml for row in rows}, now=now
    )
    await outbox.mark_delivered(session, [row.id for row in rows], via="pull", now=now)
    items = [
        Item(
            cursor=row.id,
            card_id=row.card_id,
            version=row.card_version,
            # Sent before (pulled, pushed or on a websocket), or a re-send: say so.
            redelivery=row.redelivery or row.delivered_at is not None,
            xml=payloads.for_service(service_code, texts[(row.card_id, row.card_version)]),
        )
        for row in rows
    ]
    return items, rows[-1].id if rows else start
