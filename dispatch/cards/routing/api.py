"""The published incident classifier and hazard list, for consoles and services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from dispatch.cards import service as cards
from dispatch.cards.routing import Classifier, IncidentType, UnknownIncidentType, default_classifier
from dispatch.deps import AnyUser, ClockDep, Session
from dispatch.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["classifier"])


async def get_classifier() -> Classifier:
    """The published incident classifier."""
    return default_classifier()


ClassifierDep = Annotated[Classifier, Depends(get_classifier)]


class IncidentTypeOut(BaseModel):
    """One incident type: names, default priority, services, deadlines, required fields."""

    code: str
    category: str
    names: dict[str, str]
    priority: int
    services: list[str]
    ack_deadline_s: int
    complete_deadline_min: int
    required: list[str]
    keywords: dict[str, list[str]]


class HazardOut(BaseModel):
    """A hazard an operator can tick on a card."""

    code: str
    names: dict[str, str]


def _out(kind: IncidentType) -> IncidentTypeOut:
    return IncidentTypeOut(
        code=kind.code,
        category=kind.category,
        names=dict(kind.names),
        priority=kind.priority,
        services=list(kind.services),
        ack_deadline_s=kind.ack_deadline_s,
        complete_deadline_min=kind.complete_deadline_min,
        required=list(kind.required),
        keywords={lang: list(words) for lang, words in kind.keywords.items()},
    )


@router.get("/incident-types", response_model=list[IncidentTypeOut])
async def list_incident_types(
    _: AnyUser,
    classifier: ClassifierDep,
    session: Session,
    clock: ClockDep,
    q: Annotated[str | None, Query(max_length=100, description="search in uz, ru, en")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> list[IncidentTypeOut]:
    """Every incident type in classifier order, or the best matches for ``q``: exact, then
    prefix, then other matches; within each the more severe type first (priority 1 before
    3), then the more frequent (cards of the last 7 days)."""
    if not q:
        return [_out(kind) for kind in list(classifier.types.values())[:limit]]
    frequency = await cards.incident_type_frequency(session, now=clock.now())
    return [_out(kind) for kind in classifier.search(q, limit=limit, frequency=frequency)]


@router.get("/incident-types/{code}", response_model=IncidentTypeOut)
async def get_incident_type(code: str, _: AnyUser, classifier: ClassifierDep) -> IncidentTypeOut:
    """One incident type."""
    try:
        return _out(classifier.get(code))
    except UnknownIncidentType as exc:
        raise NotFound(str(exc)) from exc


@router.get("/hazards", response_model=list[HazardOut])
async def list_hazards(_: AnyUser, classifier: ClassifierDep) -> list[HazardOut]:
    """Every hazard token a card may carry."""
    return [HazardOut(code=h.code, names=dict(h.names)) for h in classifier.hazards.values()]
