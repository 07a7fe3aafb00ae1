"""Attachments over the API: as the gateway sends them, as stored, as a message's receipt."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_PER_MESSAGE = 10


class AttachmentIn(BaseModel):
    """A file of an MMS or e-mail as the gateway sends it (base64, standard alphabet)."""

    model_config = ConfigDict(extra="forbid")

    media_type: str = Field(max_length=100, description="as declared, e.g. image/jpeg")
    filename: str | None = Field(default=None, max_length=1000, description="shown, never a path")
    content_base64: str = Field(min_length=1)


class AttachmentOut(BaseModel):
    """A stored attachment (its bytes at ``GET /api/v1/attachments/{id}``)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    call_id: uuid.UUID | None
    card_id: uuid.UUID | None
    media_type: str
    size: int
    sha256: str
    filename: str
    source: str = Field(description="caller or operator")
    created_at: datetime
    created_by: str


class AttachmentReceipt(BaseModel):
    """What became of one file of a gateway's message: stored (``id``) or refused (``code``)."""

    filename: str | None
    id: uuid.UUID | None = None
    sha256: str | None = None
    code: str | None = None
    detail: str | None = None
