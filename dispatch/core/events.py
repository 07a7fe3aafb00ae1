"""Bus topics with typed payloads: a topic's name and the shape of what its events carry.

Each capability lists what it publishes in its ``events.py``: a :class:`Topic` per kind of
event, typed with a ``TypedDict`` of its payload, and a :class:`Prefix` (or a :class:`Family`)
for those who listen to all of them. The names and payload keys are a contract (consoles,
other processes through Redis, feeds): a constant names the string once, it never changes it.

Domain code emits ``core.bus.emit(session, events.CLOSED, events.Closed(card_id=..., ...))``:
building the payload with its TypedDict's constructor lets mypy check every key and type
against the topic (a bare dict literal is refused too: mypy cannot infer the topic's payload
type from it). Subscribers pass the same constants to ``bus.subscribe`` and read a payload
typed with :meth:`Topic.of`. ``tests/test_event_topics.py`` (run by ``make lint``) refuses a
topic written as a string outside ``core``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast

P = TypeVar("P", bound=Mapping[str, object])
K = TypeVar("K", bound=str)


class _Published(Protocol):
    """What :meth:`Topic.of` reads of an event (``core.bus.Event``)."""

    @property
    def topic(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class Topic(Generic[P]):
    """One kind of event: its name on the bus; ``P`` (a TypedDict) is its payload's shape."""

    name: str

    @property
    def pattern(self) -> str:
        """The bus's pattern for exactly this topic."""
        return self.name

    def of(self, event: _Published) -> P | None:
        """The event's payload, typed, when the event is of this topic; else None."""
        return cast(P, event.payload) if event.topic == self.name else None


@dataclass(frozen=True)
class Prefix:
    """Every topic whose name begins with ``name`` (``"card."``; ``""`` is every topic)."""

    name: str

    @property
    def pattern(self) -> str:
        """The bus's glob for these topics (``card.*``)."""
        return f"{self.name}*"

    def covers(self, topic: str) -> bool:
        """Whether ``topic`` is one of these."""
        return topic.startswith(self.name)


@dataclass(frozen=True)
class Family(Prefix, Generic[P, K]):
    """Topics named ``<name><member>`` with one payload, ``K`` the allowed members (a Literal
    or a StrEnum): the named form of a topic made from a value, e.g. ``card.{change}``."""

    def __call__(self, member: K) -> Topic[P]:
        """The topic of one member (``CARD("closed")`` is ``card.closed``)."""
        return Topic(f"{self.name}{member}")


# Every topic: the consoles' hub, which picks what each event touches itself.
EVERY = Prefix("")
