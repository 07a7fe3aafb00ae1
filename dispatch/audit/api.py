"""The audit log, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from dispatch.audit import service
from dispatch.audit.schemas import AuditEntryOut, AuditPage
from dispatch.core.edge import BIGINT_MAX
from dispatch.deps import Admin, Session

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditPage)
async def read_audit_log(
    session: Session,
    _: Admin,
    actor: str | None = None,
    action: Annotated[
        str | None, Query(description="prefix, e.g. 'card.' for every card action")
    ] = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> AuditPage:
    """Who did what, when and from where; newest first."""
    rows, total = await service.search(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return AuditPage(items=[AuditEntryOut.model_validate(r) for r in rows], total=total)
