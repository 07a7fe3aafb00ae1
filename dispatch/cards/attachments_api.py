"""An operator adds a file to a card: ``multipart/form-data`` with the file in ``file``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status

from dispatch.attachments import service as attachments
from dispatch.attachments.schemas import AttachmentOut
from dispatch.auth.roles import Role
from dispatch.cards import attachments as card_files
from dispatch.cards.api import LocalNow
from dispatch.deps import Principal, Session, SettingsDep, roles
from dispatch.errors import PayloadTooLarge, said

router = APIRouter(prefix="/api/v1", tags=["cards"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
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
