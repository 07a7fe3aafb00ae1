"""Gateway commands over the API (for inspection; gateways receive them on the websocket)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from dispatch.calls.gateway.service import CommandStatus, CommandType


class CommandOut(BaseModel):
    """A command in the outbox and how far it got."""

    model_config = ConfigDict(from_attributes=True)

    command_id: uuid.UUID
    command: CommandType
    call_id: uuid.UUID
    operator: str | None
    payload: dict[str, Any]
    status: CommandStatus
    attempts: int
    error: str | None
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    acknowledged_at: datetime | None
    failed_at: datetime | None
