"""The ACD follows the call: run after each gateway event by the flows layer's follower
(``dispatch.flows.calls.follow_call``, which ``calls.timeline.record_event`` is handed).

Why a hook and not a bus subscription: it runs in the transaction that records the event, with
the call row already locked, so the call's state and the operator's can never disagree — not
after a crash between commit and publish, not when another server process received the event
(the bus is per process). The hook acts on the call's state after the replay, not on the event
alone, because events may arrive out of order:

- connected with operator X — X's active offer is accepted (an answer at the set counts as
  accepting); an offer to someone else is withdrawn; a previous operator (a transfer) goes to
  wrap-up; X goes on call if in the rotation; the first answer logs ``connect``;
- transferring — the operator who had the call goes to wrap-up (``transfer``);
- ended, dropped or abandoned — an offer is withdrawn; an answered call is ``complete`` and its
  operator wraps up; an unanswered one is ``abandon``; a dropped or abandoned call gets a
  callback task (``dispatch.callbacks``), due at once, preferring the operator who had it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.calls.lifecycle import FINAL, CallStatus, IllegalTransition
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, said
from dispatch.queues import catalog, events, lifecycle, offers, operators, queue_log
from dispatch.queues.models import QueueEntry
from dispatch.queues.states import (
    IN_ROTATION,
    OPEN_ENTRY,
    EntryStatus,
    OfferStatus,
    OperatorState,
    QueueEvent,
)

if TYPE_CHECKING:  # only the type of the row the follower hands in; queues never write it
    from dispatch.calls.models import Call

_CALLS_KEY = "dispatch.queues.calls"
# The call's states the entry follows; in the others (``ringing``, ``held``...) it has nothing
# to do.
_FOLLOWED = FINAL | {CallStatus.CONNECTED, CallStatus.TRANSFERRING}


@dataclass(frozen=True, slots=True)
class Followed:
    """What the ACD's entry did with the call's new state, for what follows it (callbacks)."""

    ended: bool = False
    """The call ended from its open entry (dropped, abandoned or completed)."""
    operator: str | None = None
    """Who had the call when it ended (the callback prefers them)."""
    queue: str | None = None
    """The entry's queue."""
    first_answer: bool = False
    """An operator answered the call for the first time."""


NOTHING = Followed()


async def call_changed(
    session: AsyncSession, actor: Actor, call: Call, *, now: datetime
) -> Followed:
    """Bring the call's queue entry, offer and operators in line with the call's state."""
    status = CallStatus(call.status)
    if status not in _FOLLOWED:
        # The entry is neither read nor locked: the call's lock is let go sooner (an accept
        # arriving with its call's ``ringing`` report waits for it).
        return NOTHING
    entry = await offers.entry_for_call(session, call.id)
    if entry is None or entry.status not in OPEN_ENTRY:
        return NOTHING
    # A strong reference for the rest of the transaction: the session's identity map holds
    # objects weakly, and the gateway command an accept enqueues next looks the call up there
    # (``session.get``) — found, it is not read again.
    session.info.setdefault(_CALLS_KEY, {})[call.id] = call
    if status in FINAL:
        operator = entry.operator
        await _end(session, actor, entry, status, now)
        return Followed(ended=True, operator=operator, queue=entry.queue)
    if status is CallStatus.CONNECTED and call.operator:
        first_answer = entry.connected_at is None
        await connect(session, actor, entry, call.operator, now=now)
        return Followed(queue=entry.queue, first_answer=first_answer)
    if status is CallStatus.TRANSFERRING:
        await _hand_off(session, actor, entry, call.operator, now)
    return NOTHING


@contextmanager
def ended_meanwhile(message: str, code: str) -> Iterator[None]:
    """A person's answer the ACD records (an accept, a takeover) on a call that ended between
    the request's first read and its lock of the call: refused as ``message``, said as ``code``
    in the person's language, the timeline's reason kept (not its refusal in English)."""
    try:
        yield
    except IllegalTransition as exc:
        raise Conflict(f"{message} ({exc.message})", said=said(code)) from exc


async def connect(
    session: AsyncSession, actor: Actor, entry: QueueEntry, username: str, *, now: datetime
) -> None:
    """``username`` now has the entry's call."""
    if entry.status == EntryStatus.CONNECTED and entry.operator == username:
        return
    offer = await offers.active_for_call(session, entry.call_id)
    if offer is not None and offer.operator == username:
        offers.close(session, offer, OfferStatus.ACCEPTED, now=now)
    elif offer is not None:
        await offers.withdraw(session, actor, entry, now=now)
    # Locked before the hand-off below touches the statistics (the ACD's lock order).
    operator = await operators.locked(session, username, now=now)
    if entry.status == EntryStatus.CONNECTED and entry.operator is not None:
        await _hand_off(session, actor, entry, username, now)
    # An operator reserved for another call keeps that offer until it expires (no penalty).
    if OperatorState(operator.state) in IN_ROTATION:
        await operators.set_state(
            session,
            actor,
            operator,
            OperatorState.ON_CALL,
            now=now,
            call_id=entry.call_id,
            queue=entry.queue,
        )
    lifecycle.move_entry(entry, EntryStatus.CONNECTED)
    entry.operator = username
    entry.target_operator = None
    if entry.connected_at is None:
        entry.connected_at = now
        await queue_log.write(
            session,
            QueueEvent.CONNECT,
            at=now,
            queue=entry.queue,
            call_id=entry.call_id,
            operator=username,
            wait_s=_seconds(entry.entered_at, now),
            offer_id=str(offer.id) if offer is not None and offer.operator == username else None,
        )
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=entry.queue, call_id=str(entry.call_id), reason="connected"),
    )


async def _hand_off(
    session: AsyncSession, actor: Actor, entry: QueueEntry, target: str | None, now: datetime
) -> None:
    if entry.status != EntryStatus.CONNECTED or entry.operator is None:
        return
    await release(session, actor, entry, now)
    await queue_log.write(
        session,
        QueueEvent.TRANSFER,
        at=now,
        queue=entry.queue,
        call_id=entry.call_id,
        operator=entry.operator,
        to_operator=target,
    )
    entry.operator = None


async def _end(
    session: AsyncSession, actor: Actor, entry: QueueEntry, status: CallStatus, now: datetime
) -> None:
    if entry.status != EntryStatus.CONNECTED:  # a connected call's offer closed on connecting
        await offers.withdraw(session, actor, entry, now=now)
    if entry.status == EntryStatus.CONNECTED:
        assert entry.connected_at is not None
        await release(session, actor, entry, now)
        await queue_log.write(
            session,
            QueueEvent.COMPLETE,
            at=now,
            queue=entry.queue,
            call_id=entry.call_id,
            operator=entry.operator,
            wait_s=_seconds(entry.entered_at, entry.connected_at),
            talk_s=_seconds(entry.connected_at, now),
            reason=status.value,
        )
        lifecycle.move_entry(entry, EntryStatus.COMPLETED)
    else:
        await queue_log.write(
            session,
            QueueEvent.ABANDON,
            at=now,
            queue=entry.queue,
            call_id=entry.call_id,
            wait_s=_seconds(entry.entered_at, now),
            reason=status.value,
            no_answers=entry.no_answers,
        )
        lifecycle.move_entry(entry, EntryStatus.ABANDONED)
    entry.ended_at = now
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=entry.queue, call_id=str(entry.call_id), reason=entry.status),
    )


async def release(session: AsyncSession, actor: Actor, entry: QueueEntry, now: datetime) -> None:
    """The entry's operator is done with the call: wrap-up (if the ACD had them on it)."""
    if entry.operator is None:
        return
    operator = await operators.locked(session, entry.operator, now=now)
    if operator.state != OperatorState.ON_CALL or operator.call_id != entry.call_id:
        return
    queue = await catalog.queue_named(session, entry.queue)
    wrap_up_s = queue.wrap_up_s if queue is not None else 0
    await operators.release(session, actor, operator, now=now, wrap_up_s=wrap_up_s)


def _seconds(since: datetime, until: datetime) -> float:
    return round(max((until - since).total_seconds(), 0.0), 3)
