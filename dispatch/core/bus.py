"""The event bus: ``publish`` and ``subscribe``. In-process by default.

Domain code never publishes directly: it calls :func:`emit`, which parks the event on the
session; :func:`dispatch.core.database.unit_of_work` publishes after a successful commit and
drops the events on rollback, so no subscriber ever sees a change that did not happen.
Topics are the typed constants of ``core/events.py``, listed by each capability's
``events.py``; a subscription names a ``Topic``, a ``Prefix`` or (core and tests) a glob.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from dispatch.core import kept
from dispatch.core.events import Prefix, Topic

# Taken back with a savepoint that rolls back (``core.kept``): no event of what did not happen.
_PENDING_KEY = kept.until_commit("dispatch.pending_events")
P = TypeVar("P", bound=Mapping[str, object])
# What a subscription names: one topic, every topic of a prefix, or a glob (core and tests).
Pattern = Topic[Any] | Prefix | str


def pattern_of(pattern: Pattern) -> str:
    """The glob a subscription matches topics with."""
    return pattern if isinstance(pattern, str) else pattern.pattern


@dataclass(frozen=True)
class Event:
    """Something that happened, e.g. topic ``card.routed`` with the card id in the payload."""

    topic: str
    payload: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Subscription(Protocol):
    """An async iterator of events matching a pattern; close it when done."""

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def close(self) -> None: ...


class Bus(Protocol):
    """Publish events; subscribe with a glob pattern such as ``card.*``.

    A subscription gets the events published in this process. With ``remote=True`` it also
    gets those published by the other server processes (``RedisBus``); only subscribers whose
    work is safe to repeat in every process (consoles, wake-ups) should ask for them.
    """

    async def publish(self, event: Event) -> None: ...

    def subscribe(
        self, pattern: Pattern, *, max_queue: int = 10_000, remote: bool = False
    ) -> Subscription: ...

    async def close(self) -> None: ...


class _LocalSubscription:
    def __init__(self, bus: InProcessBus, pattern: str, max_queue: int, remote: bool) -> None:
        self.pattern = pattern
        self.remote = remote
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=max_queue)
        self.dropped = 0
        self._bus = bus

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A stuck subscriber must not stall the publisher; it counts what it missed
            # and consoles resynchronise from a snapshot.
            self.dropped += 1

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            yield item

    async def close(self) -> None:
        self._bus.unsubscribe(self)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


class InProcessBus:
    """Fan-out to subscribers in this process, in publish order."""

    def __init__(self) -> None:
        self._subscriptions: list[_LocalSubscription] = []
        self.published = 0

    async def publish(self, event: Event) -> None:
        """Deliver to every matching subscriber without waiting for them."""
        self.published += 1
        for subscription in list(self._subscriptions):
            if fnmatch.fnmatchcase(event.topic, subscription.pattern):
                subscription.offer(event)

    def subscribe(
        self, pattern: Pattern, *, max_queue: int = 10_000, remote: bool = False
    ) -> _LocalSubscription:
        """Start receiving events whose topic matches ``pattern`` (``remote``: see ``Bus``)."""
        subscription = _LocalSubscription(self, pattern_of(pattern), max_queue, remote)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: _LocalSubscription) -> None:
        """Stop delivering to ``subscription``."""
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    async def close(self) -> None:
        """End every subscription."""
        for subscription in list(self._subscriptions):
            await subscription.close()


def emit(session: AsyncSession | Session, topic: Topic[P], payload: P) -> None:
    """Queue an event to publish once ``session`` commits (also from a ``before_commit``
    listener, given the synchronous session).

    ``payload`` is built with the topic's TypedDict (``events.Closed(card_id=...)``), so mypy
    checks its keys; it is published as it is, the same dict.
    """
    event = Event(topic.name, cast(dict[str, Any], payload))
    session.info.setdefault(_PENDING_KEY, []).append(event)


def take_pending_events(session: AsyncSession) -> list[Event]:
    """Remove and return the events queued on ``session``."""
    pending: list[Event] = session.info.pop(_PENDING_KEY, [])
    return pending
