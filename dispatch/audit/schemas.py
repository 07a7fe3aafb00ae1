"""The audit log over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryOut(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]
    ip: str | None
    request_id: str | None


class AuditPage(BaseModel):
    """A page of entries, newest first."""

    items: list[AuditEntryOut]
    total: int
