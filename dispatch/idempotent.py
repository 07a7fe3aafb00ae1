"""``Idempotency-Key`` on the creates a client may have to send again (card, note, hand-off,
callback request, service status): the web side of ``core/idempotency.py``.

An endpoint calls :func:`begin` before its change: a request whose key already has an answer
gets that answer again (``Idempotent-Replayed: true``, audited as a replay) and the endpoint
changes nothing; otherwise the endpoint makes its change and passes its answer to
:func:`finish`, which stores it in the same transaction. A request without the header is
untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Header, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core import idempotency
from dispatch.core.actor import Actor

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="send the same key again to get the first answer instead of a second change",
    ),
]


@dataclass(frozen=True)
class Pending:
    """A keyed request whose answer is to be stored."""

    session: AsyncSession
    actor: Actor
    key: str
    request: str
    now: datetime


async def begin(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    key: str | None,
    *,
    now: datetime,
    body: bytes | None = None,
) -> Pending | Response | None:
    """The stored answer to send again, or what :func:`finish` needs (None without a key).
    ``body``: the request's body when the endpoint read it itself."""
    if key is None:
        return None
    key = idempotency.checked_key(key)
    content = body if body is not None else await request.body()
    fingerprint = idempotency.fingerprint(request.method, request.url.path, content)
    answer = await idempotency.find(session, actor.username, key, fingerprint, now=now)
    if answer is None:
        return Pending(session, actor, key, fingerprint, now)
    await audit.record(
        session,
        actor,
        "request.replayed",
        answer.target_type,
        answer.target_id,
        {"idempotency_key": key, "path": request.url.path},
        at=now,
    )
    headers = {"Idempotent-Replayed": "true"}
    if answer.etag:
        headers["ETag"] = answer.etag
    return Response(
        answer.body, status_code=answer.status_code, media_type=answer.media_type, headers=headers
    )


async def finish(
    pending: Pending | None, response: Response, target_type: str, target_id: str
) -> Response:
    """``response``, stored for its key first when the request had one."""
    if pending is not None:
        answer = idempotency.Answer(
            status_code=response.status_code,
            media_type=response.media_type or "application/json",
            etag=response.headers.get("etag"),
            body=bytes(response.body),
            target_type=target_type,
            target_id=target_id,
        )
        await idempotency.remember(
            pending.session,
            pending.actor.username,
            pending.key,
            pending.request,
            answer,
            now=pending.now,
        )
    return response
