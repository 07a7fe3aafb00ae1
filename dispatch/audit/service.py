"""Writing and reading the audit log. Entries are written in the same transaction as the
change they describe, so a change without its audit entry cannot be committed.

An entry is kept on the session as a plain row and all of a transaction's entries are
inserted in one statement just before it commits (``core.kept.write_at_commit``), or before the log
is read in the same transaction: a request with several changes pays one insert, not one ORM
object each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from dispatch.audit.models import AuditEntry
from dispatch.core import kept
from dispatch.core.actor import Actor

# Written at the commit, taken back with a savepoint that rolls back (``core.kept``): no entry
# for what did not happen.
_PENDING_KEY = "dispatch.audit.pending"
# A Core statement built once, run on the transaction's connection: the ORM's bulk insert of
# the same rows cost several times the statement itself.
_INSERT = insert(cast(Table, AuditEntry.__table__))


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
    _pending(session.sync_session).append(
        {
            "at": at,
            "actor": actor.username,
            "role": actor.role,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "detail": detail or {},
            "ip": actor.ip,
            "request_id": actor.request_id,
        }
    )


def _pending(session: Session) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = session.info.setdefault(_PENDING_KEY, [])
    return rows


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the transaction's entries kept so far, in one statement, in order."""
    session.connection().execute(_INSERT, rows)


def _write_pending(session: Session) -> None:
    rows = session.info.pop(_PENDING_KEY, None)
    if rows:
        _insert(session, rows)


kept.write_at_commit(_PENDING_KEY, _insert)


async def write_pending(session: AsyncSession) -> None:
    """Insert the entries recorded so far in this transaction (before reading the log)."""
    await session.run_sync(_write_pending)


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
    await write_pending(session)
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
