"""The surge policy over the API: everyone on the floor reads whether the centre is in surge
and why; a supervisor switches it by hand (with a reason, audited) or back to automatic."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.queues import surge

router = APIRouter(prefix="/api/v1", tags=["queues"])

Watcher = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]


class SurgeOut(BaseModel):
    """Whether the centre is in surge, why (a code: ``switched_on``, ``switched_off``,
    ``short_erlang``, ``short_waiting``, ``staffed``, ``policy_off``, ``no_model``), the
    staffing figures it was judged from, and the mode a supervisor set."""

    active: bool
    mode: Literal["auto", "on", "off"]
    why: str
    figures: dict[str, Any]
    since: datetime | None
    judged_at: datetime | None
    mode_reason: str | None
    mode_set_by: str | None
    mode_set_at: datetime | None


class SurgeIn(BaseModel):
    """``on`` or ``off`` by hand (a reason is required), or ``auto``: judged from staffing."""

    mode: Literal["auto", "on", "off"]
    reason: str | None = Field(default=None, max_length=500)


@router.get("/surge", response_model=SurgeOut)
async def get_surge(session: Session, _: Watcher) -> SurgeOut:
    """The surge policy now (as the ACD last judged it)."""
    return SurgeOut.model_validate(surge.described(await surge.row(session)))


@router.put("/surge", response_model=SurgeOut)
async def set_surge(
    body: SurgeIn, session: Session, who: Supervisor, clock: ClockDep, settings: SettingsDep
) -> SurgeOut:
    """Switch the surge policy on or off by hand, or back to automatic; judged at once."""
    found = await surge.set_mode(
        session, who.actor, settings, body.mode, body.reason, now=clock.now()
    )
    return SurgeOut.model_validate(surge.described(found))
