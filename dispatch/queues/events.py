"""Bus topics the ACD publishes (after commit, through ``core.bus.emit``).

The ACD worker wakes on all of them (:data:`QUEUE`, but not on its own offers); the
consoles' queue, call and operator parts listen too.
"""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Prefix, Topic


class Offered(TypedDict):
    """A call is offered to ``operator``, whose console shows it until ``expires_at``."""

    offer_id: str
    call_id: str
    operator: str
    queue: str
    channel: str
    language: str | None
    priority: int
    expires_at: str


class OfferClosed(TypedDict):
    """The offer was accepted, declined, expired or cancelled (``status``)."""

    offer_id: str
    call_id: str
    operator: str
    status: str


class QueueChanged(TypedDict):
    """A call entered, left or moved within ``queue``, or the queue was configured (``call_id``
    None); every process forgets its queue snapshots (``catalog.py``)."""

    queue: str
    call_id: str | None
    reason: str


class OperatorState(TypedDict):
    """An operator changed: ``changed`` is ``state`` (from ``previous``), ``skills`` or
    ``queues`` (the state then stays)."""

    username: str
    state: str
    previous: str
    reason: str | None
    call_id: str | None
    changed: str


class SurgeChanged(TypedDict):
    """The surge policy's judgement or mode changed (``queues/surge.py``): ``active`` in surge
    or not, ``why`` its code. The ACD takes it into its next tick; the consoles show it."""

    active: bool
    why: str


OFFER = Topic[Offered]("queue.offer")
OFFER_CLOSED = Topic[OfferClosed]("queue.offer_closed")
CHANGED = Topic[QueueChanged]("queue.changed")
OPERATOR_STATE = Topic[OperatorState]("queue.operator_state")
# Outside ``queue.``: a judgement changes no queue, call or operator part of the consoles.
SURGE = Topic[SurgeChanged]("surge.changed")
# Every ACD topic: the worker's wake-ups, the consoles' queue parts.
QUEUE = Prefix("queue.")
