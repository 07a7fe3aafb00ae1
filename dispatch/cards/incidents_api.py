"""Incidents over the API: suggestions while a card is filled, joining one in a keystroke, the
mass-incident shortcut, merging two cards, and the supervisor's incidents with their calls."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from dispatch.auth.roles import Role
from dispatch.cards import incident_suggestions, incidents
from dispatch.cards.api import CallTaker, LocalNow, card_response
from dispatch.cards.routing.api import ClassifierDep
from dispatch.deps import Principal, Session, SettingsDep, roles

router = APIRouter(prefix="/api/v1", tags=["incidents"])

IncidentWatcher = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuggestionOut(BaseModel):
    """An open incident the card may be about: join it with POST /cards/{id}/incident."""

    incident_id: uuid.UUID
    number: str
    incident_type: str | None
    address: str | None
    district_code: str | None
    created_at: datetime
    cards: int
    reason: str = Field(description="near (within the radius) or same_address (same district)")
    distance_m: float | None


class JoinRequest(_Input):
    """Join the incident of ``incident_card_id`` (its head or any of its cards)."""

    incident_card_id: uuid.UUID
    close: bool = Field(
        default=False,
        description="the mass-incident shortcut: also close this card as a duplicate of the "
        "incident (its head carries the dispatch)",
    )
    note: str | None = Field(default=None, min_length=1, max_length=4000)


class MergeRequest(_Input):
    """Merge this card into ``into_card_id``, which survives."""

    into_card_id: uuid.UUID


class IncidentCardOut(BaseModel):
    """One card (one call) of an incident."""

    card_id: uuid.UUID
    number: str
    call_id: uuid.UUID | None
    created_at: datetime
    status: str
    outcome: str | None
    operator_id: str | None
    role: str = Field(description="head, member or merged")


class IncidentOut(BaseModel):
    """An incident: its head card's facts and every card that is part of it."""

    incident_id: uuid.UUID
    number: str
    incident_type: str | None
    priority: int | None
    address: str | None
    district_code: str | None
    created_at: datetime
    updated_at: datetime
    cards: list[IncidentCardOut]


def _incident_out(view: incidents.IncidentView) -> IncidentOut:
    return IncidentOut(
        incident_id=view.incident_id,
        number=view.number,
        incident_type=view.incident_type,
        priority=view.priority,
        address=view.address,
        district_code=view.district_code,
        created_at=view.created_at,
        updated_at=view.updated_at,
        cards=[IncidentCardOut(**_fields(card)) for card in view.cards],
    )


def _fields(value: incidents.IncidentCard | incident_suggestions.Suggestion) -> dict[str, Any]:
    return {name: getattr(value, name) for name in type(value).__slots__}


@router.get("/cards/{card_id}/incident-suggestions", response_model=list[SuggestionOut])
async def suggestions(
    card_id: uuid.UUID, session: Session, who: CallTaker, settings: SettingsDep, now: LocalNow
) -> list[SuggestionOut]:
    """Open incidents near the card's point (or at a similar address in its district) of a
    compatible type, nearest first; audited as ``card.incident_suggestions``."""
    found = await incident_suggestions.suggestions(
        session,
        who.actor,
        card_id,
        now=now,
        window=timedelta(minutes=settings.incident_window_minutes),
        radius_m=settings.incident_radius_m,
    )
    return [SuggestionOut(**_fields(suggestion)) for suggestion in found]


@router.post("/cards/{card_id}/incident")
async def join_incident(
    card_id: uuid.UUID,
    body: JoinRequest,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """Make the card part of an incident (``parent`` link to its head, ``child`` back); with
    ``close`` also close it as a duplicate in the same step."""
    if body.close:
        row = await incidents.join_and_close(
            session,
            who.actor,
            card_id,
            body.incident_card_id,
            note=body.note,
            now=now,
            classifier=classifier,
        )
    else:
        row = await incidents.join(session, who.actor, card_id, body.incident_card_id, now=now)
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/merge")
async def merge_card(
    card_id: uuid.UUID,
    body: MergeRequest,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """Merge the card into another that survives; the merged card is closed as a duplicate and
    its services receive the version naming the survivor."""
    row = await incidents.merge(
        session, who.actor, card_id, body.into_card_id, now=now, classifier=classifier
    )
    return card_response(row, request, classifier)


@router.get("/incidents", response_model=list[IncidentOut])
async def list_incidents(
    session: Session,
    who: IncidentWatcher,
    now: LocalNow,
    hours: Annotated[int, Query(ge=1, le=24 * 7)] = 12,
) -> list[IncidentOut]:
    """Incidents of several calls changed in the last ``hours``, newest change first."""
    views = await incidents.incidents(
        session, who.actor, since=now - timedelta(hours=hours), now=now
    )
    return [_incident_out(view) for view in views]


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
async def read_incident(
    incident_id: uuid.UUID, session: Session, who: IncidentWatcher, now: LocalNow
) -> IncidentOut:
    """One incident with every card (call) that is part of it."""
    return _incident_out(await incidents.incident(session, who.actor, incident_id, now=now))
