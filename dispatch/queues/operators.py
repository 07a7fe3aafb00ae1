"""Operators' rows and their one way of changing state: :func:`set_state` (checked, logged,
audited, published). Every ACD module changes an operator's state through it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.database import once_per_snapshot
from dispatch.errors import Invalid, Said
from dispatch.queues import events, plain, queue_log
from dispatch.queues.models import Operator
from dispatch.queues.states import OperatorState, QueueEvent, check_transition

if TYPE_CHECKING:  # only the type of what check_user returns
    from dispatch.auth.models import User

S = OperatorState
ACD_ROLES = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value})
_operators = cast(Table, Operator.__table__)
# set_state's move from available to reserved, built once (see :func:`reserve`); bound to
# ``who``, ``at``, ``for_call`` and ``for_queue`` (no column's name: a parameter named like a
# column of a table a statement changes would be set in it too).
RESERVE = (
    update(_operators)
    .where(_operators.c.username == bindparam("who"), _operators.c.state == S.AVAILABLE.value)
    .values(
        state=S.RESERVED.value,
        state_since=bindparam("at"),
        updated_at=bindparam("at"),
        call_id=bindparam("for_call"),
        queue=bindparam("for_queue"),
        wrap_up_until=None,
        reason=None,
    )
)


async def find(session: AsyncSession, username: str) -> Operator | None:
    """The operator's row, or None when they never used the ACD (asked once per snapshot)."""
    return await once_per_snapshot(
        session, ("operators.find", username), lambda: session.get(Operator, username)
    )


async def locked(session: AsyncSession, username: str, *, now: datetime) -> Operator:
    """The operator's row locked for change, created (signed out) on first use."""
    row = await _select_locked(session, username)
    if row is not None:
        return row
    await check_user(session, username)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Two first requests of one operator may race: insert-if-absent, then lock.
    await session.execute(
        insert(Operator)
        .values(
            username=username,
            state=S.SIGNED_OUT.value,
            state_since=now,
            skills={},
            queues=None,
            no_answer_count=0,
            calls_taken=0,
            talk_seconds=0.0,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["username"])
    )
    row = await _select_locked(session, username)
    assert row is not None
    return row


_LOCKED = (
    select(Operator)
    .where(Operator.username == bindparam("who"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)


async def _select_locked(session: AsyncSession, username: str) -> Operator | None:
    return await session.scalar(_LOCKED, {"who": username})


async def check_user(session: AsyncSession, username: str) -> User:
    """The account of an operator or supervisor; NotFound, or Invalid for any other account."""
    user = await auth.get_user(session, username)
    if user.role not in ACD_ROLES:
        raise Invalid(f"{username} is a {user.role}; only operators and supervisors take calls")
    if not user.active:
        raise Invalid(f"the account {username} is disabled")
    return user


async def set_state(
    session: AsyncSession,
    actor: Actor,
    operator: Operator,
    new: OperatorState,
    *,
    now: datetime,
    reason: str | None = None,
    reason_said: Said | None = None,
    requested: bool = False,
    call_id: uuid.UUID | None = None,
    queue: str | None = None,
    wrap_up_s: float = 0.0,
) -> None:
    """Move the operator to ``new`` (409 when the tables forbid it), with its bookkeeping;
    ``reason_said`` is the system's ``reason`` as a sentence the consoles translate."""
    current = S(operator.state)
    check_transition(operator.username, current, new, requested=requested)
    if current is S.SIGNED_OUT:  # a new shift: the strategies' counters start again
        operator.calls_taken = 0
        operator.talk_seconds = 0.0
        operator.no_answer_count = 0
        operator.offer_not_before = None
        operator.last_heartbeat_at = now
    if current is S.ON_CALL:
        operator.talk_seconds += _seconds(operator.state_since, now)
    if current is S.WRAP_UP:
        await queue_log.write(
            session,
            QueueEvent.WRAP_UP,
            at=now,
            queue=operator.queue,
            call_id=operator.call_id,
            operator=operator.username,
            wrap_s=_seconds(operator.state_since, now),
        )
    if new is S.AVAILABLE and current in (S.SIGNED_OUT, S.WRAP_UP):
        operator.idle_since = now
    if new is S.AVAILABLE and current is S.ON_BREAK:
        operator.no_answer_count = 0
    if new in (S.RESERVED, S.ON_CALL):
        operator.call_id, operator.queue = call_id, queue
    elif new is not S.WRAP_UP:
        operator.call_id = operator.queue = None
    if new is S.ON_CALL:
        operator.calls_taken += 1
        operator.no_answer_count = 0  # ring-outs count in a row: a call taken ends the row
    operator.wrap_up_until = now + timedelta(seconds=wrap_up_s) if new is S.WRAP_UP else None
    operator.reason = reason if new in (S.ON_BREAK, S.SIGNED_OUT) else None
    operator.reason_said = reason_said.stored() if reason_said and operator.reason else None
    operator.state, operator.state_since, operator.updated_at = new, now, now
    await _log_state(session, operator.username, current, new, reason, now)
    await audit.record(
        session,
        actor,
        "operator.state",
        "operator",
        operator.username,
        {"from": current.value, "to": new.value, "reason": reason, "call_id": _str(call_id)},
        at=now,
    )
    emit(
        session,
        events.OPERATOR_STATE,
        events.OperatorState(
            username=operator.username,
            state=new.value,
            previous=current.value,
            reason=operator.reason,
            call_id=_str(operator.call_id),
            changed="state",
        ),
    )


async def reserve(
    session: AsyncSession,
    actor: Actor,
    username: str,
    *,
    call_id: uuid.UUID,
    queue: str,
    now: datetime,
) -> bool:
    """An available operator is offered a call: :func:`set_state`'s move from available to
    reserved as one statement on a row the caller locked (the offering tick reads operators as
    plain rows); False when they were no longer available."""
    connection = await plain.connection(session)
    changed = await connection.execute(
        RESERVE, {"who": username, "at": now, "for_call": call_id, "for_queue": queue}
    )
    if not cast(CursorResult[Any], changed).rowcount:
        return False
    await reserved(session, actor, username, call_id=call_id, now=now)
    return True


async def reserved(
    session: AsyncSession, actor: Actor, username: str, *, call_id: uuid.UUID, now: datetime
) -> None:
    """What :func:`set_state` records when an operator is reserved: audit entry and event (for
    a caller that wrote the row itself with :data:`RESERVE`)."""
    check_transition(username, S.AVAILABLE, S.RESERVED, requested=False)
    await audit.record(
        session,
        actor,
        "operator.state",
        "operator",
        username,
        {
            "from": S.AVAILABLE.value,
            "to": S.RESERVED.value,
            "reason": None,
            "call_id": str(call_id),
        },
        at=now,
    )
    emit(
        session,
        events.OPERATOR_STATE,
        events.OperatorState(
            username=username,
            state=S.RESERVED.value,
            previous=S.AVAILABLE.value,
            reason=None,
            call_id=str(call_id),
            changed="state",
        ),
    )


async def release(
    session: AsyncSession,
    actor: Actor,
    operator: Operator,
    *,
    now: datetime,
    wrap_up_s: float,
) -> None:
    """The operator's call is over for them: wrap-up for ``wrap_up_s``, or available at once."""
    await set_state(
        session,
        actor,
        operator,
        S.WRAP_UP,
        now=now,
        wrap_up_s=wrap_up_s,
    )
    if wrap_up_s <= 0:
        await set_state(session, actor, operator, S.AVAILABLE, now=now)


async def _log_state(
    session: AsyncSession,
    username: str,
    current: OperatorState,
    new: OperatorState,
    reason: str | None,
    now: datetime,
) -> None:
    lines: list[tuple[QueueEvent, bool]] = []  # (event, carries the reason)
    if current is S.SIGNED_OUT:
        lines.append((QueueEvent.SIGN_IN, False))
    if current is S.ON_BREAK and new is not S.SIGNED_OUT:
        lines.append((QueueEvent.UNPAUSE, False))
    if new is S.ON_BREAK:
        lines.append((QueueEvent.PAUSE, True))
    if new is S.SIGNED_OUT:
        lines.append((QueueEvent.SIGN_OUT, True))
    for event, with_reason in lines:
        if with_reason:
            await queue_log.write(session, event, at=now, operator=username, reason=reason)
        else:
            await queue_log.write(session, event, at=now, operator=username)


def _seconds(since: datetime, now: datetime) -> float:
    return round(max((now - since).total_seconds(), 0.0), 3)


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
