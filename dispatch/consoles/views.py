"""What a console stream is made of: named parts, and the view that lists them.

A *part* is one named piece of a console's state (``state``, ``offer``, ``cards``...) computed
from service functions. A shared part has one value for every console of the view (the queue
summary); a personal part one value per user (my open cards). A *view* (operator, supervisor)
is the set of parts its consoles get, the roles admitted, and how a bus event maps to the parts
it may have changed (``touches``); the hub recomputes only those.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth.roles import Role
from dispatch.core.bus import Event
from dispatch.core.events import Prefix, Topic
from dispatch.core.redis_bus import RESYNC, bus_health
from dispatch.core.runtime import Runtime
from dispatch.queues import events as queue_events
from dispatch.queues import surge

# A reference from a part's value to a call or card: ("call", id) or ("card", id). The hub
# keeps who shows what, so an event about a call reaches exactly the users showing it.
Ref = tuple[str, str]
T = TypeVar("T")


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in person behind a console."""

    username: str
    role: Role
    full_name: str
    language: str


@dataclass(frozen=True)
class PartContext:
    """What a part's computation gets: one session, the runtime, the user (None if shared)."""

    session: AsyncSession
    runtime: Runtime
    user: ConsoleUser | None
    now: datetime
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def username(self) -> str:
        """The user of a personal part."""
        assert self.user is not None, "a shared part has no user"
        return self.user.username

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """A value several parts of one round need (the queue summary), computed once."""
        if key not in self.memo:
            self.memo[key] = await make()
        return cast(T, self.memo[key])


def no_refs(value: Any) -> Iterable[Ref]:
    """A part that refers to no call or card."""
    return ()


@dataclass(frozen=True)
class Part:
    """One named piece of console state and how to compute it.

    ``topics``: bus topics that change the part for everyone (the capabilities' ``events``
    constants; a ``Prefix`` such as ``cards.events.CARD`` stands for every topic it begins): the
    hub marks the part on them in whichever view shows it (:func:`topic_touches`); a view's
    ``touches`` may say more.
    ``every_s``: recompute at least this often, for a part that changes with time alone (a
    call waiting past a threshold, a deadline passing) and not only with events.
    """

    name: str
    compute: Callable[[PartContext], Awaitable[Any]]
    shared: bool = False
    refs: Callable[[Any], Iterable[Ref]] = no_refs
    topics: tuple[Topic[Any] | Prefix, ...] = ()
    every_s: float | None = None

    def touched_by(self, topic: str) -> bool:
        """Whether ``topic`` is one of the part's topics (or begins with a prefix of them)."""
        return any(
            t.covers(topic) if isinstance(t, Prefix) else topic == t.name for t in self.topics
        )


async def server_health(context: PartContext) -> dict[str, Any]:
    """Whether the console's server process hears the others (``bus``: ``in-process``,
    ``redis`` or ``degraded``, Redis away): the consoles say so beside their connection."""
    bus, _ = bus_health(context.runtime.bus)
    return {"bus": bus, "degraded": bus == "degraded"}


async def surge_now(context: PartContext) -> dict[str, Any]:
    """Whether the centre is in surge and why (``queues.surge``: the ACD's latest judgement,
    or a supervisor's switch): both consoles say it; the supervisor's can switch it."""
    return surge.described(await surge.row(context.session))


# Every console's surge banner: on every change (``surge.changed``), and at least every 15 s.
SURGE = Part("surge", surge_now, shared=True, topics=(queue_events.SURGE,), every_s=15)


# Every streaming console's part: recomputed every 2 s (Redis going away sends no event) and
# at once when Redis is back (``bus.resync``).
SERVER = Part("server", server_health, shared=True, topics=(RESYNC,), every_s=2)


@dataclass(frozen=True)
class Touch:
    """A part an event may have changed: for one user, or (user None) for everyone."""

    part: str
    user: str | None = None


def topic_touches(parts: Iterable[Part], topic: str) -> list[Touch]:
    """The parts whose ``topics`` name ``topic``, for everyone."""
    return [Touch(part.name) for part in parts if part.touched_by(topic)]


class Beat(Protocol):
    """The ACD's heartbeat: the console of someone taking calls is there."""

    async def __call__(self, session: AsyncSession, username: str, *, now: datetime) -> object: ...


class Lookups:
    """What ``touches`` may ask the hub: who shows a call or card, who owns a card."""

    def __init__(
        self,
        showing: Callable[[Ref], set[str]],
        card_owner: Callable[[str], Awaitable[str | None]],
    ) -> None:
        self.showing = showing
        self.card_owner = card_owner


@dataclass(frozen=True)
class View:
    """A kind of console: its parts, who may open it, how events touch its parts, and what a
    console's ping tells the ACD (``beat``; None: nothing)."""

    name: str
    roles: frozenset[Role]
    parts: tuple[Part, ...]
    touches: Callable[[Event, Lookups], Awaitable[list[Touch]]]
    beat: Beat | None = None
    by_name: Mapping[str, Part] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {part.name: part for part in self.parts})

    @property
    def shared(self) -> list[Part]:
        """The parts every console of this view shares."""
        return [part for part in self.parts if part.shared]

    @property
    def personal(self) -> list[Part]:
        """The parts computed for each user."""
        return [part for part in self.parts if not part.shared]
