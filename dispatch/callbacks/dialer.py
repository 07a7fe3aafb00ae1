"""The ACD side of callbacks: due tasks offered to operators, the ``originate`` dial, leases.

:func:`offer_due` runs inside the ACD's assignment pass (``dispatch.queues.assignment``), with
the waiting calls, so one ordering decides between a callback and a new call: priority first
(a task's is its incident's), then age. A task goes to the operator who took the call while
that operator is free — available, or still wrapping up that very call — and otherwise (after
``prefer_wait_s``) to any free operator the call's queue admits. Task rows and operator rows are
locked with ``SKIP LOCKED``; unique indexes (one open task per call, one dial per operator)
back this up in the database, so two workers never hand one callback out twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callbacks import tasks
from dispatch.callbacks.models import CallbackAttempt, CallbackTask
from dispatch.callbacks.states import CallbackStatus
from dispatch.callbacks.tasks import Policy
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.core.actor import Actor
from dispatch.queues import operators
from dispatch.queues.models import Operator
from dispatch.queues.states import OperatorState

S = OperatorState


async def due_tasks(session: AsyncSession, *, policy: Policy, now: datetime) -> list[CallbackTask]:
    """Pending tasks whose next attempt is due, locked (skipping those another worker holds)."""
    rows = (
        await session.scalars(
            select(CallbackTask)
            .where(CallbackTask.status == CallbackStatus.PENDING.value, CallbackTask.due_at <= now)
            .order_by(CallbackTask.priority.desc(), CallbackTask.created_at, CallbackTask.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    return [task for task in rows if policy.due(task) <= now]


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    """Whether some pending task's due time has come (a plain read, no lock)."""
    found = await session.scalar(
        select(CallbackTask.id)
        .where(CallbackTask.status == CallbackStatus.PENDING.value, CallbackTask.due_at <= now)
        .limit(1)
    )
    return found is not None


async def preferred_operator(
    session: AsyncSession, task: CallbackTask, free: list[Operator], *, policy: Policy
) -> Operator | None:
    """The operator who took the call, when free for this task (available, or wrapping it up)."""
    if not policy.prefer_same_operator or task.preferred_operator is None:
        return None
    for operator in free:
        if operator.username == task.preferred_operator:
            return operator
    return await session.scalar(
        select(Operator)
        .where(
            Operator.username == task.preferred_operator,
            Operator.state == S.WRAP_UP.value,
            Operator.call_id == task.call_id,
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def waits_for_preferred(task: CallbackTask, *, policy: Policy, now: datetime) -> bool:
    """Whether the task still keeps for its preferred (busy) operator."""
    if not policy.prefer_same_operator or task.preferred_operator is None:
        return False
    return now < policy.due(task) + timedelta(seconds=policy.prefer_wait_s)


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
    task.status = CallbackStatus.DIALING.value
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
    tasks.publish(session, task, "dialing")
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
            .with_for_update(skip_locked=True)
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
        task.status = CallbackStatus.PENDING.value
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
        tasks.publish(session, task, "lease_expired")
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
