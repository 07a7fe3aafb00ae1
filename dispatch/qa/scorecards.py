"""Scorecards as versioned data: a version that has evaluations is frozen, only versioned.

The default ACE-like scorecard (key ``ace``) is created by migration 0009.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, NotFound
from dispatch.qa.models import Evaluation, Scorecard
from dispatch.qa.schemas import (
    ScorecardCreate,
    ScorecardDefinition,
    ScorecardOut,
    ScorecardVersionIn,
)

DEFAULT_KEY = "ace"


def definition(row: Scorecard) -> ScorecardDefinition:
    """The stored definition as its model."""
    return ScorecardDefinition.model_validate(row.definition)


async def list_scorecards(session: AsyncSession) -> list[ScorecardOut]:
    """Every version of every scorecard, by key then version."""
    rows = (
        await session.scalars(select(Scorecard).order_by(Scorecard.key, Scorecard.version))
    ).all()
    counts = await _usage(session, [r.id for r in rows])
    newest = {r.key: r.version for r in rows}
    return [_out(r, counts.get(r.id, 0), newest[r.key] == r.version) for r in rows]


async def get_version(
    session: AsyncSession,
    key: str,
    version: int | None = None,
    *,
    lock: bool = False,
    share: bool = False,
) -> Scorecard:
    """A scorecard's version (its newest when ``version`` is None); NotFound otherwise.
    ``share``: locked against change (FOR SHARE) while an evaluation is scored on it."""
    query = select(Scorecard).where(Scorecard.key == key)
    if version is None:
        query = query.order_by(Scorecard.version.desc()).limit(1)
    else:
        query = query.where(Scorecard.version == version)
    if lock:
        query = query.with_for_update(key_share=True)
    elif share:
        query = query.with_for_update(read=True)
    row = await session.scalar(query)
    if row is None:
        which = f"{key!r}" if version is None else f"{key!r} version {version}"
        raise NotFound(f"no scorecard {which}; see GET /api/v1/qa/scorecards")
    return row


async def get_by_id(
    session: AsyncSession, scorecard_id: uuid.UUID, *, share: bool = False
) -> Scorecard:
    """The scorecard version with this id (FOR SHARE when ``share``)."""
    query = select(Scorecard).where(Scorecard.id == scorecard_id)
    if share:
        query = query.with_for_update(read=True)
    row = await session.scalar(query)
    if row is None:  # pragma: no cover - referenced by a foreign key
        raise NotFound(f"no scorecard version {scorecard_id}")
    return row


async def describe(session: AsyncSession, row: Scorecard) -> ScorecardOut:
    """A version with its usage and whether it is the newest."""
    counts = await _usage(session, [row.id])
    newest = await get_version(session, row.key)
    return _out(row, counts.get(row.id, 0), newest.id == row.id)


async def create_scorecard(
    session: AsyncSession, actor: Actor, data: ScorecardCreate, *, now: datetime
) -> Scorecard:
    """A new scorecard, version 1; a key in use is a conflict."""
    taken = await session.scalar(select(Scorecard.id).where(Scorecard.key == data.key).limit(1))
    if taken is not None:
        raise Conflict(
            f"a scorecard {data.key!r} exists; add a version with "
            f"POST /api/v1/qa/scorecards/{data.key}/versions"
        )
    return await _add(session, actor, data.key, 1, data.title, data.definition, now=now)


async def new_version(
    session: AsyncSession, actor: Actor, key: str, data: ScorecardVersionIn, *, now: datetime
) -> Scorecard:
    """The scorecard's next version; earlier versions stay as they are."""
    newest = await get_version(session, key, lock=True)
    return await _add(session, actor, key, newest.version + 1, data.title, data.definition, now=now)


async def update_version(
    session: AsyncSession,
    actor: Actor,
    key: str,
    version: int,
    data: ScorecardVersionIn,
    *,
    now: datetime,
) -> Scorecard:
    """Change a version nobody has scored with yet; one in use is a conflict."""
    # FOR UPDATE conflicts with the key-share lock an evaluation's foreign key takes on
    # PostgreSQL, so no evaluation can slip in between this count and the change.
    row = await get_version(session, key, version, lock=True)
    used = (await _usage(session, [row.id])).get(row.id, 0)
    if used:
        raise Conflict(
            f"scorecard {key!r} version {version} is used by {used} evaluation(s) and cannot be "
            f"changed; make a new version with POST /api/v1/qa/scorecards/{key}/versions"
        )
    row.title = data.title
    row.definition = data.definition.model_dump(mode="json")
    row.updated_at = now
    row.updated_by = actor.username
    await audit.record(
        session, actor, "qa.scorecard.update", "qa_scorecard", str(row.id),
        {"key": key, "version": version}, at=now,
    )  # fmt: skip
    return row


async def _add(
    session: AsyncSession,
    actor: Actor,
    key: str,
    version: int,
    title: str,
    content: ScorecardDefinition,
    *,
    now: datetime,
) -> Scorecard:
    row = Scorecard(
        id=uuid.uuid4(),
        key=key,
        version=version,
        title=title,
        definition=content.model_dump(mode="json"),
        created_at=now,
        created_by=actor.username,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same key and version made side by side
        raise Conflict(
            f"scorecard {key!r} version {version} was just made by someone else; "
            "read the scorecard again and retry"
        ) from exc
    await audit.record(
        session, actor, "qa.scorecard.create", "qa_scorecard", str(row.id),
        {"key": key, "version": version}, at=now,
    )  # fmt: skip
    return row


async def _usage(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Evaluation.scorecard_id, func.count())
        .where(Evaluation.scorecard_id.in_(ids))
        .group_by(Evaluation.scorecard_id)
    )
    return {row[0]: row[1] for row in rows}


def _out(row: Scorecard, used: int, newest: bool) -> ScorecardOut:
    return ScorecardOut(
        id=row.id,
        key=row.key,
        version=row.version,
        title=row.title,
        definition=definition(row),
        evaluations=used,
        newest=newest,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )
