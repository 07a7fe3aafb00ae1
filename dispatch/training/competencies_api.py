"""The competency register over HTTP: supervisors and trainers read anyone's, supervisors
record; each person reads their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from dispatch.auth.roles import PEOPLE, Role
from dispatch.deps import ClockDep, Principal, Session, roles
from dispatch.training import competencies
from dispatch.training.competencies import Register, StaffMember

router = APIRouter(prefix="/api/v1/competencies", tags=["competencies"])

Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]
Reader = Annotated[Principal, roles(Role.SUPERVISOR, Role.TRAINER)]
Anyone = Annotated[Principal, roles(*sorted(PEOPLE))]


class RecordIn(BaseModel):
    """A task of the standard shown, and what shows it when the rules do not suggest it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]\d\.\d{2}\.\d$")
    note: str | None = Field(default=None, min_length=1, max_length=2000)


@router.get("", response_model=list[StaffMember])
async def staff(session: Session, _: Reader) -> list[StaffMember]:
    """The staff whose registers may be opened, by role then name, with their counts."""
    return await competencies.staff(session)


@router.get("/me", response_model=Register)
async def mine(session: Session, who: Anyone, clock: ClockDep) -> Register:
    """My register: the standard's tasks, my evidence, what is suggested and recorded."""
    return await competencies.register(session, who.actor.username, now=clock.now())


@router.get("/{username}", response_model=Register)
async def of_person(username: str, session: Session, _: Reader, clock: ClockDep) -> Register:
    """A person's register."""
    return await competencies.register(session, username, now=clock.now())


@router.post("/{username}", response_model=Register)
async def record(
    username: str, body: RecordIn, session: Session, who: Supervisor, clock: ClockDep
) -> Register:
    """Record a task shown at its level (a note when the rules do not suggest it)."""
    return await competencies.record(
        session, who.actor, username, body.code, body.note, now=clock.now()
    )
