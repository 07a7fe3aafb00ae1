"""Queues as data: the starting set, reading, adding and changing queues.

Every call reads the queues (to choose one, to count its statistics, to hand it out), and they
change a few times a year: :func:`queues` gives snapshots (:class:`QueueSpec`) remembered per
database for ``TTL_S``, forgotten at once on this process when a queue changes (after its
commit) and on the others when the bus brings ``queue.changed`` with reason ``configured``
(:func:`forget_on_changes`, with Redis). Writes read the rows themselves (:func:`get_queue`).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.core.bus import Bus, emit
from dispatch.core.database import after_commit
from dispatch.errors import Conflict, NotFound
from dispatch.queues import events
from dispatch.queues.models import Queue
from dispatch.queues.strategies import MAX_PENALTY, Strategy

# How long a process trusts its snapshot of the queues without hearing of a change (the bound
# for a change made by another process when no Redis bus carries ``queue.changed``).
TTL_S = 2.0
CONFIGURED = "configured"

# Answered within 10 s for 90% and within 20 s for 95% of calls (NFPA 1225, NENA STA-020).
SERVICE_LEVEL = ({"seconds": 10, "percent": 90}, {"seconds": 20, "percent": 95})
# Every operator with the skills from the first second: penalties only order who is offered
# first (a widening window, ``penalty_steps``, stays an option a supervisor may set).
EVERYONE = ({"after_s": 0, "max_penalty": MAX_PENALTY},)
# ISO 639-3 codes of sign languages a caller may be tagged with (generic, Russian).
SIGN_LANGUAGES = ("sgn", "rsl")


def _queue(
    name: str,
    title: str,
    channel: str,
    languages: tuple[str, ...],
    skills: tuple[str, ...],
    *,
    rank: int,
    strategy: Strategy = Strategy.LONGEST_IDLE,
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "channels": [channel],
        "languages": list(languages),
        "match_rank": rank,
        "required_skills": list(skills),
        "strategy": strategy.value,
        "penalty_steps": [dict(s) for s in EVERYONE],
        "offer_timeout_s": 10,
        "wrap_up_s": 15,
        "sl_targets": [dict(t) for t in SERVICE_LEVEL],
    }


DEFAULT_QUEUES: tuple[dict[str, Any], ...] = (
    _queue(
        "voice-uz",
        "Voice, Uzbek",
        "voice",
        ("uz",),
        ("channel:voice", "lang:uz"),
        rank=10,
        strategy=Strategy.SKILLS,
    ),
    _queue(
        "voice-ru",
        "Voice, Russian",
        "voice",
        ("ru",),
        ("channel:voice", "lang:ru"),
        rank=10,
        strategy=Strategy.SKILLS,
    ),
    _queue(
        "voice-kaa",
        "Voice, Karakalpak",
        "voice",
        ("kaa",),
        ("channel:voice", "lang:kaa"),
        rank=10,
        strategy=Strategy.SKILLS,
    ),
    _queue(
        "voice-other",
        "Voice, other languages (an operator who speaks the caller's)",
        "voice",
        (),
        ("channel:voice", "lang:{call}"),
        rank=90,
    ),
    _queue(
        "video-sign",
        "Video, sign language",
        "video",
        SIGN_LANGUAGES,
        ("channel:video", "sign_language"),
        rank=10,
    ),
    _queue("video", "Video, spoken", "video", (), ("channel:video", "lang:{call}"), rank=90),
    _queue("sms", "SMS", "sms", (), ("channel:sms", "lang:{call}"), rank=90),
    _queue("email", "E-mail", "email", (), ("channel:email", "lang:{call}"), rank=90),
)


class QueueLike(Protocol):
    """What choosing a queue reads: a stored row or a snapshot."""

    @property
    def name(self) -> str: ...

    @property
    def channels(self) -> Sequence[str]: ...

    @property
    def languages(self) -> Sequence[str]: ...

    @property
    def active(self) -> bool: ...


Q = TypeVar("Q", bound=QueueLike)


@dataclass(frozen=True)
class QueueSpec:
    """A queue's configuration as read at one moment (not a row: shared between requests)."""

    name: str
    title: str
    names: Mapping[str, str]
    channels: tuple[str, ...]
    languages: tuple[str, ...]
    match_rank: int
    required_skills: tuple[str, ...]
    strategy: str
    penalty_steps: tuple[Mapping[str, int], ...]
    offer_timeout_s: int
    wrap_up_s: int
    sl_targets: tuple[Mapping[str, float], ...]
    active: bool

    @classmethod
    def of(cls, row: Queue) -> QueueSpec:
        """A snapshot of a queue row."""
        return cls(
            name=row.name,
            title=row.title,
            names=dict(row.names or {}),
            channels=tuple(row.channels),
            languages=tuple(row.languages),
            match_rank=row.match_rank,
            required_skills=tuple(row.required_skills),
            strategy=row.strategy,
            penalty_steps=tuple(dict(step) for step in row.penalty_steps),
            offer_timeout_s=row.offer_timeout_s,
            wrap_up_s=row.wrap_up_s,
            sl_targets=tuple(dict(target) for target in row.sl_targets),
            active=row.active,
        )


@dataclass(frozen=True)
class _Snapshot:
    specs: tuple[QueueSpec, ...]
    by_name: Mapping[str, QueueSpec]
    thresholds: tuple[int, ...]
    fresh_until: float  # monotonic


class _Remembered:
    """One database's queues as this process last read them."""

    def __init__(self) -> None:
        self.snapshot: _Snapshot | None = None
        # Bumped by every forget: a read that began before a change is not kept.
        self.generation = 0

    def forget(self) -> None:
        self.snapshot = None
        self.generation += 1


_remembered: weakref.WeakKeyDictionary[Engine, _Remembered] = weakref.WeakKeyDictionary()


def _of_bind(bind: Engine) -> _Remembered:
    found = _remembered.get(bind)
    if found is None:
        found = _remembered[bind] = _Remembered()
    return found


def _of(session: AsyncSession) -> _Remembered:
    bind = session.get_bind()
    return _of_bind(bind if isinstance(bind, Engine) else bind.engine)


async def _snapshot(session: AsyncSession) -> _Snapshot:
    remembered = _of(session)
    snapshot = remembered.snapshot
    if snapshot is not None and time.monotonic() < snapshot.fresh_until:
        return snapshot
    generation = remembered.generation
    specs = tuple(QueueSpec.of(row) for row in await list_queues(session))
    snapshot = _Snapshot(
        specs=specs,
        by_name={spec.name: spec for spec in specs},
        thresholds=tuple(
            sorted({int(target["seconds"]) for spec in specs for target in spec.sl_targets})
        ),
        fresh_until=time.monotonic() + TTL_S,
    )
    if generation == remembered.generation:
        remembered.snapshot = snapshot
    return snapshot


async def queues(session: AsyncSession, *, active_only: bool = False) -> list[QueueSpec]:
    """Every queue (remembered for a moment), by match rank, then name."""
    specs = (await _snapshot(session)).specs
    return [spec for spec in specs if spec.active or not active_only]


async def queue_named(session: AsyncSession, name: str) -> QueueSpec | None:
    """The queue called ``name`` (remembered for a moment), or None."""
    return (await _snapshot(session)).by_name.get(name)


async def sl_thresholds(session: AsyncSession) -> tuple[int, ...]:
    """Every service-level threshold (seconds) of every queue, ascending (remembered)."""
    return (await _snapshot(session)).thresholds


def forget_after_commit(session: AsyncSession) -> None:
    """A queue changes in this transaction: this process reads them again once it commits."""
    after_commit(session, _of(session).forget)


async def forget_on_changes(bus: Bus, bind: Engine) -> None:
    """Forget the queues whenever another process (Redis) or this one says a queue changed;
    runs until cancelled."""
    subscription = bus.subscribe(events.CHANGED, remote=True)
    try:
        async for event in subscription:
            if event.payload.get("reason") == CONFIGURED:
                _of_bind(bind).forget()
    finally:
        await subscription.close()


async def seed_queues(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """Add the default queues that are missing; returns how many were added."""
    existing = set((await session.scalars(select(Queue.name))).all())
    added = 0
    for spec in DEFAULT_QUEUES:
        if spec["name"] not in existing:
            await _add(session, actor, spec, now=now)
            added += 1
    return added


async def list_queues(session: AsyncSession, *, active_only: bool = False) -> list[Queue]:
    """Queues by match rank, then name, read from the database (rows of this session)."""
    query = select(Queue)
    if active_only:
        query = query.where(Queue.active.is_(True))
    return list((await session.scalars(query.order_by(Queue.match_rank, Queue.name))).all())


async def get_queue(session: AsyncSession, name: str) -> Queue:
    """The queue called ``name``; NotFound otherwise."""
    queue = await session.get(Queue, name)
    if queue is None:
        raise NotFound(f"no queue called {name!r}")
    return queue


async def create_queue(
    session: AsyncSession, actor: Actor, spec: Mapping[str, Any], *, now: datetime
) -> Queue:
    """A new queue (409 when the name is taken)."""
    if await session.get(Queue, spec["name"]) is not None:
        raise Conflict(f"a queue called {spec['name']!r} exists; change it with PATCH")
    return await _add(session, actor, spec, now=now)


async def update_queue(
    session: AsyncSession, actor: Actor, name: str, changes: Mapping[str, Any], *, now: datetime
) -> Queue:
    """Change the given fields of a queue; waiting calls follow the new rules at once. A new
    ``title`` without ``names`` drops the names by UI language (they named it as it was)."""
    queue = await session.scalar(
        select(Queue)
        .where(Queue.name == name)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if queue is None:
        raise NotFound(f"no queue called {name!r}")
    if changes.get("title", queue.title) != queue.title and "names" not in changes:
        changes = {**changes, "names": {}}
    for field, value in changes.items():
        setattr(queue, field, value)
    queue.updated_at = now
    await audit.record(
        session, actor, "queue.update", "queue", name, {"changes": dict(changes)}, at=now
    )
    forget_after_commit(session)
    emit(session, events.CHANGED, events.QueueChanged(queue=name, call_id=None, reason=CONFIGURED))
    return queue


async def _add(
    session: AsyncSession, actor: Actor, spec: Mapping[str, Any], *, now: datetime
) -> Queue:
    values = {**spec, "active": spec.get("active", True), "rr_last": None}
    queue = Queue(**values)
    queue.created_at = queue.updated_at = now
    session.add(queue)
    await session.flush()
    await audit.record(session, actor, "queue.create", "queue", queue.name, dict(spec), at=now)
    forget_after_commit(session)
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=queue.name, call_id=None, reason=CONFIGURED),
    )
    return queue


def choose(queues: Sequence[Q], channel: str, language: str) -> Q | None:
    """The queue a call of ``channel`` in ``language`` enters (``queues`` by match rank)."""
    for queue in queues:
        speaks = not queue.languages or language in queue.languages
        if queue.active and channel in queue.channels and speaks:
            return queue
    # No queue speaks the language: the best queue of the channel, where a supervisor sees it.
    return next((q for q in queues if q.active and channel in q.channels), None)
