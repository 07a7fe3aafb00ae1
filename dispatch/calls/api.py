"""Calls: gateways post them; call-takers read them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from dispatch.auth.roles import Role
from dispatch.calls import service
from dispatch.calls.schemas import CallCreate, CallOut
from dispatch.deps import ClockDep, Principal, Session, roles

router = APIRouter(prefix="/api/v1", tags=["calls"])

Gateway = Annotated[Principal, roles(Role.GATEWAY)]
CallReader = Annotated[Principal, roles(Role.GATEWAY, Role.OPERATOR, Role.SUPERVISOR, Role.QA)]


@router.post("/calls", response_model=CallOut, status_code=status.HTTP_201_CREATED)
async def create_call(
    body: CallCreate, session: Session, gateway: Gateway, clock: ClockDep
) -> CallOut:
    """A gateway reports a new call; it waits in its queue for an operator."""
    call = await service.create_call(session, gateway.actor, body, now=clock.now())
    return service.call_out(call)


@router.get("/calls/{call_id}", response_model=CallOut)
async def get_call(call_id: uuid.UUID, session: Session, _: CallReader) -> CallOut:
    """One call."""
    return service.call_out(await service.get_call(session, call_id))
