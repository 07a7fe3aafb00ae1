"""What an ACD tick can offer now, and nothing more: the free operators, the first waiting calls
of each queue that they could take, and the due callbacks they may dial — locked, the rest
of the waiting calls untouched.

A queue's calls are read in offering order (priority, then age) from an index, as many as
there are free operators who have the queue's skills: any of them can take any of those calls,
so reading further could not lead to another offer. A queue whose skills depend on the caller's
language (``lang:{call}``, such as ``voice-other``) is read per language that a free operator
speaks: a call in a language nobody free speaks never stands in front of one that somebody
free could take. Calls a supervisor moved to one operator are read for that operator only.

Operators and calls are read as plain rows (``FreeOperator``, ``WaitingCall``), not ORM
objects, straight from the session's connection: a tick changes the few it offers with single
statements (``offers.make``), and has no ORM change pending when it reads them.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    BindParameter,
    Executable,
    Integer,
    Select,
    any_,
    bindparam,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callbacks.models import CallbackTask
from dispatch.callbacks.tasks import Policy
from dispatch.core.database import UTCDateTime
from dispatch.queues import dialer, plain
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.dialer import DueTask
from dispatch.queues.models import OFFER_ORDER, Operator, QueueEntry
from dispatch.queues.states import EntryStatus, OperatorState
from dispatch.queues.strategies import CALL_LANGUAGE, penalty, required_skills

# A queue's calls, or (for a queue whose skills depend on the caller's language) those in one
# language: every free operator who may take one of them may take any.
Group = tuple[str, str | None]
LANGUAGE_PREFIX = "lang:"


class OperatorLike(Protocol):
    """What choosing an operator reads: a free operator's row or an operator object."""

    @property
    def username(self) -> str: ...

    @property
    def skills(self) -> dict[str, int]: ...

    @property
    def queues(self) -> list[str] | None: ...

    @property
    def idle_since(self) -> datetime | None: ...

    @property
    def state_since(self) -> datetime: ...

    @property
    def calls_taken(self) -> int: ...

    @property
    def talk_seconds(self) -> float: ...


@dataclass(frozen=True, slots=True)
class FreeOperator:
    """An available operator as a tick reads them (a locked row, not an ORM object)."""

    username: str
    skills: dict[str, int]
    queues: list[str] | None
    idle_since: datetime | None
    state_since: datetime
    calls_taken: int
    talk_seconds: float


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A waiting call as a tick reads it (a locked row, not an ORM object)."""

    id: int
    call_id: uuid.UUID
    queue: str
    status: str
    priority: int
    channel: str
    language: str
    entered_at: datetime
    target_operator: str | None


_REST_ENDED = bindparam("heads_now", type_=UTCDateTime())
_FREE = (
    select(
        Operator.username,
        Operator.skills,
        Operator.queues,
        Operator.idle_since,
        Operator.state_since,
        Operator.calls_taken,
        Operator.talk_seconds,
    )
    .where(
        Operator.state == OperatorState.AVAILABLE.value,
        or_(Operator.offer_not_before.is_(None), Operator.offer_not_before <= _REST_ENDED),
    )
    .order_by(Operator.username)
    .with_for_update(skip_locked=True, key_share=True)
)
_WAITING_COLUMNS = (
    QueueEntry.id,
    QueueEntry.call_id,
    QueueEntry.queue,
    QueueEntry.status,
    QueueEntry.priority,
    QueueEntry.channel,
    QueueEntry.language,
    QueueEntry.entered_at,
    QueueEntry.target_operator,
)


async def free_operators(session: AsyncSession, *, now: datetime) -> list[FreeOperator]:
    """Available operators who may be offered a call now (not resting after a decline or a
    ring-out), locked; those another worker holds are skipped."""
    rows = await (await plain.connection(session)).execute(_FREE, {_REST_ENDED.key: now})
    return [FreeOperator(*row) for row in rows.all()]


def serves(queue: QueueSpec, operator: OperatorLike) -> bool:
    """Whether the operator takes this queue's calls at all (their queues, if limited)."""
    return operator.queues is None or queue.name in operator.queues


def group_of(queue: QueueSpec, language: str) -> Group:
    """The group of a call in ``language`` waiting in ``queue``."""
    return (queue.name, language if CALL_LANGUAGE in queue.required_skills else None)


def capacity(queues: Iterable[QueueSpec], free: Sequence[OperatorLike]) -> Counter[Group]:
    """How many free operators could take a call of each group."""
    counts: Counter[Group] = Counter()
    for queue in queues:
        by_language = CALL_LANGUAGE in queue.required_skills
        for operator in free:
            if not serves(queue, operator):
                continue
            if not by_language:
                if penalty(operator.skills, queue.required_skills) is not None:
                    counts[(queue.name, None)] += 1
                continue
            for key in operator.skills:
                if not key.startswith(LANGUAGE_PREFIX):
                    continue
                language = key[len(LANGUAGE_PREFIX) :]
                needed = required_skills(queue.required_skills, language)
                if penalty(operator.skills, needed) is not None:
                    counts[(queue.name, language)] += 1
    return counts


async def waiting_groups(session: AsyncSession) -> list[Group]:
    """The queues and languages of the calls waiting now (each once), calls moved to one
    operator left out: what a surge keeps operators for (``assignment._barred``)."""
    rows = await session.execute(
        select(QueueEntry.queue, QueueEntry.language)
        .where(QueueEntry.status == EntryStatus.WAITING.value, QueueEntry.target_operator.is_(None))
        .distinct()
    )
    return [(str(queue), language) for queue, language in rows.all()]


async def waiting_heads(
    session: AsyncSession, room: Mapping[Group, int], free: Sequence[str]
) -> list[WaitingCall]:
    """The first waiting calls of each group (as many as ``room`` says) and the calls moved to
    one of the ``free`` operators, locked; those another worker holds are skipped."""
    groups = tuple(sorted((group for group, count in room.items() if count > 0), key=str))
    if not groups and not free:
        return []
    params: dict[str, object] = {f"heads_{n}": room[group] for n, group in enumerate(groups)}
    if free:
        params["heads_free"] = list(free)
    dialect = session.get_bind().dialect.name
    connection = await plain.connection(session)
    rows = await connection.execute(_heads(groups, bool(free), dialect), params)
    # Checked once locked: another worker may have offered one meanwhile.
    calls = [WaitingCall(*row) for row in rows.all()]
    return [call for call in calls if call.status == EntryStatus.WAITING.value]


@functools.lru_cache(maxsize=256)
def _heads(groups: tuple[Group, ...], targets: bool, dialect: str) -> Executable:
    """The statement of :func:`waiting_heads` for these groups, built once (its SQL is then
    compiled once); the limits and the free operators' names are bound."""
    waiting = QueueEntry.status == EntryStatus.WAITING.value
    parts: list[Select[int]] = []
    for n, (queue, language) in enumerate(groups):
        part = select(QueueEntry.id).where(
            waiting, QueueEntry.queue == queue, QueueEntry.target_operator.is_(None)
        )
        if language is not None:
            part = part.where(QueueEntry.language == language)
        parts.append(part.order_by(*OFFER_ORDER).limit(bindparam(f"heads_{n}", type_=Integer)))
    if targets:
        free: BindParameter[list[str]] = bindparam("heads_free", expanding=True)
        parts.append(select(QueueEntry.id).where(QueueEntry.target_operator.in_(free), waiting))
    if len(parts) == 1:
        ids: Select[int] = parts[0]
    else:
        # Each part keeps its own order and limit inside a subquery (SQLite needs that too).
        subqueries = [part.subquery() for part in parts]
        ids = select(union_all(*(select(sub.c.id) for sub in subqueries)).subquery().c.id)
    # One statement: the ids are chosen without a lock, then those rows are locked by their key.
    # PostgreSQL is told to read the ids first (an array): with ``IN (...)``, or with another
    # condition beside it, it may walk every waiting call instead.
    chosen = (
        QueueEntry.id == any_(func.array(ids.scalar_subquery()))
        if dialect == "postgresql"
        else QueueEntry.id.in_(ids)
    )
    return select(*_WAITING_COLUMNS).where(chosen).with_for_update(skip_locked=True, key_share=True)


async def due_callbacks(
    session: AsyncSession,
    queues: Mapping[str, QueueSpec],
    free: Sequence[OperatorLike],
    room: Mapping[Group, int],
    *,
    policy: Policy,
    now: datetime,
) -> tuple[list[CallbackTask], dict[str, Operator]]:
    """The due callback tasks a free operator may dial now (at most as many per group as
    ``room`` says), locked, and the preferred operators wrapping up their task's own call."""
    due = await dialer.due_tasks(session, policy=policy, now=now)
    if not due:
        return [], {}
    names = {op.username for op in free}
    prefer = policy.prefer_same_operator
    wrapping = (
        await dialer.wrapping_up_for(
            session, [t for t in due if t.preferred_operator and t.preferred_operator not in names]
        )
        if prefer
        else {}
    )
    left = Counter(room)
    anyone = len(free)
    chosen: list[DueTask] = []
    for task in due:
        own = task.preferred_operator if prefer else None
        if own is not None and (own in names or own in wrapping):
            chosen.append(task)
            continue
        if not free or dialer.waits_for_preferred(task, policy=policy, now=now):
            continue
        queue = queues.get(task.queue or "")
        if queue is None:
            if anyone > 0:  # no queue: any free operator
                anyone -= 1
                chosen.append(task)
            continue
        group = group_of(queue, task.language)
        if left[group] > 0:
            left[group] -= 1
            chosen.append(task)
    return await dialer.lock_tasks(session, [task.id for task in chosen]), wrapping
