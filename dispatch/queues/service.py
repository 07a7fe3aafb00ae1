"""What operators do in the ACD (and supervisors do for them): state, skills, queues,
heartbeat, offers, wrap-up. Other capabilities use these functions, never the tables."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.calls import timeline
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.calls.lifecycle import CallEventType
from dispatch.calls.schemas import EventIn
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound, PermissionDenied, Said, said
from dispatch.queues import (
    catalog,
    events,
    heartbeats,
    intake,
    lifecycle,
    offers,
    operators,
    queue_log,
    sync,
)
from dispatch.queues.models import Offer, Operator
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState, QueueEvent

S = OperatorState


async def list_operators(session: AsyncSession) -> list[Operator]:
    """Everyone in the ACD, and every operator account that never signed in (signed out)."""
    rows = {row.username: row for row in (await session.scalars(select(Operator))).all()}
    for user in await auth.list_users(session):
        # Supervisors appear once they used the ACD; operators always.
        if user.role == "operator" and user.active and user.username not in rows:
            rows[user.username] = _blank(user.username, user.created_at)
    return [rows[name] for name in sorted(rows)]


async def get_operator(session: AsyncSession, username: str) -> Operator:
    """The operator's ACD row, or a signed-out one (not stored) when they never used the ACD."""
    row = await operators.find(session, username)
    if row is not None:
        return row
    user = await operators.check_user(session, username)
    return _blank(username, user.created_at)


def _blank(username: str, since: datetime) -> Operator:
    return Operator(
        username=username,
        state=S.SIGNED_OUT.value,
        state_since=since,
        skills={},
        queues=None,
        calls_taken=0,
        talk_seconds=0.0,
        no_answer_count=0,
    )


async def request_state(
    session: AsyncSession,
    actor: Actor,
    username: str,
    state: OperatorState,
    reason: str | None,
    *,
    now: datetime,
    reason_said: Said | None = None,
) -> Operator:
    """The operator (or a supervisor) asks for ``state``; asking again changes only the reason
    (``reason_said``: one of the centre's break reasons, which the consoles translate)."""
    operator = await operators.locked(session, username, now=now)
    if actor.username == username:
        operator.last_heartbeat_at = now
    current = S(operator.state)
    if current is state:
        kept = reason_said.stored() if reason_said else None
        if state is S.ON_BREAK and (reason, kept) != (operator.reason, operator.reason_said):
            operator.reason, operator.reason_said = reason, kept
            await queue_log.write(
                session, QueueEvent.PAUSE, at=now, operator=username, reason=reason
            )
            await audit.record(
                session,
                actor,
                "operator.break_reason",
                "operator",
                username,
                {"reason": reason},
                at=now,
            )
        return operator
    await operators.set_state(
        session,
        actor,
        operator,
        state,
        now=now,
        reason=reason,
        reason_said=reason_said,
        requested=True,
    )
    return operator


async def set_skills(
    session: AsyncSession, actor: Actor, username: str, skills: dict[str, int], *, now: datetime
) -> Operator:
    """Replace the operator's skills (key → penalty); offers follow them from now on."""
    operator = await operators.locked(session, username, now=now)
    before = dict(operator.skills)
    operator.skills = dict(skills)
    operator.updated_at = now
    await audit.record(
        session,
        actor,
        "operator.skills",
        "operator",
        username,
        {"before": before, "after": operator.skills},
        at=now,
    )
    emit(session, events.OPERATOR_STATE, _state_payload(operator, "skills"))
    return operator


async def set_queues(
    session: AsyncSession,
    actor: Actor,
    username: str,
    queues: list[str] | None,
    *,
    now: datetime,
) -> Operator:
    """Limit the operator to ``queues`` (None: every queue their skills allow)."""
    if queues is not None:
        known = {queue.name for queue in await catalog.list_queues(session)}
        unknown = sorted(set(queues) - known)
        if unknown:
            raise Invalid(f"queues: no queue called {', '.join(unknown)}")
        queues = sorted(set(queues))
    operator = await operators.locked(session, username, now=now)
    before = operator.queues
    operator.queues = queues
    operator.updated_at = now
    await audit.record(
        session,
        actor,
        "operator.queues",
        "operator",
        username,
        {"before": before, "after": queues},
        at=now,
    )
    emit(session, events.OPERATOR_STATE, _state_payload(operator, "queues"))
    return operator


async def heartbeat(session: AsyncSession, username: str, *, now: datetime) -> Operator:
    """The operator's console is there; keeps an available operator in the rotation. Noted in
    memory and written with the others within seconds (``heartbeats``), not a write of its own."""
    operator = await get_operator(session, username)
    heartbeats.note(session, username, now)
    if inspect(operator).persistent:
        set_committed_value(operator, "last_heartbeat_at", now)  # shown; written by the batch
    else:
        operator.last_heartbeat_at = now
    return operator


def note_heartbeat(engine: AsyncEngine, username: str, *, now: datetime) -> None:
    """A console's ping for a caller with no transaction open: noted, and written with the
    others within seconds (nothing is stored for someone signed out)."""
    heartbeats.book(engine).note(username, now)


async def end_wrap_up(
    session: AsyncSession, actor: Actor, username: str, *, now: datetime
) -> Operator:
    """The operator is done wrapping up before the timer: available again."""
    operator = await operators.locked(session, username, now=now)
    if operator.state != S.WRAP_UP:
        raise Conflict(
            f"{username} is {operator.state}, not in wrap-up",
            said=said("not_in_wrap_up", state=operator.state),
        )
    await operators.set_state(session, actor, operator, S.AVAILABLE, now=now, requested=True)
    return operator


async def get_offer(session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> Offer:
    """An offer made to the caller; NotFound, or PermissionDenied for someone else's."""
    return _mine(await session.get(Offer, offer_id), actor, offer_id)


def _mine(offer: Offer | None, actor: Actor, offer_id: uuid.UUID) -> Offer:
    """The offer when made to the caller; NotFound, or PermissionDenied for someone else's."""
    if offer is None:
        raise NotFound(f"no offer with id {offer_id}")
    if offer.operator != actor.username:
        raise PermissionDenied(f"offer {offer_id} was made to another operator")
    return offer


async def accept(
    session: AsyncSession,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    follow: timeline.Follow,
    now: datetime,
) -> Offer:
    """Take the offered call: the call is answered by the operator, the gateway connects it
    (the answer recorded with ``follow``, the flows layer's ``follow_call``)."""
    # The offer and its operator's row in one round trip (the call's row is locked next).
    found = (
        await session.execute(
            select(Offer, Operator)
            .outerjoin(Operator, Operator.username == Offer.operator)
            .where(Offer.id == offer_id)
        )
    ).first()
    offer, operator = (None, None) if found is None else found
    offer = _mine(offer, actor, offer_id)
    if offer.status == OfferStatus.ACCEPTED:
        return offer
    _check_open(offer, now)
    if operator is None or operator.state != S.RESERVED or operator.call_id != offer.call_id:
        raise Conflict(
            f"offer {offer_id} is no longer yours to accept", said=said("offer_not_yours")
        )
    answered = EventIn(
        event_id=f"acd-offer-{offer.id}",
        type=CallEventType.ANSWERED,
        at=now,
        operator=actor.username,
    )
    # Recording the answer runs the follower (sync.call_changed first) under the call's lock, which
    # accepts the offer; if the offer closed meanwhile, the answer is refused with it. A caller
    # who hung up after the offer was read closed it too (their call cannot be answered now):
    # told as that, in the operator's language, not as the call's timeline refusing the event.
    closed = f"offer {offer_id} closed before it could be accepted"
    with sync.ended_meanwhile(closed, "offer_closed"):
        await timeline.record_event(session, actor, offer.call_id, answered, follow=follow, now=now)
    if OfferStatus(offer.status) is not OfferStatus.ACCEPTED:  # as the hook left it
        raise Conflict(closed, said=said("offer_closed"))
    heartbeats.note(session, actor.username, now)
    await enqueue_command(
        session,
        CommandType.CONNECT,
        offer.call_id,
        actor.username,
        {"offer_id": str(offer.id)},
        now=now,
        actor=actor,
    )
    await audit.record(
        session,
        actor,
        "queue.offer.accept",
        "call",
        str(offer.call_id),
        {"offer_id": str(offer.id)},
        at=now,
    )
    return offer


async def decline(
    session: AsyncSession,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    now: datetime,
    reject_delay_s: float,
) -> Offer:
    """Refuse the offered call: it goes to the next operator; no offer for a short while."""
    offer = await get_offer(session, actor, offer_id)
    if offer.status == OfferStatus.DECLINED:
        return offer
    _check_open(offer, now)
    await intake.entering(session)  # the call waits again: the ACD's surge read waits for it
    entry = await offers.require_entry(session, offer.call_id, lock=True)
    active = await offers.active_for_call(session, offer.call_id)
    if active is None or active.id != offer.id:
        raise Conflict(
            f"offer {offer_id} closed before it could be declined", said=said("offer_closed")
        )
    offers.close(session, offer, OfferStatus.DECLINED, now=now)
    if entry.status == EntryStatus.OFFERED:
        lifecycle.move_entry(entry, EntryStatus.WAITING)
    if entry.target_operator == actor.username:
        entry.target_operator = None
    operator = await operators.locked(session, actor.username, now=now)
    if operator.state == S.RESERVED and operator.call_id == offer.call_id:
        await operators.set_state(session, actor, operator, S.AVAILABLE, now=now)
        operator.offer_not_before = now + timedelta(seconds=reject_delay_s)
    operator.last_heartbeat_at = now
    await queue_log.write(
        session,
        QueueEvent.DECLINE,
        at=now,
        queue=entry.queue,
        call_id=entry.call_id,
        operator=actor.username,
        ring_s=round((now - offer.offered_at).total_seconds(), 3),
    )
    await audit.record(
        session,
        actor,
        "queue.offer.decline",
        "call",
        str(offer.call_id),
        {"offer_id": str(offer.id)},
        at=now,
    )
    emit(
        session,
        events.CHANGED,
        events.QueueChanged(queue=entry.queue, call_id=str(entry.call_id), reason="declined"),
    )
    return offer


def _check_open(offer: Offer, now: datetime) -> None:
    if offer.status != OfferStatus.ACTIVE:
        raise Conflict(
            f"offer {offer.id} is {offer.status}",
            said=said("offer_expired" if offer.status == OfferStatus.EXPIRED else "offer_closed"),
        )
    if offer.expires_at <= now:
        raise Conflict(
            f"offer {offer.id} expired at {offer.expires_at.isoformat()}; the call goes to the "
            "next operator",
            said=said("offer_expired"),
        )


def _state_payload(operator: Operator, changed: str) -> events.OperatorState:
    # Same shape as a state change (the state stays), saying what changed instead.
    return events.OperatorState(
        username=operator.username,
        state=operator.state,
        previous=operator.state,
        reason=operator.reason,
        call_id=str(operator.call_id) if operator.call_id else None,
        changed=changed,
    )
