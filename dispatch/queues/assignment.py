"""The ACD engine: a tick acts on the timers that fell due (``timers``) and hands out waiting
calls and due callbacks (``dispatch.queues.dialer``) to free operators.

A tick (:func:`tick`; :func:`assign_once` for tests with a ManualClock, which call it directly)
begins with one look at the timers and at whether anything waits (``timers.look``, one
statement), sweeps only the timers that fell due, offers, and says when the next timer falls
due, which the worker sleeps until.

Offering reads only what it can offer (``heads``): the free operators, and per queue (per
language where the queue's skills depend on it) the first waiting calls, as many as there are
free operators who could take them. Each call in offering order (priority, then age; callbacks
among them) goes to the operator its queue's strategy picks among the free ones with the
skills, so no free operator is left idle while a call they could take waits; a widening
penalty window may hold a call for at most ``strategies.MAX_HOLD_S``.

Atomic across processes: the entries, tasks and operators a tick considers are locked with
``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so a second process skips them instead of handing them
out again; SQLite has one writer at a time (``BEGIN IMMEDIATE``). Unique partial indexes (one
active offer per call, one per operator) back this up in the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callbacks.models import CallbackTask
from dispatch.callbacks.tasks import Policy
from dispatch.core.actor import SYSTEM
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.queues import catalog, dialer, heads, intake, offers, strategies, timers
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.heads import FreeOperator, OperatorLike, WaitingCall
from dispatch.queues.models import Operator, Queue
from dispatch.queues.strategies import Candidate, Strategy
from dispatch.queues.timers import Due, Kind

Op = TypeVar("Op", bound=OperatorLike)


@dataclass(frozen=True)
class Tick:
    """What a tick did (offers and dials made) and when the next timer falls due."""

    offers: int
    due: Due


async def assign_once(runtime: Runtime) -> int:
    """One tick at the clock's now: due timers, then offers; returns how many offers were made."""
    return (await tick(runtime)).offers


async def tick(runtime: Runtime, *, surge: bool = False) -> Tick:
    """One tick: one look at the timers and at what waits (one statement), the timers that
    fell due, then offers; and when the next timer falls due. ``surge``: the centre is in
    surge (``surge.py``), callbacks of unclassified calls wait."""
    now = runtime.clock.now()
    settings = runtime.settings
    policy = replace(Policy.of(settings), surge=surge)
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        seen = await timers.look(session, now=now, grace_s=settings.operator_grace_s, policy=policy)
        kinds = seen.due.swept_by(now)
        if not kinds:
            return await _offer_pass(session, seen, policy=policy, now=now)
        await timers.sweep(
            session,
            kinds,
            now=now,
            max_no_answer=settings.queue_max_no_answer,
            rest_s=settings.queue_reject_delay_s,
            grace_s=settings.operator_grace_s,
        )
    # After a sweep, offers in a transaction of their own: the sweep's changes (and events)
    # stand even if offering fails, and its locks are not held while offering.
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        seen = await timers.look(session, now=now, grace_s=settings.operator_grace_s, policy=policy)
        return await _offer_pass(session, seen, policy=policy, now=now)


async def _offer_pass(
    session: AsyncSession, seen: timers.Look, *, policy: Policy, now: datetime
) -> Tick:
    """Offers after ``seen``; the next timer: the earliest seen, or one this pass made (an
    offer's expiry, a dial's lease, a call held by a penalty window). A timer this pass ended
    (an operator now reserved) may wake the worker early, for nothing: never late."""
    done = await _offer(session, seen, now=now, policy=policy)
    due = dict(seen.due.at)
    for kind, at in done.timers.items():
        due[kind] = min(due.get(kind, at), at)
    return Tick(done.made, Due(due))


@dataclass
class _Done:
    """What an offering pass did: offers and dials made, and the timers it started."""

    made: int = 0
    timers: dict[Kind, datetime] = field(default_factory=dict)

    def starts(self, kind: Kind, at: datetime | None) -> None:
        if at is not None:
            self.timers[kind] = min(self.timers.get(kind, at), at)


async def offer_waiting(
    session: AsyncSession, *, now: datetime, policy: Policy | None = None
) -> int:
    """Offer waiting calls and due callbacks (priority, then age) by each queue's strategy;
    how many offers and dials were made."""
    policy = policy or Policy()
    await session.flush()  # the pass reads rows from the connection, not through the session
    seen = await timers.look(session, now=now, grace_s=0.0, policy=policy)
    return (await _offer(session, seen, now=now, policy=policy)).made


async def _offer(
    session: AsyncSession, seen: timers.Look, *, now: datetime, policy: Policy
) -> _Done:
    """Offers and dials, and the timers they started (a call held by a penalty window counts
    as one: when it may go to a free operator who has the skills). ``seen``: this
    transaction's look at whether anything waits and anyone is free (plain reads: with
    nothing to hand out nothing is locked)."""
    done = _Done()
    waiting, callbacks_due = seen.waiting, seen.callbacks_due
    if not callbacks_due and not (waiting and seen.anyone_free):
        return done
    free = await heads.free_operators(session, now=now) if seen.anyone_free else []
    if not free and not callbacks_due:
        return done
    queues = {queue.name: queue for queue in await catalog.queues(session)}
    room = heads.capacity(queues.values(), free)
    entries = (
        await heads.waiting_heads(session, room, [op.username for op in free])
        if waiting and free
        else []
    )
    tasks, wrapping = (
        await heads.due_callbacks(session, queues, free, room, policy=policy, now=now)
        if callbacks_due
        else ([], {})
    )
    turns = await _round_robin(session, queues, entries)
    items: list[WaitingCall | CallbackTask] = [*entries, *tasks]
    still: list[heads.Group] | None = None  # in surge: what waits once the calls had their turn
    in_flight = False  # in surge: a call was still being taken (or declined) when it was read
    for item in sorted(items, key=lambda item: _rank(item, policy)):
        if isinstance(item, CallbackTask):
            barred: frozenset[str] = frozenset()
            if policy.surge and item.priority == 0:
                if still is None:
                    # A call still being taken (or declined) is not in what is read: while one
                    # is, no unclassified callback goes (its commit wakes the ACD again).
                    in_flight = await intake.entries_in_flight(session)
                    # While one is, every operator is barred: what waits need not be read.
                    still = [] if in_flight else await heads.waiting_groups(session)
                operators: list[OperatorLike] = [*free, *wrapping.values()]
                barred = (
                    frozenset(op.username for op in operators)
                    if in_flight
                    else _barred(still, queues, operators)
                )
            if await _dial(
                session, item, queues, free, wrapping, policy=policy, now=now, barred=barred
            ):
                done.made += 1
                done.starts(Kind.LEASE, item.lease_until)
            continue
        entry = item
        queue = queues.get(entry.queue)
        if not free or queue is None:
            continue
        chosen = pick(entry, queue, free, now=now, rr_last=turns.get(queue.name))
        if chosen is None:
            done.starts(Kind.HOLD, _held_until(entry, queue, free))
            continue
        free.remove(chosen)
        if await offers.make(session, entry, chosen, queue, now=now) is None:
            continue
        if queue.name in turns:
            turns[queue.name] = chosen.username
        done.made += 1
        done.starts(Kind.OFFER, now + timedelta(seconds=queue.offer_timeout_s))
    await _remember_turns(session, turns)
    return done


async def _round_robin(
    session: AsyncSession, queues: Mapping[str, QueueSpec], entries: Sequence[WaitingCall]
) -> dict[str, str | None]:
    """The round-robin queues among the entries', with the last operator each offered to."""
    names = {
        e.queue
        for e in entries
        if e.queue in queues and queues[e.queue].strategy == Strategy.ROUND_ROBIN
    }
    if not names:
        return {}
    rows = await session.execute(select(Queue.name, Queue.rr_last).where(Queue.name.in_(names)))
    return {str(name): last for name, last in rows.all()}


async def _remember_turns(session: AsyncSession, turns: Mapping[str, str | None]) -> None:
    for name, last in turns.items():
        await session.execute(
            update(Queue)
            .where(Queue.name == name)
            .values(rr_last=last)
            .execution_options(synchronize_session=False)
        )


def _rank(item: WaitingCall | CallbackTask, policy: Policy) -> tuple[int, int, datetime, str]:
    # Priority first, then age; at a tie a callback (the caller already waited) goes first,
    # unless the policy (or a surge) puts unclassified callbacks behind every waiting call.
    if isinstance(item, CallbackTask):
        behind = int((policy.unclassified_after_calls or policy.surge) and item.priority == 0)
        return (-item.priority, behind, item.created_at, f"0{item.id}")
    return (-item.priority, 0, item.entered_at, f"1{item.id:020d}")


def _barred(
    waiting: Sequence[heads.Group],
    queues: Mapping[str, QueueSpec],
    operators: Sequence[OperatorLike],
) -> frozenset[str]:
    """In surge, the operators who may not dial an unclassified callback: those a call still
    waiting (``waiting``: its queue and language) could ever be offered to — a live call waits
    with their skills, whether or not this pass could offer it (a skills window holding it for
    a better match, an operator in wrap-up)."""
    return frozenset(
        op.username
        for op in operators
        if any(
            (queue := queues.get(name)) is not None and _could_take(op, queue, language)
            for name, language in waiting
        )
    )


def _could_take(operator: OperatorLike, queue: QueueSpec, language: str | None) -> bool:
    """Whether the queue would ever offer a call in ``language`` to the operator."""
    if not heads.serves(queue, operator):
        return False
    needed = strategies.required_skills(queue.required_skills, language)
    return strategies.penalty(operator.skills, needed) is not None


def _held_until(
    entry: WaitingCall, queue: QueueSpec, free: Sequence[OperatorLike]
) -> datetime | None:
    """When the skills strategy's window admits a free operator who has the skills for the
    entry (None when nobody free has them: an operator coming free will wake the ACD)."""
    if queue.strategy != Strategy.SKILLS or entry.target_operator is not None:
        return None
    needed = strategies.required_skills(queue.required_skills, entry.language)
    penalties = [
        p
        for op in free
        if heads.serves(queue, op) and (p := strategies.penalty(op.skills, needed)) is not None
    ]
    if not penalties:
        return None
    wait_s = strategies.admitted_after(queue.penalty_steps, min(penalties))
    return entry.entered_at + timedelta(seconds=wait_s)


async def _dial(
    session: AsyncSession,
    task: CallbackTask,
    queues: Mapping[str, QueueSpec],
    free: list[FreeOperator],
    wrapping: dict[str, Operator],
    *,
    policy: Policy,
    now: datetime,
    barred: frozenset[str] = frozenset(),
) -> int:
    """Start the task's next attempt from the operator it prefers or the queue picks, never
    one ``barred``; 0 or 1."""
    chosen: OperatorLike | None = None
    allowed = [op for op in free if op.username not in barred]
    if policy.prefer_same_operator and task.preferred_operator is not None:
        own = task.preferred_operator
        chosen = next((op for op in allowed if op.username == own), None)
        if chosen is None and own not in barred:
            chosen = wrapping.pop(own, None)
    if chosen is None:
        if not allowed or dialer.waits_for_preferred(task, policy=policy, now=now):
            return 0
        queue = queues.get(task.queue or "")
        waited_s = (now - policy.due(task)).total_seconds()
        chosen = (
            choose(queue, allowed, language=task.language, target=None, waited_s=waited_s)
            if queue is not None
            else min(allowed, key=lambda op: (op.idle_since or op.state_since, op.username))
        )
        if chosen is None:
            return 0
    if isinstance(chosen, FreeOperator):
        free.remove(chosen)
        # The row is locked by this transaction; the dial changes it through the ORM.
        row = await session.get(Operator, chosen.username)
        if row is None:  # pragma: no cover - a locked row does not vanish
            return 0
        chosen = row
    assert isinstance(chosen, Operator)
    await dialer.start(session, SYSTEM, task, chosen, policy=policy, now=now)
    return 1


def pick(
    entry: WaitingCall,
    queue: QueueSpec,
    free: Sequence[Op],
    *,
    now: datetime,
    rr_last: str | None = None,
) -> Op | None:
    """The free operator the queue's strategy offers the entry's call to, if any."""
    return choose(
        queue,
        free,
        language=entry.language,
        target=entry.target_operator,
        waited_s=(now - entry.entered_at).total_seconds(),
        rr_last=rr_last,
    )


def choose(
    queue: QueueSpec,
    free: Sequence[Op],
    *,
    language: str,
    target: str | None,
    waited_s: float,
    rr_last: str | None = None,
) -> Op | None:
    """The free operator the queue's strategy picks for a call in ``language``, if any."""
    if target is not None:
        # A supervisor chose the operator: skills and queue membership do not apply.
        return next((op for op in free if op.username == target), None)
    required = strategies.required_skills(queue.required_skills, language)
    by_name: dict[str, Op] = {}
    candidates: list[Candidate] = []
    for operator in free:
        if not heads.serves(queue, operator):
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
        rr_last=rr_last,
    )
    return by_name[chosen.username] if chosen is not None else None
