"""Creates a client may safely send again: the ``Idempotency-Key`` of a request and its answer.

A client that lost the answer to a create (a crash, a dropped connection) sends the same
request with the same key again and gets the first answer back instead of a second card, note,
hand-off, callback task or status report. The key is the client's (at most 255 visible ASCII
characters), scoped to the account that sent it, and kept for ``KEEP``; the answer is stored in
the transaction of the change it answers, so either both are stored or neither. The same key
with a different request (another path or body) is refused, as is a key whose first request is
still being made (the second waits for the first's lock, then finds the key taken).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, UTCDateTime
from dispatch.errors import Conflict, Invalid

KEEP = timedelta(hours=24)
KEY = re.compile(r"[\x21-\x7e]{1,255}")


class IdempotentAnswer(Base):
    """The answer given to the first request that carried a key."""

    __tablename__ = "idempotency_keys"

    actor: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    etag: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Answer:
    """What was answered, to send again."""

    status_code: int
    media_type: str
    etag: str | None
    body: bytes
    target_type: str
    target_id: str


def checked_key(key: str) -> str:
    """The key as sent, when it is one (422 otherwise)."""
    if not KEY.fullmatch(key):
        raise Invalid("Idempotency-Key must be 1 to 255 visible ASCII characters")
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


async def find(
    session: AsyncSession, actor: str, key: str, request: str, *, now: datetime
) -> Answer | None:
    """The answer stored for ``key`` of ``actor``, if the key was used for this ``request``
    (a fingerprint) within ``KEEP``; 422 when it was used for another request."""
    row = await session.get(IdempotentAnswer, (actor, key))
    if row is None:
        return None
    if row.created_at < now - KEEP:
        await session.delete(row)
        await session.flush()
        return None
    if row.fingerprint != request:
        raise Invalid(
            "this Idempotency-Key was used for another request (another path or body); "
            "use a new key for a new request"
        )
    return Answer(
        row.status_code, row.media_type, row.etag, row.body, row.target_type, row.target_id
    )


async def remember(
    session: AsyncSession, actor: str, key: str, request: str, answer: Answer, *, now: datetime
) -> None:
    """Store ``answer`` for ``key`` in the change's own transaction; 409 when another request
    with the key got there first (this one's change is then rolled back with it). The actor's
    answers older than ``KEEP`` go at the same time (the table holds a day of keys)."""
    await session.execute(
        delete(IdempotentAnswer).where(
            IdempotentAnswer.actor == actor, IdempotentAnswer.created_at < now - KEEP
        )
    )
    session.add(
        IdempotentAnswer(
            actor=actor,
            key=key,
            fingerprint=request,
            status_code=answer.status_code,
            media_type=answer.media_type,
            etag=answer.etag,
            body=answer.body,
            target_type=answer.target_type,
            target_id=answer.target_id,
            created_at=now,
        )
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "a request with this Idempotency-Key was being made at the same time; "
            "send it again to get its answer"
        ) from exc
