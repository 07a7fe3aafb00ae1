"""Writing and reading the audit log. Entries are written in the same transaction as the
change they describe, so a change without its audit entry cannot be committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.models import AuditEntry
from dispatch.core.actor import Actor


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
    *,
    at: datetime,
) -> None:
    """Append one entry: ``actor`` did ``action`` to ``target_type``/``target_id``."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor.username,
            role=actor.role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail or {},
            ip=actor.ip,
            request_id=actor.request_id,
        )
    )


async def search(
    session: AsyncSession,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Entries matching every given filter, newest first, with the total count."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action.startswith(action))
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows.all()), total
