"""The ACD engine: timers (offer expiry, wrap-up end, lost consoles, callback leases) and
handing out calls and callbacks (``dispatch.callbacks.dialer``).

Every timer is a timestamp in a row (``expires_at``, ``wrap_up_until``, ``last_heartbeat_at``)
compared with ``runtime.clock``, so a restart loses none. :func:`assign_once` is one tick; the
worker runs it in a loop, tests with a ManualClock call it directly.

Atomic across processes: an assignment locks the waiting entries and the available operators it
considers with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so a second process skips them instead
of handing them out again; SQLite has one writer at a time (``BEGIN IMMEDIATE``). Unique
partial indexes (one active offer per call, one per operator) back this up in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callbacks import dialer
from dispatch.callbacks.models import CallbackTask
from dispatch.callbacks.tasks import Policy
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import emit
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.queues import catalog, events, offers, operators, queue_log, strategies
from dispatch.queues.models import Offer, Operator, Queue, QueueEntry
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState, QueueEvent
from dispatch.queues.strategies import Candidate, Strategy

S = OperatorState


async def assign_once(runtime: Runtime) -> int:
    """One tick at the clock's now: due timers, then offers; returns how many offers were made."""
    now = runtime.clock.now()
    settings = runtime.settings
    policy = Policy.of(settings)
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        await expire_offers(session, now=now, max_no_answer=settings.queue_max_no_answer)
        await dialer.expire_leases(session, SYSTEM, now=now)
        await end_wrap_ups(session, now=now)
        await sign_out_silent(session, now=now, grace_s=settings.operator_grace_s)
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        return await offer_waiting(session, now=now, policy=policy)


async def offer_waiting(
    session: AsyncSession, *, now: datetime, policy: Policy | None = None
) -> int:
    """Offer waiting calls and due callbacks (priority, then age) by each queue's strategy;
    how many offers and dials were made."""
    policy = policy or Policy()
    if not await _anyone_to_offer(session, now=now):
        return 0  # nobody free and no callback due: do not lock every waiting call for nothing
    entries = list(
        (
            await session.scalars(
                select(QueueEntry)
                .where(QueueEntry.status == EntryStatus.WAITING.value)
                .order_by(QueueEntry.priority.desc(), QueueEntry.entered_at, QueueEntry.id)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    due = await dialer.due_tasks(session, policy=policy, now=now)
    if not entries and not due:
        return 0
    free = [
        row
        for row in (
            await session.scalars(
                select(Operator)
                .where(Operator.state == S.AVAILABLE.value)
                .order_by(Operator.username)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        ).all()
        if row.offer_not_before is None or row.offer_not_before <= now
    ]
    queues = {queue.name: queue for queue in await catalog.list_queues(session)}
    made = 0
    items: list[QueueEntry | CallbackTask] = [*entries, *due]
    for item in sorted(items, key=lambda item: _rank(item, policy)):
        if isinstance(item, CallbackTask):
            made += await _dial(session, item, queues, free, policy=policy, now=now)
            continue
        entry = item
        queue = queues.get(entry.queue)
        if not free or queue is None:
            continue
        chosen = pick(entry, queue, free, now=now)
        if chosen is None:
            continue
        free.remove(chosen)
        if queue.strategy == Strategy.ROUND_ROBIN:
            queue.rr_last = chosen.username
        await offers.make(session, entry, chosen, queue, now=now)
        made += 1
    return made


async def _anyone_to_offer(session: AsyncSession, *, now: datetime) -> bool:
    """Whether an operator is available or a callback is due (which may go to an operator
    still wrapping that call up); plain reads, before any lock is taken."""
    free = await session.scalar(
        select(Operator.username).where(Operator.state == S.AVAILABLE.value).limit(1)
    )
    return free is not None or await dialer.any_due(session, now=now)


def _rank(item: QueueEntry | CallbackTask, policy: Policy) -> tuple[int, int, datetime, str]:
    # Priority first, then age; at a tie a callback (the caller already waited) goes first,
    # unless the policy puts unclassified callbacks behind every waiting call.
    if isinstance(item, CallbackTask):
        behind = int(policy.unclassified_after_calls and item.priority == 0)
        return (-item.priority, behind, item.created_at, f"0{item.id}")
    return (-item.priority, 0, item.entered_at, f"1{item.id:020d}")


async def _dial(
    session: AsyncSession,
    task: CallbackTask,
    queues: dict[str, Queue],
    free: list[Operator],
    *,
    policy: Policy,
    now: datetime,
) -> int:
    """Start the task's next attempt from the operator it prefers or the queue picks; 0 or 1."""
    chosen = await dialer.preferred_operator(session, task, free, policy=policy)
    if chosen is None:
        if not free or dialer.waits_for_preferred(task, policy=policy, now=now):
            return 0
        queue = queues.get(task.queue or "")
        waited_s = (now - policy.due(task)).total_seconds()
        chosen = (
            choose(queue, free, language=task.language, target=None, waited_s=waited_s)
            if queue is not None
            else min(free, key=lambda op: (op.idle_since or op.state_since, op.username))
        )
        if chosen is None:
            return 0
    if chosen in free:
        free.remove(chosen)
    await dialer.start(session, SYSTEM, task, chosen, policy=policy, now=now)
    return 1


def pick(
    entry: QueueEntry, queue: Queue, free: Sequence[Operator], *, now: datetime
) -> Operator | None:
    """The free operator the queue's strategy offers the entry's call to, if any."""
    return choose(
        queue,
        free,
        language=entry.language,
        target=entry.target_operator,
        waited_s=(now - entry.entered_at).total_seconds(),
    )


def choose(
    queue: Queue,
    free: Sequence[Operator],
    *,
    language: str,
    target: str | None,
    waited_s: float,
) -> Operator | None:
    """The free operator the queue's strategy picks for a call in ``language``, if any."""
    if target is not None:
        # A supervisor chose the operator: skills and queue membership do not apply.
        return next((op for op in free if op.username == target), None)
    required = strategies.required_skills(queue.required_skills, language)
    by_name: dict[str, Operator] = {}
    candidates: list[Candidate] = []
    for operator in free:
        if operator.queues is not None and queue.name not in operator.queues:
            continue
        penalty = strategies.penalty(operator.skills, required)
        if penalty is None:
            continue
        by_name[operator.username] = operator
        candidates.append(
            Candidate(
                username=operator.username,
                penalty=penalty,
                idle_since=operator.idle_since or operator.state_since,
                calls_taken=operator.calls_taken,
                talk_seconds=operator.talk_seconds,
            )
        )
    chosen = strategies.choose(
        Strategy(queue.strategy),
        candidates,
        waited_s=waited_s,
        steps=queue.penalty_steps,
        rr_last=queue.rr_last,
    )
    return by_name[chosen.username] if chosen is not None else None


async def expire_offers(session: AsyncSession, *, now: datetime, max_no_answer: int) -> int:
    """Expire offers not accepted in time (operator on break after ``max_no_answer``); count."""
    due = list(
        (
            await session.scalars(
                select(Offer.call_id).where(
                    Offer.status == OfferStatus.ACTIVE.value, Offer.expires_at <= now
                )
            )
        ).all()
    )
    expired = 0
    for call_id in due:
        entry = await offers.entry_for_call(session, call_id, skip_locked=True)
        offer = await offers.active_for_call(session, call_id) if entry is not None else None
        if entry is None or offer is None or offer.expires_at > now:
            continue  # busy in another transaction, or closed meanwhile: next tick
        offers.close(session, offer, OfferStatus.EXPIRED, now=now)
        if entry.status == EntryStatus.OFFERED:
            entry.status = EntryStatus.WAITING.value
        entry.no_answers += 1
        if entry.target_operator == offer.operator:
            entry.target_operator = None  # the supervisor's choice did not answer: back to all
        operator = await operators.locked(session, offer.operator, now=now)  # before stats
        await queue_log.write(
            session,
            QueueEvent.RING_NO_ANSWER,
            at=now,
            queue=offer.queue,
            call_id=call_id,
            operator=offer.operator,
            ring_s=round((now - offer.offered_at).total_seconds(), 3),
        )
        if operator.state == S.RESERVED and operator.call_id == offer.call_id:
            operator.no_answer_count += 1
            if max_no_answer and operator.no_answer_count >= max_no_answer:
                reason = f"no answer to {operator.no_answer_count} offer(s)"
                await operators.set_state(
                    session, SYSTEM, operator, S.ON_BREAK, now=now, reason=reason
                )
            else:
                await operators.set_state(session, SYSTEM, operator, S.AVAILABLE, now=now)
        await audit.record(
            session,
            SYSTEM,
            "queue.offer.expire",
            "call",
            str(call_id),
            {"offer_id": str(offer.id), "operator": offer.operator},
            at=now,
        )
        emit(
            session,
            events.CHANGED,
            {"queue": entry.queue, "call_id": str(call_id), "reason": "no_answer"},
        )
        expired += 1
    return expired


async def end_wrap_ups(session: AsyncSession, *, now: datetime) -> int:
    """Operators whose wrap-up time is over become available; returns how many."""
    rows = (
        await session.scalars(
            select(Operator)
            .where(Operator.state == S.WRAP_UP.value, Operator.wrap_up_until <= now)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for operator in rows:
        await operators.set_state(session, SYSTEM, operator, S.AVAILABLE, now=now)
    return len(rows)


async def sign_out_silent(session: AsyncSession, *, now: datetime, grace_s: float) -> int:
    """Sign out available operators without a heartbeat for ``grace_s``; returns how many."""
    limit = now - timedelta(seconds=grace_s)
    seen = func.coalesce(Operator.last_heartbeat_at, Operator.state_since)
    rows = (
        await session.scalars(
            select(Operator)
            .where(Operator.state == S.AVAILABLE.value, seen < limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for operator in rows:
        await operators.set_state(
            session,
            SYSTEM,
            operator,
            S.SIGNED_OUT,
            now=now,
            reason=f"no heartbeat for {grace_s:g} s (console lost)",
        )
    return len(rows)
