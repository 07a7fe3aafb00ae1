"""Analytics over HTTP: Erlang C staffing (more figures come with the analytics work)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from dispatch.analytics import staffing
from dispatch.auth.roles import Role
from dispatch.deps import Principal, roles
from dispatch.errors import Invalid

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

Planner = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]
MAX_AGENTS = 100_000


class StaffingOut(BaseModel):
    """Erlang C figures; ``asa_seconds`` is null when the queue cannot keep up (too few agents)."""

    agents: int
    p_wait: float
    asa_seconds: float | None
    service_level: float
    occupancy: float


@router.get("/staffing", response_model=StaffingOut)
async def staffing_figures(
    _: Planner,
    calls_per_hour: Annotated[float, Query(ge=0, le=1_000_000)],
    handle_seconds: Annotated[float, Query(gt=0, le=86_400)],
    target_seconds: Annotated[float, Query(ge=0, le=3600)],
    agents: Annotated[int | None, Query(ge=0, le=MAX_AGENTS)] = None,
    service_level: Annotated[float | None, Query(gt=0, lt=1)] = None,
) -> StaffingOut:
    """Erlang C for ``agents``, or the fewest agents reaching ``service_level`` (give one)."""
    if (agents is None) == (service_level is None):
        raise Invalid("give exactly one of agents or service_level")
    try:
        if agents is not None:
            result = staffing.evaluate(
                calls_per_hour=calls_per_hour,
                handle_seconds=handle_seconds,
                target_seconds=target_seconds,
                agents=agents,
            )
        else:
            assert service_level is not None
            result = staffing.agents_for_service_level(
                calls_per_hour=calls_per_hour,
                handle_seconds=handle_seconds,
                target_seconds=target_seconds,
                service_level=service_level,
                max_agents=MAX_AGENTS,
            )
    except staffing.StaffingError as exc:
        raise Invalid(str(exc)) from exc
    return StaffingOut.model_validate(result.as_dict())
