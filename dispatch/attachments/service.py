"""Storing and reading attachments: checked, kept, audited.

A file is taken only when its declared type is allowed, its first bytes are of that type and
it is no larger than the limit; a refused file stores nothing. Storing is audited as
``attachment.store`` and announced as ``attachment.stored`` (with ``call_id`` and
``card_id``) after the commit; every read of the bytes is audited as ``attachment.read``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.attachments import events, kinds, storage
from dispatch.attachments.models import Attachment
from dispatch.attachments.schemas import AttachmentIn, AttachmentOut, AttachmentReceipt
from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.settings import Settings
from dispatch.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    said,
)

DATABASE, DIRECTORY = "database", "directory"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class Source(StrEnum):
    """Who sent the file."""

    CALLER = "caller"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Policy:
    """How large a file may be and where the bytes go (the folder, else the database)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    directory: Path | None = None

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        """The policy the settings give."""
        return cls(max_bytes=settings.attachment_max_bytes, directory=settings.attachments_dir)


_E = TypeVar("_E", bound=DomainError)


def _refusal(kind: type[_E], code: str, message: str, **params: object) -> _E:
    error = kind(message, said=said(code, **params))
    error.code = code
    return error


def checked_type(content: bytes, media_type: str | None, policy: Policy) -> str:
    """The file's media type once it passed every check; the refusal otherwise (413 too
    large, 415 a type not taken or bytes not of the declared type, 422 empty)."""
    if len(content) > policy.max_bytes:
        raise _refusal(
            PayloadTooLarge,
            "attachment_too_large",
            f"the file is {len(content)} bytes; at most {policy.max_bytes} are taken",
            size=len(content),
            limit=policy.max_bytes,
        )
    if not content:
        raise _refusal(Invalid, "attachment_empty", "the file is empty")
    declared = kinds.declared(media_type)
    if declared not in kinds.ALLOWED:
        allowed = ", ".join(kinds.ALLOWED)
        raise _refusal(
            UnsupportedMediaType,
            "attachment_type_refused",
            f"files of type {declared or 'none'} are not taken; send one of {allowed}",
            media_type=declared,
        )
    found = kinds.sniff(content[:64])
    if found != declared:
        raise _refusal(
            UnsupportedMediaType,
            "attachment_type_mismatch",
            f"the file was sent as {declared} but its content is "
            f"{found or 'of no type taken here'}",
            media_type=declared,
            found=found,
        )
    return declared


async def store(
    session: AsyncSession,
    actor: Actor,
    policy: Policy,
    *,
    content: bytes,
    media_type: str | None,
    filename: str | None,
    source: Source,
    call_id: uuid.UUID | None = None,
    card_id: uuid.UUID | None = None,
    now: datetime,
) -> Attachment:
    """Check and keep a file of a call and/or a card; audited and announced."""
    kind = checked_type(content, media_type, policy)
    digest = hashlib.sha256(content).hexdigest()
    if policy.directory is not None:
        await storage.write(policy.directory, digest, content)
    row = Attachment(
        id=uuid.uuid4(),
        call_id=call_id,
        card_id=card_id,
        media_type=kind,
        size=len(content),
        sha256=digest,
        filename=kinds.display_name(filename, kind),
        source=source.value,
        storage=DIRECTORY if policy.directory is not None else DATABASE,
        content=None if policy.directory is not None else content,
        created_at=now,
        created_by=actor.username,
    )
    session.add(row)
    await session.flush()
    detail = events.StoredFile(
        call_id=str(call_id) if call_id else None,
        card_id=str(card_id) if card_id else None,
        media_type=kind,
        size=row.size,
        sha256=digest,
        source=source.value,
    )
    await audit.record(
        session, actor, "attachment.store", "attachment", str(row.id), dict(detail), at=now
    )
    emit(session, events.STORED, events.Stored(attachment_id=str(row.id), **detail))
    return row


async def store_from_gateway(
    session: AsyncSession,
    actor: Actor,
    policy: Policy,
    files: Sequence[AttachmentIn],
    *,
    call_id: uuid.UUID,
    now: datetime,
) -> list[AttachmentReceipt]:
    """The files of a caller's message, each stored or refused on its own (a refused photo
    never loses the message it came with); a refusal is audited on the call."""
    receipts: list[AttachmentReceipt] = []
    for index, item in enumerate(files):
        try:
            try:
                content = base64.b64decode(item.content_base64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _refusal(
                    Invalid,
                    "attachment_not_base64",
                    f"attachments[{index}].content_base64 is not base64",
                ) from exc
            # Refused (if at all) before anything of this file is written.
            row = await store(
                session,
                actor,
                policy,
                content=content,
                media_type=item.media_type,
                filename=item.filename,
                source=Source.CALLER,
                call_id=call_id,
                now=now,
            )
        except (Invalid, PayloadTooLarge, UnsupportedMediaType) as exc:
            await audit.record(
                session,
                actor,
                "attachment.refused",
                "call",
                str(call_id),
                {"filename": item.filename, "media_type": item.media_type, "code": exc.code},
                at=now,
            )
            receipts.append(
                AttachmentReceipt(filename=item.filename, code=exc.code, detail=exc.message)
            )
            continue
        receipts.append(AttachmentReceipt(filename=item.filename, id=row.id, sha256=row.sha256))
    return receipts


async def get(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment:
    """The attachment's record (without its bytes); NotFound otherwise."""
    row = await session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(f"no attachment with id {attachment_id}")
    return row


# Who reads an attachment: those who read calls (operators, supervisors, QA), and analysts,
# who read cards but not calls, once it is on a card.
READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.QA})
CARD_READERS = frozenset({Role.ANALYST})


async def read(
    session: AsyncSession, actor: Actor, attachment_id: uuid.UUID, policy: Policy, *, now: datetime
) -> tuple[Attachment, bytes]:
    """An attachment and its bytes for someone who may see its call or card; audited."""
    row = await get(session, attachment_id)
    if actor.role not in READERS and not (actor.role in CARD_READERS and row.card_id):
        raise PermissionDenied(
            f"attachment {attachment_id} is not on a card; only those who read calls see it"
        )
    return row, await content_of(session, actor, row, policy, now=now)


async def content_of(
    session: AsyncSession, actor: Actor, row: Attachment, policy: Policy, *, now: datetime
) -> bytes:
    """The bytes of ``row``, checked against its checksum; the read audited."""
    if row.storage == DIRECTORY:
        if policy.directory is None:
            raise Conflict(
                f"attachment {row.id} is kept as a file but DISPATCH_ATTACHMENTS_DIR is not set",
                said=said("attachment_missing"),
            )
        content = await storage.read(policy.directory, row.sha256)
    else:
        content = await session.scalar(select(Attachment.content).where(Attachment.id == row.id))
        storage.check(content or b"", row.sha256)
    await audit.record(
        session,
        actor,
        "attachment.read",
        "attachment",
        str(row.id),
        {"card_id": str(row.card_id) if row.card_id else None, "sha256": row.sha256},
        at=now,
    )
    return content or b""


# Read with every update of the operator's console for the call: built once, never the bytes.
_OF_CALL = (
    select(*(getattr(Attachment, name) for name in AttachmentOut.model_fields))
    .where(Attachment.call_id == bindparam("call_id"))
    .order_by(Attachment.created_at, Attachment.id)
)


async def of_call(session: AsyncSession, call_id: uuid.UUID) -> list[AttachmentOut]:
    """The call's attachments (what they are, not their bytes), oldest first."""
    rows = await session.execute(_OF_CALL, {"call_id": call_id})
    return [AttachmentOut(**row._mapping) for row in rows]


async def set_card(
    session: AsyncSession, attachment_ids: Sequence[uuid.UUID], card_id: uuid.UUID
) -> None:
    """Record that these attachments are on the card ``card_id``."""
    if attachment_ids:
        await session.execute(
            update(Attachment)
            .where(Attachment.id.in_(list(attachment_ids)))
            .values(card_id=card_id)
            .execution_options(synchronize_session="fetch")
        )


def attachment_out(row: Attachment) -> AttachmentOut:
    """The API view of an attachment."""
    return AttachmentOut.model_validate(row)
