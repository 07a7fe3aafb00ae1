"""What operators (and supervisors, and gateways reporting a dial) do with a callback task:
take it, record an attempt's outcome, cancel it.

An attempt's outcome goes on the card (a new version, ``card.callback``), which sends it again
to every service the card is routed to. When the caller is reached the card passes to the
operator who reached them, who updates it (each update is sent again) and may route it to
more services. When the caller stays unreachable the task goes to the supervisors (an
escalation) and the card still goes to the services its incident suggests when its location is
known.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import CallbackOutcome
from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.callbacks import announce, tasks
from dispatch.callbacks import lifecycle as callback_lifecycle
from dispatch.callbacks.models import CallbackAttempt, CallbackTask
from dispatch.callbacks.schemas import AttemptIn
from dispatch.callbacks.states import MAX_ATTEMPTS, OPEN, CallbackStatus, rank
from dispatch.callbacks.tasks import Policy
from dispatch.cards import callbacks as card_callbacks
from dispatch.cards import consistency, lifecycle, store
from dispatch.cards.routing import Classifier
from dispatch.core.actor import SYSTEM, Actor
from dispatch.errors import Conflict, DomainError, Invalid, Said, said, sentence
from dispatch.escalations import service as escalations
from dispatch.escalations.schemas import EscalationCreate, EscalationKind
from dispatch.queues import catalog, dialer, operators
from dispatch.queues.states import OperatorState

S = OperatorState
MAX_CLOCK_SKEW = timedelta(minutes=5)


async def take(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, *, policy: Policy, now: datetime
) -> CallbackAttempt:
    """An operator takes a pending task from the list and dials it now (409 if taken)."""
    task = await tasks.get_task(session, task_id, lock=True)
    if task.status == CallbackStatus.DIALING:
        raise Conflict(
            f"callback {task_id} is being dialled by {task.operator}",
            said=said("callback_being_dialled", by=task.operator),
        )
    if task.status != CallbackStatus.PENDING:
        raise Conflict(
            f"callback {task_id} is {task.status}; there is nothing left to dial",
            said=said("callback_closed", status=task.status),
        )
    operator = await operators.locked(session, actor.username, now=now)
    free = S(operator.state) is S.AVAILABLE or (
        S(operator.state) is S.WRAP_UP and operator.call_id == task.call_id
    )
    if not free:
        raise Conflict(f"{actor.username} is {operator.state}; take a callback when available")
    return await dialer.start(session, actor, task, operator, policy=policy, now=now)


async def record(
    session: AsyncSession,
    actor: Actor,
    task_id: uuid.UUID,
    data: AttemptIn,
    *,
    policy: Policy,
    classifier: Classifier,
    now: datetime,
) -> CallbackAttempt:
    """Record one attempt's outcome (201); a fourth attempt, or one on a closed task, is a 409."""
    task = await tasks.get_task(session, task_id, lock=True)
    if data.attempt_id is not None:
        await _check_not_recorded(session, task, data.attempt_id)
    if task.status not in OPEN:
        raise Conflict(
            f"callback {task_id} is already {task.status} after {task.attempts} attempt(s); "
            "no more attempts can be recorded"
        )
    if task.attempts >= MAX_ATTEMPTS:  # pragma: no cover - the task closes at the third
        raise Conflict(f"the caller was already called back {MAX_ATTEMPTS} times")
    attempt = await _attempt_for(session, actor, task, data, now=now)
    started = data.started_at or attempt.started_at
    ended = data.ended_at or now
    if started > ended:
        raise Invalid("started_at: the attempt cannot start after it ended")
    if ended > now + MAX_CLOCK_SKEW:
        raise Invalid(f"ended_at: {ended.isoformat()} is in the future")
    attempt.started_at, attempt.ended_at = started, ended
    attempt.outcome = data.outcome.value
    attempt.note = data.note
    task.attempts += 1
    status = tasks.next_status(task, data.outcome)
    dialler = task.operator
    if status is CallbackStatus.PENDING:
        callback_lifecycle.move(task, status)
        task.operator = task.lease_until = None
        task.due_at = now + timedelta(seconds=policy.spacing_s)
        task.preferred_operator = attempt.operator
    else:
        tasks.close(task, status, actor, now=now)
    if dialler is not None:
        wrap = await _wrap_up_s(session, task) if status is CallbackStatus.REACHED else 0.0
        await dialer.release(session, actor, task, dialler, wrap_up_s=wrap, now=now)
    await _on_card(
        session, actor, task, attempt, data.outcome, status, classifier=classifier, now=now
    )
    await audit.record(
        session,
        actor,
        "callback.attempt",
        "call",
        str(task.call_id),
        {
            "callback_id": str(task.id),
            "attempt": task.attempts,
            "outcome": attempt.outcome,
            "operator": attempt.operator,
            "status": task.status,
        },
        at=now,
    )
    if status is CallbackStatus.UNREACHABLE:
        await _escalate(session, actor, task, now=now)
    announce.publish(session, task, "attempt")
    return attempt


async def _check_not_recorded(
    session: AsyncSession, task: CallbackTask, attempt_id: uuid.UUID
) -> None:
    """A named dial must be this task's and still open (a retried post is not a new attempt)."""
    named = await session.get(CallbackAttempt, attempt_id)
    if named is None or named.task_id != task.id:
        raise Invalid(f"attempt_id: no dial {attempt_id} of callback {task.id}")
    if named.outcome is not None or named.ended_at is not None:
        raise Conflict(
            f"the outcome of dial {attempt_id} was already recorded ({named.outcome or 'none'}); "
            "it is not counted twice"
        )


async def _attempt_for(
    session: AsyncSession, actor: Actor, task: CallbackTask, data: AttemptIn, *, now: datetime
) -> CallbackAttempt:
    """The open dial (by its operator), or a new attempt dialled outside the ACD."""
    if task.status == CallbackStatus.DIALING:
        if actor.role == Role.OPERATOR and actor.username != task.operator:
            raise Conflict(f"callback {task.id} is being dialled by {task.operator}")
        attempt = await dialer.open_attempt(session, task.id)
        if attempt is not None:
            return attempt
    dials = await session.scalar(
        select(func.count()).select_from(CallbackAttempt).where(CallbackAttempt.task_id == task.id)
    )
    who = actor.username if actor.role in (Role.OPERATOR, Role.SUPERVISOR) else None
    attempt = CallbackAttempt(
        id=uuid.uuid4(),
        task_id=task.id,
        number=int(dials or 0) + 1,
        operator=who or task.operator or task.preferred_operator or actor.username,
        started_at=data.started_at or now,
    )
    session.add(attempt)
    return attempt


async def cancel(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, reason: str, *, now: datetime
) -> CallbackTask:
    """A supervisor closes an open task (the dialling operator, if any, is freed)."""
    task = await tasks.get_task(session, task_id, lock=True)
    if task.status not in OPEN:
        raise Conflict(
            f"callback {task_id} is already {task.status}",
            said=said("callback_closed", status=task.status),
        )
    attempt = await dialer.open_attempt(session, task.id)
    if attempt is not None:
        attempt.ended_at = now
        attempt.note = f"cancelled by {actor.username}"
        await dialer.hang_up(session, actor, task, attempt, reason="cancelled", now=now)
    dialler = task.operator
    tasks.close(task, CallbackStatus.CANCELLED, actor, now=now)
    if dialler is not None:
        await dialer.release(session, actor, task, dialler, wrap_up_s=0.0, now=now)
    await audit.record(
        session,
        actor,
        "callback.cancel",
        "call",
        str(task.call_id),
        {"callback_id": str(task.id), "reason": reason.strip()},
        at=now,
    )
    announce.publish(session, task, "cancelled")
    return task


async def _wrap_up_s(session: AsyncSession, task: CallbackTask) -> float:
    queue = await catalog.queue_named(session, task.queue) if task.queue else None
    return float(queue.wrap_up_s) if queue is not None else 0.0


async def _on_card(
    session: AsyncSession,
    actor: Actor,
    task: CallbackTask,
    attempt: CallbackAttempt,
    outcome: CallbackOutcome,
    status: CallbackStatus,
    *,
    classifier: Classifier,
    now: datetime,
) -> None:
    """Put the attempt on the card (sent again to its services); route it if unreachable. A
    caller reached whose call had no card gets one."""
    row = await tasks.card_of_call(session, task.call_id)
    if row is None and status is CallbackStatus.REACHED:
        row = await card_callbacks.card_for_reached_caller(
            session, actor, task.call_id, classifier=classifier, now=now
        )
        _note(
            task,
            f"card {row.number} opened for the reached caller",
            said("callback_card_opened", card=row.number),
        )
    if row is None:
        _note(task, "the call has no card", said("callback_no_card"))
        return
    task.card_id = row.id
    task.priority = rank(row.priority)
    try:
        row = await card_callbacks.record_callback_attempt(
            session,
            actor,
            row.id,
            callback_id=task.id,
            at=attempt.started_at,
            outcome=outcome,
            operator_id=attempt.operator,
            reached=status is CallbackStatus.REACHED,
            now=now,
        )
    except card_callbacks.CallbackNotOnCard as exc:
        _note(task, exc.message, exc.said)
        return
    if status is CallbackStatus.UNREACHABLE:
        _note(task, *await _route_unreachable(session, row.id, classifier=classifier, now=now))


def _note(task: CallbackTask, text: str, spoken: Said | None) -> None:
    """What happened to the card, in English and as the sentence the consoles translate."""
    task.card_note = text
    task.card_note_said = spoken.stored() if spoken else None


async def _route_unreachable(
    session: AsyncSession, card_id: uuid.UUID, *, classifier: Classifier, now: datetime
) -> tuple[str, Said]:
    """The card goes to the services when its location is known, the caller unreachable or not."""
    card = store.to_card(await store.load(session, card_id))
    if card.services:
        services = [s.code for s in card.services]
        return (
            f"card {card.number} is with {', '.join(services)}",
            said("callback_card_with", card=card.number, services=services),
        )
    where = card.location
    if where.lat is None and where.district is None and not where.address:
        return (
            f"card {card.number} not routed: its location is not known",
            said("callback_card_no_location", card=card.number),
        )
    try:
        # No person is there to weigh the card's warnings, and an unreachable caller at a
        # known place gets help anyway: the system accepts them, and the version says which.
        row = await lifecycle.route_card(
            session,
            SYSTEM,
            card_id,
            None,
            classifier=classifier,
            expected_version=None,
            now=now,
            acknowledge=consistency.ALL_WARNINGS,
        )
    except DomainError as exc:
        return (
            f"card {card.number} not routed: {exc}",
            said("callback_card_not_routed", card=card.number, why=sentence(exc.message, exc.said)),
        )
    services = [s.code for s in store.to_card(row).services]
    return (
        f"card {card.number} routed to {', '.join(services)}",
        said("callback_card_routed", card=card.number, services=services),
    )


async def _escalate(
    session: AsyncSession, actor: Actor, task: CallbackTask, *, now: datetime
) -> None:
    """Put the unreachable caller in front of a supervisor (unless an escalation waits)."""
    reason = f"caller {task.number} unreachable after {task.attempts} callback attempt(s)" + (
        f"; {task.card_note}" if task.card_note else ""
    )
    spoken = said(
        "callback_unreachable",
        number=task.number,
        count=task.attempts,
        note=sentence(task.card_note, task.card_note_said) if task.card_note else None,
    )
    # The call may already wait for a supervisor; the task is listed as unreachable anyway.
    with contextlib.suppress(Conflict):
        await escalations.escalate(
            session,
            actor,
            task.call_id,
            EscalationCreate(
                reason=reason, kind=EscalationKind.CALLBACK_UNREACHABLE, card_id=task.card_id
            ),
            now=now,
            reason_said=spoken,
        )
