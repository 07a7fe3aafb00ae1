"""The ACD side of callbacks: due tasks offered to operators, the ``originate`` dial, leases.

The ACD's assignment pass (``dispatch.queues.assignment``) reads the due tasks
(:func:`due_tasks`, a plain read) with the waiting calls, so one ordering decides between a
callback and a new call: priority first (a task's is its incident's), then age. A task goes to
the operator who took the call while that operator is free — available, or still wrapping up
that very call (:func:`wrapping_up_for`) — and otherwise (after ``prefer_wait_s``) to any free
operator the call's queue admits. Only the tasks it can dial now are locked
(:func:`lock_tasks`), with ``SKIP LOCKED``, as are the operators; unique indexes (one open task
per call, one dial per operator) back this up in the database, so two workers never hand one
callback out twice. :func:`timer_columns` tells the ACD worker when to wake for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    SQLColumnExpression,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callbacks import announce, lifecycle
from dispatch.callbacks.models import CallbackAttempt, CallbackTask
from dispatch.callbacks.states import CallbackStatus
from dispatch.callbacks.tasks import Policy
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.core.actor import Actor
from dispatch.core.database import UTCDateTime
from dispatch.queues import operators
from dispatch.queues.models import Operator
from dispatch.queues.states import OperatorState

S = OperatorState


# Statements are built once and bound to these instants (their SQL is then compiled once).
DUE_NOW = bindparam("callback_due_now", type_=UTCDateTime())
DUE_FIRST = bindparam("callback_due_first", type_=UTCDateTime())


def due_condition(policy: Policy) -> ColumnElement[bool]:
    """SQL: the pending task's next attempt may start (``Policy.due`` <= now; bind
    :func:`due_params`)."""
    pending = CallbackTask.status == CallbackStatus.PENDING.value
    if policy.first_delay_s <= 0:
        return and_(pending, CallbackTask.due_at <= DUE_NOW)
    return and_(
        pending,
        or_(
            and_(CallbackTask.attempts == 0, CallbackTask.due_at <= DUE_FIRST),
            and_(CallbackTask.attempts > 0, CallbackTask.due_at <= DUE_NOW),
        ),
    )


def due_params(policy: Policy, now: datetime) -> dict[str, datetime]:
    """The instants :func:`due_condition` is bound to at ``now``."""
    return {
        DUE_NOW.key: now,
        DUE_FIRST.key: now - timedelta(seconds=policy.first_delay_s),
    }


def any_due_query(policy: Policy) -> Exists:
    """SQL: some pending task's next attempt may start (bind :func:`due_params`)."""
    return exists().where(due_condition(policy))


async def any_due(session: AsyncSession, *, now: datetime, policy: Policy | None = None) -> bool:
    """Whether some pending task's next attempt may start (a plain read, no lock)."""
    policy = policy or Policy()
    found = await session.scalar(select(any_due_query(policy)), due_params(policy, now))
    return bool(found)


@dataclass(frozen=True)
class DueTask:
    """What choosing among due tasks needs, read without a lock."""

    id: uuid.UUID
    call_id: uuid.UUID
    queue: str | None
    language: str
    priority: int
    created_at: datetime
    preferred_operator: str | None
    attempts: int
    due_at: datetime


async def due_tasks(session: AsyncSession, *, policy: Policy, now: datetime) -> list[DueTask]:
    """Pending tasks whose next attempt may start, by priority then age (plain read). They
    are few: a due task is dialled as soon as an operator who may take it is free."""
    rows = await session.execute(
        select(
            CallbackTask.id,
            CallbackTask.call_id,
            CallbackTask.queue,
            CallbackTask.language,
            CallbackTask.priority,
            CallbackTask.created_at,
            CallbackTask.preferred_operator,
            CallbackTask.attempts,
            CallbackTask.due_at,
        )
        .where(due_condition(policy))
        .order_by(CallbackTask.priority.desc(), CallbackTask.created_at, CallbackTask.id),
        due_params(policy, now),
    )
    return [DueTask(*row) for row in rows.all()]


async def lock_tasks(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[CallbackTask]:
    """The tasks of ``ids`` still pending, locked (skipping those another worker holds)."""
    if not ids:
        return []
    rows = await session.scalars(
        select(CallbackTask)
        .where(CallbackTask.id.in_(list(ids)), CallbackTask.status == CallbackStatus.PENDING.value)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def wrapping_up_for(session: AsyncSession, tasks: Sequence[DueTask]) -> dict[str, Operator]:
    """Preferred operators still wrapping up their task's very call (who may dial it), locked."""
    wanted = {t.preferred_operator: t.call_id for t in tasks if t.preferred_operator is not None}
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Operator)
        .where(Operator.username.in_(list(wanted)), Operator.state == S.WRAP_UP.value)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    return {op.username: op for op in rows.all() if op.call_id == wanted[op.username]}


def waits_for_preferred(task: DueTask | CallbackTask, *, policy: Policy, now: datetime) -> bool:
    """Whether the task still keeps for its preferred (busy) operator."""
    if not policy.prefer_same_operator or task.preferred_operator is None:
        return False
    delay = policy.first_delay_s if task.attempts == 0 else 0.0
    return now < task.due_at + timedelta(seconds=delay + policy.prefer_wait_s)


Timer = tuple[SQLColumnExpression[Any], ColumnElement[bool], float | None, str | None]


def timer_columns(policy: Policy) -> list[Timer]:
    """The callback timers the ACD wakes for, as (column, condition, shift in seconds, name):
    the earliest ``column`` where ``condition`` holds, plus the shift; ``name`` is the
    condition's bound instant, to bind to now minus the shift. A shift of None is the dial
    lease (swept when due); the others say when a pending task may be dialled (or by anyone,
    not only the operator it keeps for): future instants only."""
    found: list[Timer] = [
        (CallbackTask.lease_until, CallbackTask.status == CallbackStatus.DIALING.value, None, None)
    ]
    shifts = {0.0, policy.first_delay_s}
    if policy.prefer_same_operator and policy.prefer_wait_s > 0:
        shifts |= {shift + policy.prefer_wait_s for shift in shifts}
    pending = CallbackTask.status == CallbackStatus.PENDING.value
    for n, shift in enumerate(sorted(shifts)):
        name = f"callback_after_{n}"
        later = CallbackTask.due_at > bindparam(name, type_=UTCDateTime())
        found.append((CallbackTask.due_at, and_(pending, later), shift, name))
    return found


async def start(
    session: AsyncSession,
    actor: Actor,
    task: CallbackTask,
    operator: Operator,
    *,
    policy: Policy,
    now: datetime,
) -> CallbackAttempt:
    """Dial the caller from ``operator``'s set: an open attempt, the operator on the call, and
    an ``originate`` command to the gateway."""
    dials = await session.scalar(
        select(func.count()).select_from(CallbackAttempt).where(CallbackAttempt.task_id == task.id)
    )
    attempt = CallbackAttempt(
        id=uuid.uuid4(),
        task_id=task.id,
        number=int(dials or 0) + 1,
        operator=operator.username,
        started_at=now,
    )
    session.add(attempt)
    lifecycle.move(task, CallbackStatus.DIALING)
    task.operator = operator.username
    task.lease_until = now + timedelta(seconds=policy.lease_s)
    await operators.set_state(
        session, actor, operator, S.ON_CALL, now=now, call_id=task.call_id, queue=task.queue
    )
    command = await enqueue_command(
        session,
        CommandType.ORIGINATE,
        task.call_id,
        operator.username,
        {
            "callback_id": str(task.id),
            "attempt_id": str(attempt.id),
            "attempt": task.attempts + 1,
            "number": task.number,
            "language": task.language,
            "card_id": str(task.card_id) if task.card_id else None,
        },
        now=now,
        actor=actor,
    )
    attempt.command_id = command.command_id
    await session.flush()
    await audit.record(
        session,
        actor,
        "callback.dial",
        "call",
        str(task.call_id),
        {
            "callback_id": str(task.id),
            "operator": operator.username,
            "attempt": task.attempts + 1,
            "command_id": str(command.command_id),
        },
        at=now,
    )
    announce.publish(session, task, "dialing")
    return attempt


async def expire_leases(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """Dials with no outcome by their lease's end go back to pending, due now; how many."""
    rows = (
        await session.scalars(
            select(CallbackTask)
            .where(
                CallbackTask.status == CallbackStatus.DIALING.value,
                CallbackTask.lease_until <= now,
            )
            .with_for_update(skip_locked=True, key_share=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for task in rows:
        attempt = await open_attempt(session, task.id)
        if attempt is not None:
            attempt.ended_at = now
            attempt.note = "no outcome was recorded in time; the attempt does not count"
            await hang_up(session, actor, task, attempt, reason="no outcome in time", now=now)
        dialler = task.operator
        lifecycle.move(task, CallbackStatus.PENDING)
        task.operator = None
        task.lease_until = None
        task.due_at = now
        if dialler is not None:
            await release(session, actor, task, dialler, wrap_up_s=0.0, now=now)
        await audit.record(
            session,
            actor,
            "callback.lease_expired",
            "call",
            str(task.call_id),
            {"callback_id": str(task.id), "operator": dialler},
            at=now,
        )
        announce.publish(session, task, "lease_expired")
    return len(rows)


async def hang_up(
    session: AsyncSession,
    actor: Actor,
    task: CallbackTask,
    attempt: CallbackAttempt,
    *,
    reason: str,
    now: datetime,
) -> None:
    """Tell the gateway to end a dial that will get no outcome (cancelled, or its lease ended)."""
    await enqueue_command(
        session,
        CommandType.HANGUP,
        task.call_id,
        attempt.operator,
        {
            "callback_id": str(task.id),
            "attempt_id": str(attempt.id),
            "originate_command_id": str(attempt.command_id) if attempt.command_id else None,
            "reason": reason,
        },
        now=now,
        actor=actor,
    )


async def open_attempt(session: AsyncSession, task_id: uuid.UUID) -> CallbackAttempt | None:
    """The task's dial that has not ended yet, if any."""
    return await session.scalar(
        select(CallbackAttempt).where(
            CallbackAttempt.task_id == task_id, CallbackAttempt.ended_at.is_(None)
        )
    )


async def release(
    session: AsyncSession,
    actor: Actor,
    task: CallbackTask,
    username: str,
    *,
    wrap_up_s: float,
    now: datetime,
) -> None:
    """The dialling operator is done with the callback: wrap-up, or available at once."""
    operator = await operators.locked(session, username, now=now)
    if operator.state == S.ON_CALL and operator.call_id == task.call_id:
        await operators.release(session, actor, operator, now=now, wrap_up_s=wrap_up_s)
