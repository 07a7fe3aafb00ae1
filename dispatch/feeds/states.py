"""A delivery's lifecycle: the table of allowed moves and the one function that moves rows.

``pending`` (owed, not yet sent) → ``delivered`` (pulled or sent on a websocket, not yet
acknowledged) → ``acknowledged``; a failed webhook attempt leaves ``failed`` (retried with
backoff). ``acknowledged`` is final: a late failure or a second pull never takes a card a
service confirmed back to owed. Nothing returns to ``pending``.

Every status change is :func:`move`: one UPDATE whose WHERE adds the table's guard, so a row
the table does not let reach the target is never written. Attempt counts and leases are not
statuses and are written by the webhook claim itself.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.errors import Conflict, NotFound
from dispatch.feeds.models import Delivery
from dispatch.feeds.models import DeliveryStatus as DeliveryStatus  # its home is the table's

OUTBOX = cast(Table, Delivery.__table__)


_P, _D, _A, _F = (
    DeliveryStatus.PENDING,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.ACKNOWLEDGED,
    DeliveryStatus.FAILED,
)
DELIVERY_TRANSITIONS: Mapping[DeliveryStatus, frozenset[DeliveryStatus]] = {
    _P: frozenset({_D, _A, _F}),
    # A failed webhook row may still be pulled, and is tried again until a 2xx.
    _F: frozenset({_F, _D, _A}),
    # Pulled again stays delivered; a service that has the card is not "failed" by a webhook.
    _D: frozenset({_D, _A}),
    _A: frozenset(),
}
OPEN_STATES = (_P, _F, _D)
UNSENT_STATES = (_P, _F)


class IllegalDeliveryTransition(Conflict):
    """A delivery asked to move where its lifecycle does not allow (409)."""


def sources(to: DeliveryStatus) -> frozenset[DeliveryStatus]:
    """The states from which a delivery may move to ``to``."""
    return frozenset(state for state, targets in DELIVERY_TRANSITIONS.items() if to in targets)


def check_transition(cursor: int, current: DeliveryStatus, new: DeliveryStatus) -> None:
    """Refuse a move the table does not allow (409 naming the delivery and both states)."""
    if new not in DELIVERY_TRANSITIONS[current]:
        raise IllegalDeliveryTransition(
            f"delivery {cursor} is {current.value}; it cannot become {new.value}"
        )


@dataclass(frozen=True, slots=True)
class Moved:
    """A delivery that changed status."""

    cursor: int
    service_code: str
    card_id: Any
    card_version: int


async def move(
    session: AsyncSession,
    to: DeliveryStatus,
    where: ColumnElement[bool],
    *,
    values: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    require: Collection[int] = (),
) -> list[Moved]:
    """Move the deliveries matching ``where`` that the table lets reach ``to``; the others keep
    their state. Every delivery in ``require`` must move (or, for an acknowledgement, already
    be acknowledged): otherwise IllegalDeliveryTransition (NotFound if it does not exist).

    ``where`` and ``values`` may hold bind parameters filled from ``params``: callers on the
    hot path keep them as module constants, so the statement is built once, not per call.
    """
    allowed = sources(to)
    if not allowed:
        raise IllegalDeliveryTransition(f"no delivery may become {to.value}")
    statement = _statement(to, where, tuple((values or {}).items()))
    result = await session.execute(statement, dict(params or {}))
    moved = sorted((Moved(*row) for row in result.all()), key=lambda m: m.cursor)
    missing = set(require) - {m.cursor for m in moved}
    if missing:
        await _refuse(session, to, missing)
    return moved


@functools.lru_cache(maxsize=64)
def _statement(
    to: DeliveryStatus, where: ColumnElement[bool], values: tuple[tuple[str, Any], ...]
) -> Any:
    """The UPDATE of one move, with the table's guard (cached by the caller's clauses)."""
    return (
        update(OUTBOX)
        .where(where, OUTBOX.c.status.in_([state.value for state in sources(to)]))
        .values(status=to.value, **dict(values))
        .returning(OUTBOX.c.id, OUTBOX.c.service_code, OUTBOX.c.card_id, OUTBOX.c.card_version)
    )


async def _refuse(session: AsyncSession, to: DeliveryStatus, cursors: Collection[int]) -> None:
    """Name the first required delivery that could not move (the error path only)."""
    rows = await session.execute(
        select(OUTBOX.c.id, OUTBOX.c.status).where(OUTBOX.c.id.in_(cursors))
    )
    found: dict[int, str] = dict(rows.all())
    for cursor in sorted(cursors):
        if cursor not in found:
            raise NotFound(f"no delivery with cursor {cursor}")
        current = DeliveryStatus(found[cursor])
        if current is to is DeliveryStatus.ACKNOWLEDGED:
            continue  # acknowledging twice is not a change
        check_transition(cursor, current, to)
        raise IllegalDeliveryTransition(
            f"delivery {cursor} is {current.value} but was not among those asked to become "
            f"{to.value}"
        )
