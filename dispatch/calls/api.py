"""Calls: gateways post them and their events; call-takers read them and answer text."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from dispatch.attachments import service as attachments
from dispatch.auth.roles import Role
from dispatch.calls import messages, service, timeline
from dispatch.calls.schemas import CallCreate, CallOut, EventIn, EventOut, MessageIn, MessageOut
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.flows import calls as flows

router = APIRouter(prefix="/api/v1", tags=["calls"])

Gateway = Annotated[Principal, roles(Role.GATEWAY)]
CallReader = Annotated[Principal, roles(Role.GATEWAY, Role.OPERATOR, Role.SUPERVISOR, Role.QA)]
CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]


@router.post(
    "/calls",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CallOut, "description": "the message joined an open conversation"}},
)
async def create_call(
    body: CallCreate,
    request: Request,
    response: Response,
    session: Session,
    gateway: Gateway,
    clock: ClockDep,
    settings: SettingsDep,
) -> CallOut:
    """A gateway reports a new call (201), or a text message of an open conversation (200),
    or an answer to a survey (200: the surveyed call; ``dispatch.surveys``)."""
    now = clock.now()
    call, created, aml, files = await flows.take_call(
        session,
        gateway.actor,
        body,
        now=now,
        conversation_window=timedelta(minutes=settings.conversation_window_minutes),
        aml_window=timedelta(minutes=settings.aml_match_window_minutes),
        files=attachments.Policy.of(settings),
        intake=text_intake(request),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    answer = service.call_out(call, aml, now=now)
    answer.attachments = files
    return answer


def text_intake(request: Request) -> messages.TextIntake | None:
    """The app's taker of text messages that join no conversation (``app.state.text_intake``)."""
    intake: messages.TextIntake | None = getattr(request.app.state, "text_intake", None)
    return intake


@router.get("/calls/{call_id}", response_model=CallOut)
async def get_call(call_id: uuid.UUID, session: Session, _: CallReader, clock: ClockDep) -> CallOut:
    """One call, with the AML location its phone sent (``aml``) when there is one."""
    call = await service.get_call(session, call_id)
    aml = await service.latest_aml_for_call(session, call_id)
    return service.call_out(call, aml, now=clock.now())


@router.post(
    "/calls/{call_id}/events",
    response_model=EventOut,
    status_code=201,
    responses={200: {"model": EventOut, "description": "an event_id seen before: that event"}},
)
async def post_event(
    call_id: uuid.UUID,
    body: EventIn,
    response: Response,
    session: Session,
    gateway: Gateway,
    clock: ClockDep,
) -> EventOut:
    """A gateway reports what happened to a call (201); a repeated ``event_id`` gets 200."""
    out, stored = await flows.record_call_event(
        session, gateway.actor, call_id, body, now=clock.now()
    )
    if not stored:
        response.status_code = status.HTTP_200_OK
    return out


@router.get("/calls/{call_id}/events", response_model=list[EventOut])
async def list_events(call_id: uuid.UUID, session: Session, _: CallReader) -> list[EventOut]:
    """The call's events in the order they happened."""
    return await timeline.list_events(session, call_id)


@router.get("/calls/{call_id}/messages", response_model=list[MessageOut])
async def list_messages(call_id: uuid.UUID, session: Session, _: CallReader) -> list[MessageOut]:
    """The SMS or e-mail conversation of a call, oldest first."""
    return await messages.list_messages(session, call_id)


@router.post("/calls/{call_id}/messages", response_model=MessageOut, status_code=201)
async def reply(
    call_id: uuid.UUID, body: MessageIn, session: Session, who: CallTaker, clock: ClockDep
) -> MessageOut:
    """An operator answers the caller; the gateway sends it (command ``send_text``)."""
    message = await messages.reply(session, who.actor, call_id, body, now=clock.now())
    return messages.message_out(message, "pending")
