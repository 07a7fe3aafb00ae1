"""Callback tasks: made when a call drops or is abandoned (or by an operator), listed in the
order operators get them, settled by attempts.

Lock order (after the ACD's, see ``dispatch.queues.offers``): the call → its queue entry → the
offer → the callback task → the operator → the card. Every change is audited and published
as ``callback.changed`` (task_id, call_id, card_id, status, operator, attempts, change).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import CallbackOutcome
from dispatch.audit import service as audit
from dispatch.callbacks import lifecycle
from dispatch.callbacks.announce import publish
from dispatch.callbacks.models import CallbackAttempt, CallbackJoin, CallbackTask
from dispatch.callbacks.states import (
    MAX_ATTEMPTS,
    OPEN,
    CallbackStatus,
    Origin,
    after_attempt,
    rank,
)
from dispatch.calls import service as calls
from dispatch.calls.lifecycle import FINAL, CallStatus
from dispatch.cards import store as card_store
from dispatch.core.actor import SYSTEM, Actor
from dispatch.core.logging import get_logger
from dispatch.core.settings import Settings
from dispatch.errors import Conflict, Invalid, NotFound, said

if TYPE_CHECKING:  # the rows the ACD's follower hands in and cards.store returns, read only
    from dispatch.calls.models import Call
    from dispatch.cards.models import CardRow

log = get_logger(__name__)
# Channels a callback can dial; text conversations are answered in the conversation itself.
DIALLABLE = frozenset({"voice", "video"})
DROPS = {CallStatus.DROPPED: Origin.DROPPED, CallStatus.ABANDONED: Origin.ABANDONED}


@dataclass(frozen=True)
class Policy:
    """How soon, how often and to whom callbacks are offered (``DISPATCH_CALLBACK_*``)."""

    first_delay_s: float = 0.0
    spacing_s: float = 60.0
    prefer_same_operator: bool = True
    prefer_wait_s: float = 0.0
    lease_s: float = 900.0
    target_s: float = 10.0
    unclassified_after_calls: bool = False
    # The centre is in surge (``queues.surge``): unclassified callbacks go behind every call
    # and are never dialled by an operator who could take a waiting call.
    surge: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        """The policy the server's settings give."""
        return cls(
            first_delay_s=settings.callback_first_delay_s,
            spacing_s=settings.callback_spacing_s,
            prefer_same_operator=settings.callback_prefer_same_operator,
            prefer_wait_s=settings.callback_prefer_wait_s,
            lease_s=settings.callback_lease_s,
            target_s=settings.callback_target_s,
            unclassified_after_calls=settings.callback_unclassified_after_calls,
        )

    def due(self, task: CallbackTask) -> datetime:
        """When the task's next attempt may start (the first one waits ``first_delay_s``)."""
        delay = self.first_delay_s if task.attempts == 0 else 0.0
        return task.due_at + timedelta(seconds=delay)


async def on_call_ended(
    session: AsyncSession,
    actor: Actor,
    call: Call,
    *,
    operator: str | None,
    queue: str | None,
    now: datetime,
) -> CallbackTask | None:
    """A dropped or abandoned call gets a task due now (run by the flows' follower after the
    ACD's, the call row locked); when its number already has an open task, the call joins that
    one instead."""
    origin = DROPS.get(CallStatus(call.status))
    if origin is None:
        return None
    if call.channel not in DIALLABLE or not call.caller_number:
        log.info("callback.not_diallable", call_id=str(call.id), channel=call.channel)
        return None
    if await open_task_of(session, call.id) is not None:
        return None
    card = await card_of_call(session, call.id, share=True)  # before any task is locked
    joined = await _join(session, actor, call, card, origin, now=now)
    if joined is not None:
        return joined
    attempts = await attempts_of_call(session, call.id)
    if attempts >= MAX_ATTEMPTS:
        return None
    reason = "the call dropped" if origin is Origin.DROPPED else "the caller hung up waiting"
    try:
        async with session.begin_nested():
            return await _create(
                session,
                actor,
                call,
                card,
                origin,
                reason,
                preferred=operator,
                queue=queue,
                attempts=attempts,
                now=now,
            )
    except IntegrityError:
        # Another process made the number's task a moment ago: join it.
        return await _join(session, actor, call, card, origin, now=now)


async def open_task_for_number(
    session: AsyncSession, number: str, *, lock: bool = False
) -> CallbackTask | None:
    """The number's pending or dialing task, if any (at most one: the database says so)."""
    query = select(CallbackTask).where(CallbackTask.number == number, CallbackTask.status.in_(OPEN))
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return await session.scalar(query)


async def _join(
    session: AsyncSession,
    actor: Actor,
    call: Call,
    card: CardRow | None,
    origin: Origin,
    *,
    now: datetime,
) -> CallbackTask | None:
    """Add ``call`` (its card ``card``) to its number's open task (one task rings one caller);
    None when the number has none."""
    assert call.caller_number is not None
    task = await open_task_for_number(session, call.caller_number, lock=True)
    if task is None or task.call_id == call.id:
        return task
    session.add(CallbackJoin(task_id=task.id, call_id=call.id, origin=origin.value, joined_at=now))
    if card is not None:
        task.priority = max(task.priority, rank(card.priority))
        if task.card_id is None:
            task.card_id = card.id
    await audit.record(
        session,
        actor,
        "callback.joined",
        "call",
        str(call.id),
        {"callback_id": str(task.id), "origin": origin.value, "first_call_id": str(task.call_id)},
        at=now,
    )
    publish(session, task, "joined")
    return task


async def joins_of(
    session: AsyncSession, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CallbackJoin]]:
    """The calls that joined each task, in the order they joined."""
    order = (CallbackJoin.joined_at, CallbackJoin.call_id)
    return await _per_task(session, CallbackJoin, task_ids, order)


async def on_call_answered(session: AsyncSession, call: Call, *, now: datetime) -> int:
    """The caller rang again and an operator answered: their pending callbacks are settled
    (cancelled, naming the new call), so nobody dials a caller already being served."""
    if not call.caller_number:
        return 0
    rows = (
        await session.scalars(
            select(CallbackTask)
            .where(
                CallbackTask.status == CallbackStatus.PENDING.value,
                CallbackTask.number == call.caller_number,
                CallbackTask.call_id != call.id,
            )
            .with_for_update(skip_locked=True, key_share=True)
        )
    ).all()
    for task in rows:
        close(task, CallbackStatus.CANCELLED, SYSTEM, now=now)
        task.card_note = f"the caller rang again and was answered (call {call.id})"
        task.card_note_said = said("callback_caller_rang_again", call_id=str(call.id)).stored()
        await audit.record(
            session,
            SYSTEM,
            "callback.settled_by_new_call",
            "call",
            str(task.call_id),
            {"callback_id": str(task.id), "new_call_id": str(call.id)},
            at=now,
        )
        publish(session, task, "caller_rang_again")
    return len(rows)


async def request(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, reason: str, *, now: datetime
) -> CallbackTask:
    """An operator asks to call an ended call back (409 while open, called thrice or no number)."""
    call = await calls.lock_call(session, call_id)
    if CallStatus(call.status) not in FINAL:
        raise Conflict(f"the call is still {call.status}; ask for a callback once it has ended")
    if call.channel not in DIALLABLE or not call.caller_number:
        raise Conflict(
            f"this {call.channel} call has no number to call back; answer in its conversation"
        )
    waiting = await open_task_of(session, call_id)
    if waiting is not None:
        raise Conflict(f"callback {waiting.id} of this call is already {waiting.status}")
    same_number = await open_task_for_number(session, call.caller_number)
    if same_number is not None:
        raise Conflict(
            f"callback {same_number.id} to {call.caller_number} is already {same_number.status}; "
            "one callback rings one caller"
        )
    made = await attempts_of_call(session, call_id)
    if made >= MAX_ATTEMPTS:
        raise Conflict(f"this caller was already called back {made} times (at most {MAX_ATTEMPTS})")
    text = reason.strip()
    if not text:
        raise Invalid("reason: say why the caller is called back")
    preferred = actor.username if actor.role in ("operator", "supervisor") else call.operator
    card = await card_of_call(session, call_id, share=True)
    return await _create(
        session,
        actor,
        call,
        card,
        Origin.OPERATOR,
        text,
        preferred=preferred,
        queue=call.queue,
        attempts=made,
        now=now,
    )


async def _create(
    session: AsyncSession,
    actor: Actor,
    call: Call,
    card: CardRow | None,
    origin: Origin,
    reason: str,
    *,
    preferred: str | None,
    queue: str | None,
    attempts: int,
    now: datetime,
) -> CallbackTask:
    """A new task of ``call`` (``attempts``: its earlier tasks' attempts with an outcome)."""
    assert call.caller_number is not None
    task = CallbackTask(
        id=uuid.uuid4(),
        call_id=call.id,
        card_id=card.id if card is not None else None,
        origin=origin.value,
        reason=reason,
        number=call.caller_number,
        language=call.language,
        queue=queue,
        status=CallbackStatus.PENDING.value,
        priority=rank(card.priority if card is not None else None),
        created_at=now,
        created_by=actor.username,
        due_at=now,
        preferred_operator=preferred,
        attempts=attempts,
    )
    session.add(task)
    await session.flush()
    await audit.record(
        session,
        actor,
        "callback.create",
        "call",
        str(call.id),
        {"callback_id": str(task.id), "origin": origin.value, "reason": reason},
        at=now,
    )
    publish(session, task, "created")
    return task


async def open_task_of(session: AsyncSession, call_id: uuid.UUID) -> CallbackTask | None:
    """The call's pending or dialing task, if any."""
    return await session.scalar(
        select(CallbackTask).where(CallbackTask.call_id == call_id, CallbackTask.status.in_(OPEN))
    )


async def attempts_of_call(session: AsyncSession, call_id: uuid.UUID) -> int:
    """Attempts with an outcome over all of the call's tasks (the card holds at most three)."""
    counted = await session.scalar(
        select(func.count())
        .select_from(CallbackAttempt)
        .join(CallbackTask, CallbackTask.id == CallbackAttempt.task_id)
        .where(CallbackTask.call_id == call_id, CallbackAttempt.outcome.is_not(None))
    )
    return int(counted or 0)


async def card_of_call(
    session: AsyncSession, call_id: uuid.UUID, *, share: bool = False
) -> CardRow | None:
    """The call's card, if one was made. With ``share``, as a task is made or joined: the
    call's card-making held first (``cards.store.hold_call``), then the card read under a share
    lock, before any task is locked (the order: the call, its card-making, its card, the
    task). The task takes the card's priority: a card made or saved in flight commits first and
    is read here, and one made or saved later waits for this transaction, so that its follower
    (``announce``) finds the task. Without them each could miss the other — the task made
    unclassified while its card said priority 1, and dialled minutes late in a surge
    (BENCHMARKS.md, "A surge")."""
    if share:
        await card_store.hold_call(session, call_id)
    return await card_store.of_call(session, call_id, share=share)


async def get_task(
    session: AsyncSession, task_id: uuid.UUID, *, lock: bool = False
) -> CallbackTask:
    """The task (locked when ``lock``); NotFound otherwise."""
    query = select(CallbackTask).where(CallbackTask.id == task_id)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    task = await session.scalar(query)
    if task is None:
        raise NotFound(f"no callback with id {task_id}")
    return task


async def attempts_of(
    session: AsyncSession, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CallbackAttempt]]:
    """Each task's attempts in dialling order."""
    order = (CallbackAttempt.task_id, CallbackAttempt.number)
    return await _per_task(session, CallbackAttempt, task_ids, order)


Row = TypeVar("Row", CallbackAttempt, CallbackJoin)


async def _per_task(
    session: AsyncSession,
    model: type[Row],
    task_ids: Sequence[uuid.UUID],
    order: tuple[Any, ...],
) -> dict[uuid.UUID, list[Row]]:
    """Rows of ``model`` per task (every task present, maybe with none), in ``order``."""
    found: dict[uuid.UUID, list[Row]] = {task_id: [] for task_id in task_ids}
    if not task_ids:
        return found
    rows = await session.scalars(
        select(model).where(model.task_id.in_(list(task_ids))).order_by(*order)
    )
    for row in rows.all():
        found[row.task_id].append(row)
    return found


def offering_order(
    tasks: Sequence[CallbackTask], policy: Policy, now: datetime
) -> list[CallbackTask]:
    """Pending tasks as operators will get them: due ones by priority then age, then the rest
    by when they fall due."""
    due = [t for t in tasks if policy.due(t) <= now]
    later = [t for t in tasks if policy.due(t) > now]
    due.sort(key=lambda t: (-t.priority, t.created_at, t.id))
    later.sort(key=lambda t: (policy.due(t), -t.priority, t.created_at, t.id))
    return due + later


async def list_tasks(
    session: AsyncSession,
    *,
    status: CallbackStatus | None,
    open_only: bool,
    operator: str | None,
    policy: Policy,
    now: datetime,
    limit: int,
    offset: int,
) -> tuple[list[CallbackTask], int]:
    """A page of tasks: pending ones in offering order, others newest first."""
    query = select(CallbackTask)
    if status is not None:
        query = query.where(CallbackTask.status == status.value)
    elif open_only:
        query = query.where(CallbackTask.status.in_(OPEN))
    if operator is not None:
        query = query.where(CallbackTask.operator == operator)
    if status is CallbackStatus.PENDING:
        rows = offering_order(list((await session.scalars(query)).all()), policy, now)
        return rows[offset : offset + limit], len(rows)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows_page = await session.scalars(
        query.order_by(CallbackTask.created_at.desc(), CallbackTask.id).offset(offset).limit(limit)
    )
    return list(rows_page.all()), int(total or 0)


async def pending_positions(
    session: AsyncSession, policy: Policy, now: datetime
) -> dict[uuid.UUID, int]:
    """Each pending task's place (1 = next) in the offering order."""
    rows = (
        await session.scalars(
            select(CallbackTask).where(CallbackTask.status == CallbackStatus.PENDING.value)
        )
    ).all()
    return {task.id: n for n, task in enumerate(offering_order(list(rows), policy, now), 1)}


def close(task: CallbackTask, status: CallbackStatus, actor: Actor, *, now: datetime) -> None:
    """Settle the task."""
    lifecycle.move(task, status)
    task.operator = None
    task.lease_until = None
    task.closed_at = now
    task.closed_by = actor.username


def next_status(task: CallbackTask, outcome: CallbackOutcome) -> CallbackStatus:
    """What the task becomes after one more attempt with ``outcome``."""
    return after_attempt(outcome, task.attempts)
