"""Caller marks and a number's history: supervisors mark, supervisors and QA read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from dispatch.auth.roles import Role
from dispatch.callers import history, service
from dispatch.callers.schemas import TYPED_NUMBER, MarkCreate, MarkOut, NumberHistoryOut
from dispatch.calls.schemas import PHONE_PATTERN
from dispatch.deps import ClockDep, Principal, Session, roles

router = APIRouter(prefix="/api/v1", tags=["callers"])

Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]
Reader = Annotated[Principal, roles(Role.SUPERVISOR, Role.QA)]


@router.get("/caller-marks", response_model=list[MarkOut])
async def list_marks(
    session: Session,
    _: Reader,
    clock: ClockDep,
    number: Annotated[str | None, Query(pattern=TYPED_NUMBER)] = None,
    include_ended: bool = False,
) -> list[MarkOut]:
    """The active marks (``include_ended``: revoked and expired ones too), newest first."""
    now = clock.now()
    rows = await service.list_marks(session, number=number, include_ended=include_ended, now=now)
    return [service.mark_out(row, now=now) for row in rows]


@router.post("/caller-marks", response_model=MarkOut, status_code=status.HTTP_201_CREATED)
async def create_mark(
    body: MarkCreate, session: Session, who: Supervisor, clock: ClockDep
) -> MarkOut:
    """Mark a number (it warns operators; it never blocks, lowers or reroutes a call)."""
    now = clock.now()
    return service.mark_out(await service.create_mark(session, who.actor, body, now=now), now=now)


@router.delete("/caller-marks/{mark_id}", response_model=MarkOut)
async def revoke_mark(
    mark_id: uuid.UUID, session: Session, who: Supervisor, clock: ClockDep
) -> MarkOut:
    """Revoke a mark now; it stays in the history."""
    now = clock.now()
    return service.mark_out(
        await service.revoke_mark(session, who.actor, mark_id, now=now), now=now
    )


@router.get("/callers/{number}/history", response_model=NumberHistoryOut)
async def number_history(
    number: Annotated[str, Path(pattern=PHONE_PATTERN)],
    session: Session,
    who: Reader,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> NumberHistoryOut:
    """The number's calls of the last ``days`` with their cards and outcomes, and its marks."""
    return await history.number_history(session, who.actor, number, days=days, now=clock.now())
