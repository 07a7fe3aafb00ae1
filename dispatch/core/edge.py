"""What every request must be before any endpoint sees it: text the databases can hold.

PostgreSQL stores no NUL character in text (SQLite does, and then every screen shows it), so a
NUL in the path, the query or a JSON or form body is refused here with 422 on both databases,
before anything is read or written. Numbers have their bounds where they are declared
(``BIGINT_MAX``, ``INT_MAX``); the app's handler of ``DataError`` is the net for a value the
database still refuses (an answer of 422, the transaction rolled back, never a 500).
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The largest numbers the database's integer columns and OFFSET hold (PostgreSQL bigint and
# integer; SQLite's integers are 64-bit): paging offsets and cursors, versions.
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1

# Bodies checked: JSON and forms (files and XML are not: XML cannot carry a NUL at all). A body
# larger than this is passed on unchecked; the endpoints' own limits refuse such bodies.
CHECKED_BODY_MAX = 4 * 1024 * 1024
_PERCENT_NUL = re.compile(rb"%00")
# \u0000 in a JSON string, unless its backslash is itself escaped (an even run before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM = b"application/x-www-form-urlencoded"


def _json_like(media: bytes) -> bool:
    return media == b"application/json" or media.endswith(b"+json")


class RefuseNul:
    """Answers 422 to a request carrying a NUL character in its path, query or body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if "\x00" in scope["path"]:
            await self._refuse(scope, send, "the path")
            return
        if b"\x00" in query or _PERCENT_NUL.search(query):
            await self._refuse(scope, send, "the query")
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        media = content_type.split(b";", 1)[0].strip().lower()
        if media != _FORM and not _json_like(media):
            await self.app(scope, receive, send)
            return
        messages, body = await _read(receive)
        pattern = _PERCENT_NUL if media == _FORM else _JSON_NUL
        if body is not None and (b"\x00" in body or pattern.search(body)):
            await self._refuse(scope, send, "the body")
            return
        await self.app(scope, _replay(messages, receive), send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, where: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1007, "reason": "NUL character"})
            return
        body = json.dumps(
            {
                "detail": f"invalid request: {where} contains a NUL character (\\u0000, %00), "
                "which no field accepts",
                "code": "invalid_request",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _read(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The body's messages as received, and the whole body (None when it was too large to
    check: the messages then hold what was read so far, the rest is still to receive)."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > CHECKED_BODY_MAX:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that gives ``messages`` first, then what the client still sends."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
