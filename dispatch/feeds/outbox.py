"""Writing to the outbox (in the card's own transaction) and reading it per service, in order;
the one acknowledgement path every transport uses.

A card version owed to services is rendered once, here, as it is written: its XML goes to
``feed_payloads`` and every transport (webhook, pull, websocket, Redis Stream) sends that text.
Each service's rows are delivered strictly in cursor (``id``) order. Statuses and their moves:
``states.py``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, String, Table, Uuid, bindparam, exists, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

import cardschema
from cardschema import Card
from dispatch.agencies import service as agencies
from dispatch.core import kept
from dispatch.core.bus import emit
from dispatch.core.database import UTCDateTime
from dispatch.errors import Conflict, NotFound
from dispatch.feeds import events
from dispatch.feeds.models import Delivery, FeedPayload
from dispatch.feeds.states import (
    OPEN_STATES,
    OUTBOX,
    UNSENT_STATES,
    DeliveryStatus,
    IllegalDeliveryTransition,
    move,
)

__all__ = [
    "OPEN_STATES",
    "UNSENT_STATES",
    "DeliveryStatus",
    "IllegalDeliveryTransition",
    "acknowledge",
    "acknowledge_card",
    "acknowledge_through",
    "backoff",
    "enqueue",
    "last_acknowledged",
    "list_deliveries",
    "mark_delivered",
    "owe_at_commit",
    "summary",
]

PAYLOADS = cast(Table, FeedPayload.__table__)
# The card versions owed at the commit (:func:`owe_at_commit`).
_OWED = "dispatch.feeds.owed"


def backoff(attempts: int, *, base_s: float = 1.0, max_s: float = 300.0) -> timedelta:
    """Wait before the next webhook attempt: base, 2×base, 4×base, ... at most ``max_s``."""
    return timedelta(seconds=min(base_s * 2 ** max(attempts - 1, 0), max_s))


async def enqueue(
    session: AsyncSession,
    card: Card,
    services: Iterable[str],
    *,
    reason: str,
    now: datetime,
    redelivery: bool = False,
) -> list[Row[Any]]:
    """Owe this version of ``card`` to each service (once per version, unless a re-send), with
    its XML rendered once for all of them; returns the new outbox rows in cursor order."""
    codes = list(dict.fromkeys(services))
    if not codes:
        return []
    await agencies.lock_services(session, codes)
    await _keep_payload(session, card, now=now, maybe_stored=redelivery)
    rows = [_row(code, card.id, card.version, reason, now, redelivery=redelivery) for code in codes]
    owe = _owe(session.get_bind().dialect.name, redelivery=redelivery)
    added = sorted((await session.execute(owe, rows)).all(), key=lambda row: row.id)
    for row in added:
        emit(
            session,
            events.ENQUEUED,
            events.Enqueued(
                service=row.service_code,
                cursor=row.id,
                card_id=str(card.id),
                version=card.version,
            ),
        )
    return added


@dataclass(frozen=True)
class _Owed:
    """A card version owed to services, kept for the commit (its XML rendered already: the
    card may change again in the same transaction)."""

    card_id: uuid.UUID
    version: int
    xml: str
    codes: tuple[str, ...]
    reason: str
    now: datetime


def owe_at_commit(
    session: AsyncSession, card: Card, services: Iterable[str], *, reason: str, now: datetime
) -> None:
    """Owe this version of ``card`` to each service, as :func:`enqueue` does, written just
    before the transaction commits (:func:`_write_owed`).

    The outbox locks the services' rows from its insert to the commit, so that each service's
    cursors are handed out in commit order; owed where the card was saved, every other card
    for those services waited behind the rest of this transaction (a saturated process's lock
    waits in ``make bench-surge``). Owed at the commit, the rows are locked for the commit
    alone. A savepoint's rollback takes back what it owed (``core.kept``)."""
    codes = tuple(dict.fromkeys(services))
    if codes:
        xml = cardschema.build(card).decode()
        owed = _Owed(card.id, card.version, xml, codes, reason, now)
        session.info.setdefault(_OWED, []).append(owed)


def _write_owed(session: Session, owed: list[_Owed]) -> None:
    """What :func:`owe_at_commit` kept: the services locked (in code order, once), then each
    version's payload and rows, in the order owed; ``feed.enqueued`` for each row."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect != "sqlite":  # SQLite runs one writer at a time already (BEGIN IMMEDIATE)
        connection.execute(agencies.services_lock({c for item in owed for c in item.codes}))
    for item in owed:
        payload = {"card_id": item.card_id, "card_version": item.version, "xml": item.xml}
        connection.execute(_keep(dialect), {**payload, "created_at": item.now})
        rows = [
            _row(code, item.card_id, item.version, item.reason, item.now) for code in item.codes
        ]
        added = connection.execute(_owe(dialect, redelivery=False), rows).all()
        for row in sorted(added, key=lambda row: row.id):
            enqueued = events.Enqueued(
                service=row.service_code,
                cursor=row.id,
                card_id=str(item.card_id),
                version=item.version,
            )
            emit(session, events.ENQUEUED, enqueued)


kept.write_at_commit(_OWED, _write_owed)


def _row(
    code: str,
    card_id: uuid.UUID,
    version: int,
    reason: str,
    now: datetime,
    *,
    redelivery: bool = False,
) -> dict[str, Any]:
    """An outbox row owed: pending, due now."""
    return {
        "service_code": code,
        "card_id": card_id,
        "card_version": version,
        "redelivery": redelivery,
        "reason": reason,
        "created_at": now,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
    }


async def _keep_payload(
    session: AsyncSession, card: Card, *, now: datetime, maybe_stored: bool
) -> None:
    """Render the version's XML once and keep it (a re-send usually finds it kept)."""
    if maybe_stored:
        kept = await session.scalar(
            select(
                exists().where(
                    PAYLOADS.c.card_id == card.id, PAYLOADS.c.card_version == card.version
                )
            )
        )
        if kept:
            return
    await session.execute(
        _keep(session.get_bind().dialect.name),
        {
            "card_id": card.id,
            "card_version": card.version,
            "xml": cardschema.build(card).decode(),
            "created_at": now,
        },
    )


# Statements built once per dialect: building them for every card version cost more than
# running them.
@functools.cache
def _owe(dialect_name: str, *, redelivery: bool) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    insert = dialect.insert(OUTBOX)
    if not redelivery:
        # Idempotent on (service, card, version): a version already owed is not owed twice.
        first = "redelivery = false" if dialect is postgresql else "redelivery = 0"
        insert = insert.on_conflict_do_nothing(
            index_elements=["service_code", "card_id", "card_version"], index_where=text(first)
        )
    return insert.returning(*OUTBOX.c)


@functools.cache
def _keep(dialect_name: str) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(PAYLOADS).on_conflict_do_nothing(
        index_elements=["card_id", "card_version"]
    )


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


# The clauses of the moves below, built once (bind parameters ``p_*``; a parameter may not
# share a column's name in an UPDATE).
_NOW = bindparam("p_now", type_=UTCDateTime())
_VIA = bindparam("p_via", type_=String())
_CURSORS = OUTBOX.c.id.in_(bindparam("p_cursors", expanding=True, type_=OUTBOX.c.id.type))
_OF_SERVICE = OUTBOX.c.service_code == bindparam("p_service", type_=String())
_SENT = {
    "delivered_at": func.coalesce(OUTBOX.c.delivered_at, _NOW),
    "via": func.coalesce(OUTBOX.c.via, _VIA),
}
_ACKNOWLEDGED = {**_SENT, "acknowledged_at": _NOW, "last_error": None}
_ACK_WHERE = {
    # Only what was delivered: a cumulative ack never swallows an unseen card.
    "through": _OF_SERVICE
    & (OUTBOX.c.id <= bindparam("p_through", type_=OUTBOX.c.id.type))
    & OUTBOX.c.delivered_at.is_not(None),
    "card_id": _OF_SERVICE & (OUTBOX.c.card_id == bindparam("p_card_id", type_=Uuid())),
    "cursors": _OF_SERVICE & _CURSORS,
}
# A card's rows the service was sent (pulled, or sent on a websocket): what a status report on
# the card proves it has. A version still owed (the card changed since) is not one of them.
_CARD_SENT = _ACK_WHERE["card_id"] & OUTBOX.c.delivered_at.is_not(None)


async def mark_delivered(
    session: AsyncSession, cursors: Sequence[int], *, via: str, now: datetime
) -> None:
    """Record that rows went out (pulled, or sent on a websocket); acknowledged ones stay so."""
    if cursors:
        await move(
            session,
            DeliveryStatus.DELIVERED,
            _CURSORS,
            values=_SENT,
            params={"p_cursors": list(cursors), "p_now": now, "p_via": via},
        )


async def acknowledge(
    session: AsyncSession,
    service_code: str,
    *,
    via: str,
    now: datetime,
    through: int | None = None,
    card_id: uuid.UUID | None = None,
    cursors: Sequence[int] = (),
    sent_only: bool = False,
) -> int:
    """The one acknowledgement path: every delivered row up to cursor ``through`` (pull,
    cumulative), or every row of ``card_id`` (a hand-off; with ``sent_only`` only those
    delivered: a status report), or the rows ``cursors`` (webhook 2xx, websocket answer).
    Emits one ``feed.acknowledged``; returns how many moved."""
    given = {"through": through, "card_id": card_id, "cursors": list(cursors) or None}
    modes = [name for name, value in given.items() if value is not None]
    if len(modes) != 1:
        raise ValueError("acknowledge through a cursor, a card, or listed cursors: exactly one")
    mode = modes[0]
    if through is not None:
        await _check_delivered(session, service_code, through)
    moved = await move(
        session,
        DeliveryStatus.ACKNOWLEDGED,
        _CARD_SENT if mode == "card_id" and sent_only else _ACK_WHERE[mode],
        values=_ACKNOWLEDGED,
        params={"p_service": service_code, "p_now": now, "p_via": via, f"p_{mode}": given[mode]},
        require=cursors,
    )
    if moved:
        acknowledged = [m.cursor for m in moved]
        emit(
            session,
            events.ACKNOWLEDGED,
            events.Acknowledged(
                service=service_code,
                cursor=through if through is not None else acknowledged[-1],
                cursors=acknowledged,
                count=len(acknowledged),
                via=via,
                card_ids=sorted({str(m.card_id) for m in moved}),
            ),
        )
    return len(moved)


async def _check_delivered(session: AsyncSession, service_code: str, cursor: int) -> None:
    """A cumulative acknowledgement names a cursor of this service that went out."""
    delivered_at = await session.execute(
        select(OUTBOX.c.delivered_at).where(
            OUTBOX.c.id == cursor, OUTBOX.c.service_code == service_code
        )
    )
    found = delivered_at.first()
    if found is None:
        raise NotFound(f"service {service_code} has no delivery with cursor {cursor}")
    if found.delivered_at is None:
        raise Conflict(f"cursor {cursor} was never delivered to {service_code}; fetch it first")


async def acknowledge_through(
    session: AsyncSession, service_code: str, cursor: int, *, via: str, now: datetime
) -> int:
    """Acknowledge every delivered row of a service up to ``cursor`` (see ``acknowledge``)."""
    return await acknowledge(session, service_code, via=via, now=now, through=cursor)


async def acknowledge_card(
    session: AsyncSession,
    service_code: str,
    card_id: uuid.UUID,
    *,
    via: str,
    now: datetime,
    sent_only: bool = False,
) -> int:
    """Acknowledge the deliveries of one card to one service (see ``acknowledge``): every one
    (a hand-off by phone conveyed the card as it is), or with ``sent_only`` those the service
    was sent (a status report proves it has what it was sent; a version owed since still goes,
    where acknowledging it had the service never get the card's change)."""
    return await acknowledge(
        session, service_code, via=via, now=now, card_id=card_id, sent_only=sent_only
    )


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
