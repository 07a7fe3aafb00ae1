"""Protocols over the API: methodologists draft, submit and approve versions; operators walk
the usable version on a card; supervisors read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from pydantic import BaseModel, ConfigDict, Field

from dispatch.auth.roles import Role
from dispatch.cards import protocol_runs
from dispatch.cards.api import LocalNow
from dispatch.deps import ClockDep, Principal, Session, roles
from dispatch.protocols import service, walks
from dispatch.protocols.definition import Node
from dispatch.protocols.models import ProtocolVersion

router = APIRouter(prefix="/api/v1", tags=["protocols"])

Methodologist = Annotated[Principal, roles(Role.METHODOLOGIST)]
ProtocolReader = Annotated[Principal, roles(Role.METHODOLOGIST, Role.SUPERVISOR)]
Walker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Reader = Annotated[
    Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST, Role.METHODOLOGIST)
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VersionOut(BaseModel):
    """A protocol version; ``definition`` only where asked for one version."""

    id: uuid.UUID
    code: str
    version: int
    status: str
    approved: bool
    title: dict[str, str]
    incident_types: list[str]
    guidance: list[dict[str, Any]]
    created_at: datetime
    created_by: str
    updated_at: datetime
    submitted_by: str | None
    approved_at: datetime | None
    approved_by: str | None
    review_note: str | None
    definition: dict[str, Any] | None = None


class ReviewRequest(_Input):
    """Approve the version, or return it to draft with a note saying why."""

    approve: bool
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class StartRequest(_Input):
    """Start (or carry on) a protocol on the card."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")
    language: str | None = Field(default=None, pattern=r"^(uz|ru|kaa|en)$")


class StepRequest(_Input):
    """Answer the question ``node`` with ``value``, or say instruction ``node`` was given."""

    node: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    value: bool | float | Annotated[str, Field(max_length=2000)] | None = None
    given: bool = False


class OverrideRequest(_Input):
    """The priority the operator sets instead of the protocol's (null takes it back)."""

    priority: int | None = Field(ge=1, le=5)
    reason: str | None = Field(default=None, min_length=1, max_length=500)


class WalkOut(BaseModel):
    """A protocol walked on a card and where it stands."""

    run_id: uuid.UUID
    card_id: uuid.UUID
    code: str
    version: int
    approved: bool
    title: str
    language: str
    guidance: list[dict[str, Any]]
    current: dict[str, Any] | None
    path: list[str]
    finished: bool
    answers: list[dict[str, Any]]
    given: list[dict[str, Any]]
    determinant: dict[str, Any] | None
    priority_override: int | None
    override_reason: str | None
    escalated_at: datetime | None


def _version_out(row: ProtocolVersion, *, full: bool = False) -> VersionOut:
    definition = row.definition
    return VersionOut(
        id=row.id,
        code=row.code,
        version=row.version,
        status=row.status,
        approved=row.status == service.VersionStatus.APPROVED.value,
        title=definition["title"],
        incident_types=definition.get("incident_types", []),
        guidance=definition["guidance"],
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        submitted_by=row.submitted_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        review_note=row.review_note,
        definition=definition if full else None,
    )


def _node(node: Node, language: str) -> dict[str, Any]:
    """A node in the run's language, as the console shows it."""
    shown: dict[str, Any] = {
        "id": node.id,
        "kind": node.kind,
        "text": getattr(node.text, language),
        "entry": node.entry,
    }
    if node.answer is not None:
        shown["answer"] = {
            "type": node.answer.type,
            "choices": [
                {"code": c.code, "text": getattr(c.text, language)} for c in node.answer.choices
            ],
            "minimum": node.answer.minimum,
            "maximum": node.answer.maximum,
            "unit": node.answer.unit,
        }
    if node.timer is not None:
        shown["timer"] = {
            "kind": node.timer.kind,
            "rate_per_min": node.timer.rate_per_min,
            "handover_every_s": node.timer.handover_every_s,
            "label": getattr(node.timer.label, language) if node.timer.label else None,
        }
    return shown


def _walk_out(view: walks.WalkView) -> WalkOut:
    run, definition, walk = view.run, view.definition, view.walk
    language = run.language
    current = None if walk.current is None else _node(definition.node(walk.current), language)
    return WalkOut(
        run_id=run.id,
        card_id=run.card_id,
        code=run.protocol_code,
        version=run.protocol_version,
        approved=run.approved,
        title=getattr(definition.title, language),
        language=language,
        guidance=[g.model_dump(mode="json", exclude_none=True) for g in definition.guidance],
        current=current,
        path=list(walk.path),
        finished=walk.finished,
        answers=[{k: v for k, v in a.items() if k != "raw"} for a in run.answers],
        given=list(run.given),
        determinant=run.determinant,
        priority_override=run.override_priority,
        override_reason=run.override_reason,
        escalated_at=run.escalated_at,
    )


@router.get("/protocols", response_model=list[VersionOut])
async def list_protocols(session: Session, _: Reader) -> list[VersionOut]:
    """The version of each protocol the consoles walk (approved, else the draft: see status)."""
    return [_version_out(row) for row in await service.usable_all(session)]


@router.get("/protocols/{code}", response_model=VersionOut)
async def read_protocol(code: str, session: Session, _: Reader) -> VersionOut:
    """The version of ``code`` the consoles walk, with its definition."""
    return _version_out(await service.usable(session, code), full=True)


@router.get("/protocols/{code}/versions", response_model=list[VersionOut])
async def protocol_versions(code: str, session: Session, _: ProtocolReader) -> list[VersionOut]:
    """Every version of ``code``, newest first."""
    return [_version_out(row) for row in await service.versions(session, code)]


@router.post("/protocols", response_model=VersionOut, status_code=status.HTTP_201_CREATED)
async def create_protocol(
    session: Session,
    who: Methodologist,
    clock: ClockDep,
    definition: Annotated[dict[str, Any], Body()],
) -> VersionOut:
    """A new draft: version 1 of a new protocol or the next version of a known one."""
    row = await service.create_draft(session, who.actor, definition, now=clock.now())
    return _version_out(row, full=True)


@router.get("/protocol-versions/{version_id}", response_model=VersionOut)
async def read_version(version_id: uuid.UUID, session: Session, _: ProtocolReader) -> VersionOut:
    """One version with its definition."""
    return _version_out(await service.get_version(session, version_id), full=True)


@router.put("/protocol-versions/{version_id}", response_model=VersionOut)
async def edit_version(
    version_id: uuid.UUID,
    session: Session,
    who: Methodologist,
    clock: ClockDep,
    definition: Annotated[dict[str, Any], Body()],
) -> VersionOut:
    """Replace a draft's definition; approved versions are immutable (409)."""
    row = await service.update_draft(session, who.actor, version_id, definition, now=clock.now())
    return _version_out(row, full=True)


@router.post("/protocol-versions/{version_id}/submit", response_model=VersionOut)
async def submit_version(
    version_id: uuid.UUID, session: Session, who: Methodologist, clock: ClockDep
) -> VersionOut:
    """Send a draft for review."""
    return _version_out(await service.submit(session, who.actor, version_id, now=clock.now()))


@router.post("/protocol-versions/{version_id}/review", response_model=VersionOut)
async def review_version(
    version_id: uuid.UUID,
    body: ReviewRequest,
    session: Session,
    who: Methodologist,
    clock: ClockDep,
) -> VersionOut:
    """Approve (another methodologist than who submitted) or return to draft with a note."""
    row = await service.review(
        session, who.actor, version_id, approve=body.approve, note=body.note, now=clock.now()
    )
    return _version_out(row)


@router.post("/cards/{card_id}/protocols", response_model=WalkOut, status_code=201)
async def start_protocol(
    card_id: uuid.UUID, body: StartRequest, session: Session, who: Walker, now: LocalNow
) -> WalkOut:
    """Start a protocol on the card (or carry on the one started before)."""
    view = await walks.start(
        session, who.actor, card_id, body.code, language=body.language, now=now
    )
    return _walk_out(view)


@router.get("/cards/{card_id}/protocols", response_model=list[WalkOut])
async def card_protocols(card_id: uuid.UUID, session: Session, _: Reader) -> list[WalkOut]:
    """The protocols walked on the card and where each stands."""
    runs = await protocol_runs.runs_of(session, card_id)
    return [_walk_out(await walks.view(session, run)) for run in runs]


@router.post("/protocol-runs/{run_id}/steps", response_model=WalkOut)
async def protocol_step(
    run_id: uuid.UUID, body: StepRequest, session: Session, who: Walker, now: LocalNow
) -> WalkOut:
    """Answer a question or mark an instruction as given."""
    view = await walks.step(
        session,
        who.actor,
        run_id,
        node_id=body.node,
        value=body.value,
        given=body.given,
        now=now,
    )
    return _walk_out(view)


@router.post("/protocol-runs/{run_id}/override", response_model=WalkOut)
async def protocol_override(
    run_id: uuid.UUID, body: OverrideRequest, session: Session, who: Walker, now: LocalNow
) -> WalkOut:
    """Set the card's priority other than the protocol proposes, with a reason."""
    view = await walks.override(
        session, who.actor, run_id, priority=body.priority, reason=body.reason, now=now
    )
    return _walk_out(view)
