"""Escalations over HTTP: an operator escalates a call; consoles list them; a supervisor takes
and resolves them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, roles
from dispatch.escalations import service as escalations
from dispatch.escalations.schemas import (
    EscalationCreate,
    EscalationOut,
    EscalationResolve,
    EscalationStatus,
)

router = APIRouter(prefix="/api/v1", tags=["escalations"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]


@router.post(
    "/calls/{call_id}/escalate", response_model=EscalationOut, status_code=status.HTTP_201_CREATED
)
async def escalate_call(
    call_id: uuid.UUID, body: EscalationCreate, session: Session, who: CallTaker, clock: ClockDep
) -> EscalationOut:
    """Hand a non-standard call to the supervisors with a reason (409 while one waits)."""
    row = await escalations.escalate(session, who.actor, call_id, body, now=clock.now())
    return EscalationOut.model_validate(row)


@router.get("/escalations", response_model=list[EscalationOut])
async def list_escalations(
    session: Session,
    who: CallTaker,
    status_filter: Annotated[EscalationStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[EscalationOut]:
    """Escalations, newest first: an operator sees their own, a supervisor everyone's."""
    raised_by = who.user.username if who.role is Role.OPERATOR else None
    rows = await escalations.list_escalations(
        session, raised_by=raised_by, status=status_filter, limit=limit
    )
    return [EscalationOut.model_validate(row) for row in rows]


@router.post("/escalations/{escalation_id}/take", response_model=EscalationOut)
async def take_escalation(
    escalation_id: uuid.UUID, session: Session, who: Supervisor, clock: ClockDep
) -> EscalationOut:
    """Take an open escalation on (409 when another supervisor has it or it is resolved)."""
    row = await escalations.take(session, who.actor, escalation_id, now=clock.now())
    return EscalationOut.model_validate(row)


@router.post("/escalations/{escalation_id}/resolve", response_model=EscalationOut)
async def resolve_escalation(
    escalation_id: uuid.UUID,
    body: EscalationResolve,
    session: Session,
    who: Supervisor,
    clock: ClockDep,
) -> EscalationOut:
    """Settle an escalation with what was done (open, or taken by oneself)."""
    row = await escalations.resolve(
        session, who.actor, escalation_id, body.resolution, now=clock.now()
    )
    return EscalationOut.model_validate(row)
