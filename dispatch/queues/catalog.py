"""Queues as data: the starting set, reading, adding and changing queues."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, NotFound
from dispatch.queues import events
from dispatch.queues.models import Queue
from dispatch.queues.strategies import MAX_PENALTY, Strategy

# Answered within 10 s for 90% and within 20 s for 95% of calls (NFPA 1225, NENA STA-020).
SERVICE_LEVEL = ({"seconds": 10, "percent": 90}, {"seconds": 20, "percent": 95})
# Native speakers first; after 10 s also fluent ones, after 20 s anyone who speaks it.
WIDENING = (
    {"after_s": 0, "max_penalty": 0},
    {"after_s": 10, "max_penalty": 1},
    {"after_s": 20, "max_penalty": MAX_PENALTY},
)
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
        "penalty_steps": [dict(s) for s in (WIDENING if strategy is Strategy.SKILLS else EVERYONE)],
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
    """Queues by match rank, then name."""
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
    """Change the given fields of a queue; waiting calls follow the new rules at once."""
    queue = await session.scalar(
        select(Queue)
        .where(Queue.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if queue is None:
        raise NotFound(f"no queue called {name!r}")
    for field, value in changes.items():
        setattr(queue, field, value)
    queue.updated_at = now
    await audit.record(
        session, actor, "queue.update", "queue", name, {"changes": dict(changes)}, at=now
    )
    emit(session, events.CHANGED, {"queue": name, "call_id": None, "reason": "configured"})
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
    return queue


def choose(queues: list[Queue], channel: str, language: str) -> Queue | None:
    """The queue a call of ``channel`` in ``language`` enters (``queues`` by match rank)."""
    for queue in queues:
        speaks = not queue.languages or language in queue.languages
        if queue.active and channel in queue.channels and speaks:
            return queue
    # No queue speaks the language: the best queue of the channel, where a supervisor sees it.
    return next((q for q in queues if q.active and channel in q.channels), None)
