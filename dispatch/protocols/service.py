"""Protocol versions: drafted, reviewed and approved by methodologists (issue 24).

A version is ``draft`` (its author and other methodologists edit it), ``in_review`` (submitted;
a methodologist other than the one who submitted it approves it, or returns it to draft with a
note), ``approved`` (immutable from then on) and ``retired`` (a newer version of the protocol was
approved). ``TRANSITIONS`` is the table; anything else is a 409. A protocol has at most one
version that is not approved or retired. The consoles walk the newest approved version, else the
newest draft, which they show with a DRAFT badge: nothing ships approved.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, PermissionDenied, said
from dispatch.protocols.definition import Definition
from dispatch.protocols.models import ProtocolVersion
from dispatch.protocols.models import VersionStatus as VersionStatus  # beside its table

SEEDS = Path(__file__).parent / "seeds"


S = VersionStatus
TRANSITIONS: Mapping[VersionStatus, frozenset[VersionStatus]] = MappingProxyType(
    {
        S.DRAFT: frozenset({S.IN_REVIEW}),
        S.IN_REVIEW: frozenset({S.APPROVED, S.DRAFT}),
        S.APPROVED: frozenset({S.RETIRED}),
        S.RETIRED: frozenset(),
    }
)
OPEN = (S.DRAFT.value, S.IN_REVIEW.value)


def parse(data: Mapping[str, Any]) -> Definition:
    """A definition from JSON data; a 422 naming the first problem otherwise."""
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "definition"
        raise Invalid(f"protocol definition: {where}: {first['msg']}") from exc


def definition_of(row: ProtocolVersion) -> Definition:
    """The stored definition (stored ones were checked when written)."""
    return Definition.model_validate(row.definition)


def _move(row: ProtocolVersion, to: VersionStatus) -> None:
    """The one place a version's status changes (the table above decides)."""
    if to not in TRANSITIONS[VersionStatus(row.status)]:
        raise Conflict(
            f"protocol {row.code} version {row.version} is {row.status}; it cannot become {to}",
            said=said("protocol_status", protocol=row.code, version=row.version, status=row.status),
        )
    row.status = to


async def get_version(session: AsyncSession, version_id: uuid.UUID) -> ProtocolVersion:
    """One version; NotFound otherwise."""
    row = await session.get(ProtocolVersion, version_id, with_for_update={"key_share": True})
    if row is None:
        raise NotFound(f"no protocol version with id {version_id}")
    return row


async def versions(session: AsyncSession, code: str | None = None) -> list[ProtocolVersion]:
    """Every version (of one protocol), by code then newest first."""
    statement = select(ProtocolVersion).order_by(
        ProtocolVersion.code, ProtocolVersion.version.desc()
    )
    if code is not None:
        statement = statement.where(ProtocolVersion.code == code)
    return list((await session.scalars(statement)).all())


async def usable(session: AsyncSession, code: str) -> ProtocolVersion:
    """The version the consoles walk: the newest approved, else the newest draft or version in
    review (shown as a draft); NotFound for an unknown protocol."""
    found = await versions(session, code)
    for status in (S.APPROVED, S.IN_REVIEW, S.DRAFT):
        for row in found:
            if row.status == status.value:
                return row
    raise NotFound(f"no usable protocol {code!r}")


async def usable_all(session: AsyncSession) -> list[ProtocolVersion]:
    """The version the consoles walk of every protocol that has one."""
    by_code: dict[str, list[ProtocolVersion]] = {}
    for row in await versions(session):
        by_code.setdefault(row.code, []).append(row)
    chosen = []
    for rows in by_code.values():
        for status in (S.APPROVED, S.IN_REVIEW, S.DRAFT):
            match = next((row for row in rows if row.status == status.value), None)
            if match is not None:
                chosen.append(match)
                break
    return chosen


async def create_draft(
    session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, now: datetime
) -> ProtocolVersion:
    """A new draft: version 1 of a new protocol, or the next version of a known one (refused
    while that protocol has a draft or a version in review: edit that one)."""
    definition = parse(data)
    waiting = await session.scalar(
        select(ProtocolVersion).where(
            ProtocolVersion.code == definition.code, ProtocolVersion.status.in_(OPEN)
        )
    )
    if waiting is not None:
        raise Conflict(
            f"protocol {definition.code} already has version {waiting.version} {waiting.status}; "
            "edit or finish that one",
            said=said("protocol_open_version", protocol=definition.code, version=waiting.version),
        )
    last = await session.scalar(
        select(func.max(ProtocolVersion.version)).where(ProtocolVersion.code == definition.code)
    )
    row = ProtocolVersion(
        id=uuid.uuid4(),
        code=definition.code,
        version=(last or 0) + 1,
        status=S.DRAFT.value,
        definition=definition.model_dump(mode="json", exclude_none=True),
        created_at=now,
        created_by=actor.username,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await _audit(session, actor, row, "protocol.draft", now=now)
    return row


async def update_draft(
    session: AsyncSession,
    actor: Actor,
    version_id: uuid.UUID,
    data: Mapping[str, Any],
    *,
    now: datetime,
) -> ProtocolVersion:
    """Replace a draft's definition (its code stays); any other version is immutable."""
    row = await get_version(session, version_id)
    if row.status != S.DRAFT.value:
        raise Conflict(
            f"protocol {row.code} version {row.version} is {row.status}; only a draft is edited",
            said=said("protocol_not_draft", protocol=row.code, version=row.version),
        )
    definition = parse(data)
    if definition.code != row.code:
        raise Invalid(f"the draft is protocol {row.code}; its code cannot become {definition.code}")
    row.definition = definition.model_dump(mode="json", exclude_none=True)
    row.updated_at = now
    await _audit(session, actor, row, "protocol.edit", now=now)
    return row


async def submit(
    session: AsyncSession, actor: Actor, version_id: uuid.UUID, *, now: datetime
) -> ProtocolVersion:
    """Send a draft for review."""
    row = await get_version(session, version_id)
    _move(row, S.IN_REVIEW)
    row.submitted_by = actor.username
    row.review_note = None
    row.updated_at = now
    await _audit(session, actor, row, "protocol.submit", now=now)
    return row


async def review(
    session: AsyncSession,
    actor: Actor,
    version_id: uuid.UUID,
    *,
    approve: bool,
    note: str | None,
    now: datetime,
) -> ProtocolVersion:
    """Approve a version in review (by someone other than who submitted it; the previous
    approved version retires), or return it to draft with a note."""
    row = await get_version(session, version_id)
    if approve:
        if row.submitted_by == actor.username:
            raise PermissionDenied(
                "a protocol version is approved by a methodologist other than who submitted it",
                said=said("protocol_four_eyes"),
            )
        _move(row, S.APPROVED)
        for older in await versions(session, row.code):
            if older.id != row.id and older.status == S.APPROVED.value:
                _move(older, S.RETIRED)
                older.updated_at = now
        row.approved_at, row.approved_by = now, actor.username
    else:
        if not note:
            raise Invalid("returning a version to draft needs a note saying why")
        _move(row, S.DRAFT)
    row.review_note = note
    row.updated_at = now
    await _audit(session, actor, row, "protocol.approve" if approve else "protocol.return", now=now)
    return row


async def seed_protocols(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """Version 1 of every seeded protocol that is not stored yet, as a draft (never approved:
    the centre's physicians and psychologists approve them). Returns how many were added."""
    known = set((await session.scalars(select(ProtocolVersion.code).distinct())).all())
    added = 0
    for path in sorted(SEEDS.glob("*.yaml")):
        definition = Definition.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        if definition.code in known:
            continue
        session.add(
            ProtocolVersion(
                id=uuid.uuid4(),
                code=definition.code,
                version=1,
                status=S.DRAFT.value,
                definition=definition.model_dump(mode="json", exclude_none=True),
                created_at=now,
                created_by=actor.username,
                updated_at=now,
            )
        )
        added += 1
    await session.flush()
    return added


async def _audit(
    session: AsyncSession, actor: Actor, row: ProtocolVersion, action: str, *, now: datetime
) -> None:
    await audit.record(
        session,
        actor,
        action,
        "protocol",
        str(row.id),
        {"code": row.code, "version": row.version, "status": row.status},
        at=now,
    )
