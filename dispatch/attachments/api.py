"""An attachment's bytes: always a download, in its stored type, never sniffed or rendered."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Response

from dispatch.attachments import service
from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles

router = APIRouter(prefix="/api/v1", tags=["attachments"])

Reader = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST)]


def disposition(filename: str) -> str:
    """``attachment`` with the name for any browser: an ASCII one and the exact UTF-8 one."""
    plain = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
async def get_attachment(
    attachment_id: uuid.UUID,
    session: Session,
    who: Reader,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """The file as it was received, as a download (analysts: only files on a card); audited."""
    row, content = await service.read(
        session, who.actor, attachment_id, service.Policy.of(settings), now=clock.now()
    )
    return Response(
        content,
        media_type=row.media_type,
        headers={
            "Content-Disposition": disposition(row.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "ETag": f'"{row.sha256}"',
        },
    )
