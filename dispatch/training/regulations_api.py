"""The regulations library over HTTP: supervisors and trainers publish versions and follow
who read them; everyone reads the library and acknowledges what concerns them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from dispatch.auth.roles import PEOPLE, Role
from dispatch.deps import ClockDep, Principal, Session, roles
from dispatch.training import regulations
from dispatch.training.regulations_schemas import Mine, RegulationIn, RegulationOut

router = APIRouter(prefix="/api/v1/regulations", tags=["regulations"])

Publisher = Annotated[Principal, roles(Role.SUPERVISOR, Role.TRAINER, Role.ADMIN)]
Reader = Annotated[Principal, roles(*sorted(PEOPLE))]


@router.get("", response_model=list[RegulationOut])
async def list_regulations(
    session: Session, _: Reader, code: str | None = None
) -> list[RegulationOut]:
    """Every version, the latest published first, with how many it concerns and read it."""
    return await regulations.list_all(session, code=code)


@router.post("", response_model=RegulationOut, status_code=status.HTTP_201_CREATED)
async def publish(
    body: RegulationIn, session: Session, who: Publisher, clock: ClockDep
) -> RegulationOut:
    """Publish a version (the next of its code) to the roles it concerns."""
    return await regulations.publish(session, who.actor, body, now=clock.now())


@router.get("/mine", response_model=list[Mine])
async def mine(session: Session, who: Reader, clock: ClockDep) -> list[Mine]:
    """The versions in force that concern me: unread and overdue first (the reminder)."""
    return await regulations.mine(session, who.actor, now=clock.now())


@router.get("/{regulation_id}", response_model=RegulationOut)
async def get_regulation(regulation_id: uuid.UUID, session: Session, _: Publisher) -> RegulationOut:
    """A version with everyone it concerns: who read it (when) and who has not."""
    return await regulations.get(session, regulation_id)


@router.post("/{regulation_id}/acknowledge", response_model=RegulationOut)
async def acknowledge(
    regulation_id: uuid.UUID, session: Session, who: Reader, clock: ClockDep
) -> RegulationOut:
    """I have read this version."""
    return await regulations.acknowledge(session, who.actor, regulation_id, now=clock.now())
