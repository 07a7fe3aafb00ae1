"""Files of calls and cards over HTTP: an operator adds one to a card (``multipart/form-data``
with the file in ``file``); anyone who may see it downloads one, always as an attachment in
its stored type, never sniffed or rendered."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from dispatch.attachments import service as attachments
from dispatch.attachments.schemas import AttachmentOut
from dispatch.auth.roles import Role
from dispatch.cards import attachments as card_files
from dispatch.cards.api import LocalNow
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import PayloadTooLarge, said

router = APIRouter(prefix="/api/v1", tags=["cards"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Reader = Annotated[
    Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST, Role.SERVICE)
]
# The form's own bytes around the file (boundaries, headers) that a body may carry on top.
FORM_OVERHEAD = 64 * 1024


@router.post(
    "/cards/{card_id}/attachments",
    response_model=AttachmentOut,
    status_code=status.HTTP_201_CREATED,
)
async def add_attachment(
    card_id: uuid.UUID,
    request: Request,
    file: Annotated[UploadFile, File(description="a photo or video (see GET /attachments)")],
    session: Session,
    who: CallTaker,
    settings: SettingsDep,
    now: LocalNow,
) -> AttachmentOut:
    """Store a file and put its reference on the card (a new version); the file is checked
    (type by its first bytes, size) and a refused one stores nothing (413, 415, 422)."""
    policy = attachments.Policy.of(settings)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes + FORM_OVERHEAD:
        raise _too_large(int(declared), policy.max_bytes)
    content = await file.read(policy.max_bytes + 1)
    if len(content) > policy.max_bytes:
        raise _too_large(len(content), policy.max_bytes)
    stored = await card_files.add_file(
        session,
        who.actor,
        card_id,
        policy,
        content=content,
        media_type=file.content_type,
        filename=file.filename,
        now=now,
    )
    return attachments.attachment_out(stored)


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    error = PayloadTooLarge(
        f"the file is over {limit} bytes; at most {limit} are taken",
        said=said("attachment_too_large", size=size, limit=limit),
    )
    error.code = "attachment_too_large"
    return error


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
    """The file as it was received, as a download; audited. Operators, supervisors and QA
    read any; analysts those on a card; a service those on a card routed to it."""
    row, content = await card_files.read_file(
        session, who.actor, attachment_id, attachments.Policy.of(settings), now=clock.now()
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
