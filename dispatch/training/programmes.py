"""Programmes: goals, modules with materials, the standard's tasks they serve, the QA items
they target and a test. A programme is changed only until a session uses it; after that it is
frozen (what trainees were taught and tested on stays what it was), and a changed programme is
a new one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.attachments import service as attachments
from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, said
from dispatch.qa import findings
from dispatch.training.models import Programme, TrainingSession
from dispatch.training.schemas import ProgrammeIn, ProgrammeOut, ScorecardItem
from dispatch.training.standard import BY_CODE


async def _check(session: AsyncSession, data: ProgrammeIn) -> None:
    unknown = [code for code in data.functions if code not in BY_CODE]
    if unknown:
        raise Invalid(
            f"functions: {', '.join(unknown)} is not a task of the professional standard; "
            "see GET /api/v1/training/standard"
        )
    if len(set(data.functions)) != len(data.functions):
        raise Invalid("functions: a task is named twice")
    try:
        items = await findings.scorecard_items(session, data.scorecard)
    except NotFound as exc:
        raise Invalid(f"scorecard: {exc.message}") from exc
    missing = [item for item in data.items if item not in items]
    if missing:
        raise Invalid(f"items: scorecard {data.scorecard!r} has no item {', '.join(missing)}")
    if len(set(data.items)) != len(data.items):
        raise Invalid("items: an item is named twice")
    for m, module in enumerate(data.modules):
        for material in module.materials:
            if material.attachment_id is None:
                continue
            try:
                await attachments.get(session, material.attachment_id)
            except NotFound as exc:
                raise Invalid(f"modules[{m}].materials: {exc.message}") from exc


def _fields(data: ProgrammeIn) -> dict[str, object]:
    dumped = data.model_dump(mode="json")
    return {key: dumped[key] for key in ProgrammeIn.model_fields}


async def create(
    session: AsyncSession, actor: Actor, data: ProgrammeIn, *, now: datetime
) -> ProgrammeOut:
    """A new programme; its codes, items and files checked."""
    await _check(session, data)
    row = Programme(
        id=uuid.uuid4(),
        **_fields(data),
        created_at=now,
        created_by=actor.username,
        updated_at=now,
        updated_by=actor.username,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor,
        "training.programme.create",
        "training_programme",
        str(row.id),
        {"functions": data.functions, "scorecard": data.scorecard, "items": data.items},
        at=now,
    )
    return _out(row, 0)


async def update(
    session: AsyncSession,
    actor: Actor,
    programme_id: uuid.UUID,
    data: ProgrammeIn,
    *,
    now: datetime,
) -> ProgrammeOut:
    """Replace a programme no session has used yet; a used one is a 409."""
    row = await get_row(session, programme_id, lock=True)
    if await _sessions(session, row.id):
        raise Conflict(
            f"programme {row.id} is used by a session; make a new programme instead",
            said=said("training_programme_in_use"),
        )
    await _check(session, data)
    for key, value in _fields(data).items():
        setattr(row, key, value)
    row.updated_at = now
    row.updated_by = actor.username
    await audit.record(
        session,
        actor,
        "training.programme.update",
        "training_programme",
        str(row.id),
        {"functions": data.functions, "scorecard": data.scorecard, "items": data.items},
        at=now,
    )
    return _out(row, 0)


async def scorecard_items(session: AsyncSession, scorecard: str) -> list[ScorecardItem]:
    """The items of the scorecard's newest version; NotFound for an unknown scorecard."""
    items = await findings.scorecard_items(session, scorecard)
    return [ScorecardItem(key=key, text=text) for key, text in items.items()]


async def get_row(
    session: AsyncSession, programme_id: uuid.UUID, *, lock: bool = False
) -> Programme:
    """The programme's row; NotFound otherwise."""
    query = select(Programme).where(Programme.id == programme_id)
    if lock:
        query = query.with_for_update(key_share=True)
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"no training programme with id {programme_id}")
    return row


async def get(session: AsyncSession, programme_id: uuid.UUID) -> ProgrammeOut:
    """One programme."""
    row = await get_row(session, programme_id)
    return _out(row, await _sessions(session, row.id))


async def titles(
    session: AsyncSession, programme_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    """The titles (per language) of these programmes, by id."""
    rows = await session.scalars(select(Programme).where(Programme.id.in_(set(programme_ids))))
    return {row.id: row.title for row in rows}


async def list_all(session: AsyncSession) -> list[ProgrammeOut]:
    """Every programme, newest first."""
    rows = (await session.scalars(select(Programme).order_by(Programme.created_at.desc()))).all()
    found = await session.execute(
        select(TrainingSession.programme_id, func.count()).group_by(TrainingSession.programme_id)
    )
    counts = {programme: int(count) for programme, count in found}
    return [_out(r, counts.get(r.id, 0)) for r in rows]


async def _sessions(session: AsyncSession, programme_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(func.count()).where(TrainingSession.programme_id == programme_id)
    )
    return int(found or 0)


def _out(row: Programme, sessions: int) -> ProgrammeOut:
    return ProgrammeOut.model_validate(
        {
            "id": row.id,
            "title": row.title,
            "goals": row.goals,
            "modules": row.modules,
            "functions": row.functions,
            "scorecard": row.scorecard,
            "items": row.items,
            "test": row.test,
            "sessions": sessions,
            "editable": sessions == 0,
            "created_at": row.created_at,
            "created_by": row.created_by,
            "updated_at": row.updated_at,
            "updated_by": row.updated_by,
        }
    )
