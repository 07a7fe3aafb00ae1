"""Operators in the ACD: their own state, skills, heartbeat, offers and wrap-up; supervisors
see everyone and change an operator's state, skills and queues."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import spoken
from dispatch.flows.calls import follow_call
from dispatch.queues import offers, service
from dispatch.queues.models import Operator
from dispatch.queues.schemas import OfferOut, OperatorOut, QueuesIn, Skills, StateIn
from dispatch.queues.states import OperatorState

router = APIRouter(prefix="/api/v1", tags=["operators"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]


async def operator_out(session: AsyncSession, operator: Operator) -> OperatorOut:
    """The API view of an operator, with the offer they are deciding on."""
    offer = None
    if operator.state == OperatorState.RESERVED:
        active = await offers.active_for_operator(session, operator.username)
        offer = OfferOut.model_validate(active) if active is not None else None
    return OperatorOut(
        username=operator.username,
        state=OperatorState(operator.state),
        reason=operator.reason,
        **spoken("reason", operator.reason_said),
        state_since=operator.state_since,
        skills=Skills.from_flat(operator.skills),
        queues=operator.queues,
        call_id=operator.call_id,
        queue=operator.queue,
        offer=offer,
        wrap_up_until=operator.wrap_up_until,
        idle_since=operator.idle_since,
        last_heartbeat_at=operator.last_heartbeat_at,
        calls_taken=operator.calls_taken,
        talk_seconds=operator.talk_seconds,
        no_answer_count=operator.no_answer_count,
    )


@router.get("/operators", response_model=list[OperatorOut])
async def list_operators(session: Session, _: Supervisor) -> list[OperatorOut]:
    """Every operator: state, skills, queues, current offer or call."""
    return [await operator_out(session, row) for row in await service.list_operators(session)]


@router.get("/operators/me", response_model=OperatorOut)
async def me(session: Session, who: CallTaker) -> OperatorOut:
    """The signed-in operator's state, skills and the offer waiting for them."""
    return await operator_out(session, await service.get_operator(session, who.user.username))


@router.post("/operators/me/state", response_model=OperatorOut)
async def set_my_state(
    body: StateIn, session: Session, who: CallTaker, clock: ClockDep
) -> OperatorOut:
    """Sign in (``available``), take a break (``on_break`` with ``reason``), sign out."""
    row = await service.request_state(
        session,
        who.actor,
        who.user.username,
        OperatorState(body.state),
        body.reason,
        now=clock.now(),
        reason_said=body.reason_said(),
    )
    return await operator_out(session, row)


@router.put("/operators/me/skills", response_model=OperatorOut)
async def set_my_skills(
    body: Skills, session: Session, who: CallTaker, clock: ClockDep
) -> OperatorOut:
    """Replace one's own skills (languages, channels, sign language, psychological support)."""
    row = await service.set_skills(
        session, who.actor, who.user.username, body.flat(), now=clock.now()
    )
    return await operator_out(session, row)


@router.post("/operators/me/heartbeat", response_model=OperatorOut)
async def heartbeat(session: Session, who: CallTaker, clock: ClockDep) -> OperatorOut:
    """The console is alive (an available operator without one is signed out after a grace)."""
    row = await service.heartbeat(session, who.user.username, now=clock.now())
    return await operator_out(session, row)


@router.post("/operators/me/wrap-up/end", response_model=OperatorOut)
async def end_wrap_up(session: Session, who: CallTaker, clock: ClockDep) -> OperatorOut:
    """Done wrapping up before the timer: available again."""
    row = await service.end_wrap_up(session, who.actor, who.user.username, now=clock.now())
    return await operator_out(session, row)


@router.post("/offers/{offer_id}/accept", response_model=OfferOut)
async def accept(
    offer_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> OfferOut:
    """Take the offered call: connected to the operator (the gateway bridges it)."""
    return OfferOut.model_validate(
        await service.accept(session, who.actor, offer_id, follow=follow_call, now=clock.now())
    )


@router.post("/offers/{offer_id}/decline", response_model=OfferOut)
async def decline(
    offer_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep, settings: SettingsDep
) -> OfferOut:
    """Refuse the offered call: it goes to the next operator."""
    offer = await service.decline(
        session, who.actor, offer_id, now=clock.now(), reject_delay_s=settings.queue_reject_delay_s
    )
    return OfferOut.model_validate(offer)


@router.get("/operators/{username}", response_model=OperatorOut)
async def get_operator(username: str, session: Session, _: Supervisor) -> OperatorOut:
    """One operator."""
    return await operator_out(session, await service.get_operator(session, username))


@router.post("/operators/{username}/state", response_model=OperatorOut)
async def set_state(
    username: str, body: StateIn, session: Session, who: Supervisor, clock: ClockDep
) -> OperatorOut:
    """Put an operator on break, sign them out, or make them available (not during a call)."""
    row = await service.request_state(
        session,
        who.actor,
        username,
        OperatorState(body.state),
        body.reason,
        now=clock.now(),
        reason_said=body.reason_said(),
    )
    return await operator_out(session, row)


@router.put("/operators/{username}/skills", response_model=OperatorOut)
async def set_skills(
    username: str, body: Skills, session: Session, who: Supervisor, clock: ClockDep
) -> OperatorOut:
    """Replace an operator's skills."""
    row = await service.set_skills(session, who.actor, username, body.flat(), now=clock.now())
    return await operator_out(session, row)


@router.put("/operators/{username}/queues", response_model=OperatorOut)
async def set_queues(
    username: str, body: QueuesIn, session: Session, who: Supervisor, clock: ClockDep
) -> OperatorOut:
    """Limit an operator to some queues (``null``: every queue their skills allow)."""
    row = await service.set_queues(session, who.actor, username, body.queues, now=clock.now())
    return await operator_out(session, row)
