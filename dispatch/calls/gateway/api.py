"""The gateway's websocket ``/ws/gateway`` and a read-only view of the command outbox."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket

from dispatch.auth.roles import Role
from dispatch.calls.gateway import service, socket
from dispatch.calls.gateway.schemas import CommandOut
from dispatch.deps import Principal, Session, roles

router = APIRouter(tags=["gateway"])

Inspector = Annotated[Principal, roles(Role.SUPERVISOR, Role.ADMIN)]


@router.websocket("/ws/gateway")
async def gateway_socket(websocket: WebSocket) -> None:
    """Commands to the gateway (role gateway); see ``dispatch.calls.gateway.socket``."""
    await socket.serve(websocket)


@router.get("/api/v1/gateway/commands", response_model=list[CommandOut])
async def list_commands(
    session: Session,
    _: Inspector,
    status: service.CommandStatus | None = None,
    call_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CommandOut]:
    """Commands to the gateways, newest first: what is pending, sent, acknowledged, failed."""
    rows = await service.list_commands(session, status=status, call_id=call_id, limit=limit)
    return [CommandOut.model_validate(row) for row in rows]
