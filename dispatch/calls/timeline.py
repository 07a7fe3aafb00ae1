"""Call events from the gateways: stored once, replayed in ``at`` order into the call's state.

``event_id`` makes posting safe to repeat: the same event again gets the answer it got the
first time; the same ``event_id`` with other content is a conflict. The call row is locked
while an event is recorded, so two events of one call are never replayed side by side.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.calls import events, lifecycle
from dispatch.calls.gateway import service as gateway
from dispatch.calls.lifecycle import Step
from dispatch.calls.models import Call, CallEvent
from dispatch.calls.schemas import EventIn, EventOut
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import bind, get_logger
from dispatch.errors import Conflict, Invalid, NotFound

log = get_logger(__name__)

# A gateway's clock may run a little ahead of ours; an event further in the future is an error.
MAX_CLOCK_SKEW = timedelta(minutes=5)
OPERATOR_ROLES = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value})


class Follow(Protocol):
    """What follows a call's change of state in the same transaction, the call row locked: the
    ACD's queue entry, offer and operators and the callback tasks
    (``dispatch.flows.calls.follow_call``), handed in so that calls never call up."""

    async def __call__(
        self, session: AsyncSession, actor: Actor, call: Call, *, now: datetime
    ) -> None:
        """Bring what depends on the call in line with its state after the event."""
        ...


async def record_event(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    data: EventIn,
    *,
    follow: Follow,
    now: datetime,
) -> tuple[EventOut, bool]:
    """Store a gateway's event and update the call, ``follow`` running on the new state;
    (earlier answer, False) for a repeat."""
    # What the event names (its operator, its command) is checked before the call's row is
    # locked, which is then held for less: an operator's accept waits for the ``ringing`` the
    # gateway reports at the same instant. The refusals are told where they always were.
    refusals = [
        await _refusal(_check_operator(session, data.operator))
        if data.operator is not None and not _signed_in_as(actor, data.operator)
        else None,
        await _refusal(gateway.check_command_of_call(session, data.command_id, call_id))
        if data.command_id is not None
        else None,
    ]
    call = await session.scalar(
        select(Call)
        .where(Call.id == call_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if call is None:
        log.warning(
            "call.event.unknown_call",
            call_id=str(call_id),
            event_id=data.event_id,
            type=data.type.value,
            gateway=actor.username,
        )
        raise NotFound(f"no call with id {call_id}; the event {data.event_id} was not stored")
    bind(call_id=call.id)
    # The call's events (to replay) and an earlier use of this event_id (on any call), at once.
    rows = list(
        (
            await session.scalars(
                select(CallEvent).where(
                    or_(CallEvent.call_id == call_id, CallEvent.event_id == data.event_id)
                )
            )
        ).all()
    )
    earlier = next((row for row in rows if row.event_id == data.event_id), None)
    if earlier is not None:
        if _same(earlier, call_id, data):
            return EventOut.model_validate(earlier.result), False
        raise Conflict(
            f"event_id {data.event_id} was already used for another event ({earlier.type} at "
            f"{earlier.at.isoformat()} on call {earlier.call_id}); give each event its own id"
        )
    if data.at > now + MAX_CLOCK_SKEW:
        raise Invalid(
            f"at: {data.at.isoformat()} is in the future (the server's time is {now.isoformat()})"
        )
    for refusal in refusals:
        if refusal is not None:
            raise refusal
    steps = [
        _step(row.event_id, row.type, row.at, row.id, row.operator, row.media_url) for row in rows
    ]
    new_seq = max((row.id for row in rows), default=0) + 1
    steps.append(_step(data.event_id, data.type, data.at, new_seq, data.operator, data.media_url))
    timeline = lifecycle.replay(steps, call_id=call_id, new_event_id=data.event_id)
    before = call.status
    _apply(call, timeline)
    await follow(session, actor, call, now=now)  # queue, offer, operator, callbacks
    out = EventOut(
        event_id=data.event_id,
        call_id=call_id,
        type=data.type,
        at=data.at,
        operator=data.operator,
        media_url=data.media_url,
        command_id=data.command_id,
        received_at=now,
        call_status=timeline.status,
        timeline_complete=timeline.complete,
    )
    session.add(
        CallEvent(
            event_id=data.event_id,
            call_id=call_id,
            type=data.type.value,
            at=data.at,
            operator=data.operator,
            media_url=data.media_url,
            command_id=data.command_id,
            received_at=now,
            received_by=actor.username,
            result=out.model_dump(mode="json"),
        )
    )
    await audit.record(
        session,
        actor,
        "call.event",
        "call",
        str(call_id),
        {"event_id": data.event_id, "type": data.type.value, "status": timeline.status.value},
        at=now,
    )
    emit(
        session,
        events.EVENT(data.type),
        events.CallEventHappened(
            call_id=str(call_id),
            event_id=data.event_id,
            type=data.type.value,
            at=data.at.isoformat(),
            operator=data.operator,
            queue=call.queue,
            status=timeline.status.value,
        ),
    )
    if timeline.status.value != before:
        emit(
            session,
            events.STATUS_CHANGED,
            events.StatusChanged(
                {"call_id": str(call_id), "from": before, "to": timeline.status.value}
            ),
        )
    return out, True


async def list_events(session: AsyncSession, call_id: uuid.UUID) -> list[EventOut]:
    """The call's events in the order they happened (``at``), as stored."""
    if await session.get(Call, call_id) is None:
        raise NotFound(f"no call with id {call_id}")
    rows = await session.scalars(
        select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.at, CallEvent.id)
    )
    return [EventOut.model_validate(row.result) for row in rows]


def _step(
    event_id: str,
    kind: str,
    at: datetime,
    seq: int,
    operator: str | None,
    media_url: str | None,
) -> Step:
    return Step(
        event_id=event_id,
        type=lifecycle.CallEventType(kind),
        at=at,
        seq=seq,
        operator=operator,
        media_url=media_url,
    )


def _same(row: CallEvent, call_id: uuid.UUID, data: EventIn) -> bool:
    return (
        row.call_id == call_id
        and row.type == data.type.value
        and row.at == data.at
        and row.operator == data.operator
        and row.media_url == data.media_url
        and row.command_id == data.command_id
    )


def _apply(call: Call, timeline: lifecycle.Timeline) -> None:
    call.status = timeline.status
    call.operator = timeline.operator
    call.offered_at = timeline.offered_at
    call.answered_at = timeline.answered_at
    call.ended_at = timeline.ended_at
    call.talk_seconds = timeline.talk_seconds
    call.media_url = timeline.media_url
    call.timeline_complete = timeline.complete


def _signed_in_as(actor: Actor, username: str) -> bool:
    """The event names the operator who sent it (their accept): their role is known already."""
    return actor.username == username and actor.role in OPERATOR_ROLES


async def _refusal(check: Awaitable[None]) -> Invalid | None:
    """The check's refusal, kept to be told later; None when it passed."""
    try:
        await check
    except Invalid as exc:
        return exc
    return None


async def _check_operator(session: AsyncSession, username: str) -> None:
    try:
        role = await auth.role_of(session, username)
    except NotFound as exc:
        raise Invalid(f"operator: there is no operator called {username!r}") from exc
    if role not in OPERATOR_ROLES:
        raise Invalid(f"operator: {username!r} is a {role}, not an operator or supervisor")
