"""The gateway's websocket: authenticate, replay what is unacknowledged, then stream commands.

Protocol (JSON text frames):

- Authenticate with the ``X-Api-Key`` header, the ``api_key`` query parameter, or as the first
  message ``{"type": "auth", "api_key": "..."}`` within 10 s. Only role ``gateway`` is
  admitted; anything else is closed with code 1008 (policy violation) and the reason.
- The server greets ``{"type": "welcome", "gateway": name, "pending": n}``, then sends the
  ``n`` commands not yet acknowledged (oldest first), then new ones as they are queued:
  ``{"type": "command", "command_id", "command", "call_id", "operator", "payload",
  "created_at"}``.
- With several server processes the gateway may connect to any: commands made in another
  process reach it through the Redis bus, and those whose event was lost (Redis away) are
  found in the database every ``SWEEP_S`` and sent then.
- The gateway answers ``{"type": "ack", "command_id"}`` when done (server replies
  ``acknowledged``), ``{"type": "nack", "command_id", "reason"}`` when it cannot (``failed``),
  and may send ``{"type": "ping"}`` (``pong``). A problem with a message gets
  ``{"type": "error", "detail"}``; the connection stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket, WebSocketDisconnect

from dispatch.auth import service as auth
from dispatch.auth.events import CHANGED as AUTH_CHANGED
from dispatch.auth.roles import Role
from dispatch.calls import events
from dispatch.calls.gateway import service
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.core.actor import Actor, client_address
from dispatch.core.bus import Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.redis_bus import RedisBus
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.errors import DomainError

log = get_logger(__name__)

POLICY_VIOLATION = 1008
AUTH_TIMEOUT_S = 10.0
# With several processes (a Redis bus), how often the database is searched for commands whose
# event did not arrive, and how old (clock seconds) a command must be to count as missed.
SWEEP_S = 1.0
SWEEP_AGE_S = 1.0
# Command ids a connection remembers having queued, so that no path sends one twice.
SEEN_MAX = 50_000


class Refused(Exception):
    """The connection may not be served; the message is the close reason."""


async def serve(websocket: WebSocket) -> None:
    """Serve one gateway connection until it closes."""
    runtime: Runtime = websocket.app.state.runtime
    key = websocket.headers.get("x-api-key") or websocket.query_params.get("api_key")
    bearer = websocket.headers.get("authorization", "")
    try:
        if key or bearer:
            actor = await _authenticate(runtime, websocket, key=key, bearer=bearer)
            await websocket.accept()
        else:
            await websocket.accept()
            key = await _key_message(websocket)
            actor = await _authenticate(runtime, websocket, key=key, bearer="")
    except Refused as exc:
        log.warning("gateway.refused", reason=str(exc))
        await websocket.close(code=POLICY_VIOLATION, reason=str(exc)[:120])
        return
    except WebSocketDisconnect:
        return
    await _Connection(websocket, runtime, actor, key=key, bearer=bearer).run()


async def _key_message(websocket: WebSocket) -> str:
    try:
        first = await asyncio.wait_for(_receive_text(websocket), AUTH_TIMEOUT_S)
    except TimeoutError as exc:
        raise Refused(f"authenticate within {AUTH_TIMEOUT_S:.0f} s") from exc
    message = _decode(first)
    if message is None or message.get("type") != "auth" or not message.get("api_key"):
        raise Refused('authenticate first: X-Api-Key, ?api_key= or {"type":"auth","api_key":..}')
    return str(message["api_key"])


async def _authenticate(
    runtime: Runtime, websocket: WebSocket, *, key: str | None, bearer: str
) -> Actor:
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        try:
            if key:
                user = await auth.user_for_api_key(session, key)
            else:
                token = bearer.removeprefix("Bearer ").strip()
                secret = runtime.settings.secret_key.get_secret_value()
                user, _ = await auth.user_for_token(session, token, secret=secret)
        except auth.AuthenticationFailed as exc:
            raise Refused(f"the credentials are not valid: {exc}") from exc
        except DomainError as exc:
            raise Refused("the credentials are not valid") from exc
    if not user.active:
        raise Refused("this account is disabled")
    if user.role != Role.GATEWAY:
        raise Refused(f"this needs the role gateway; you are signed in as {user.role}")
    client = client_address(websocket.client.host if websocket.client else None)
    return Actor(username=user.username, role=user.role, ip=client)


async def _receive_text(websocket: WebSocket) -> str | None:
    """The next text frame; None for a binary one; WebSocketDisconnect when the peer left."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text: str | None = message.get("text")
    return text


def _decode(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


class _Connection:
    """One authenticated gateway: commands from the bus go out in batches (one transaction
    marks a batch sent), the gateway's answers are recorded in batches too (one transaction
    for all the acknowledgements that arrived meanwhile). Under load a call's offer costs a
    share of a transaction, not one of its own."""

    def __init__(
        self, websocket: WebSocket, runtime: Runtime, actor: Actor, *, key: str | None, bearer: str
    ) -> None:
        self.websocket = websocket
        self.runtime = runtime
        self.actor = actor
        self.credentials = (key, bearer)
        self.lock = asyncio.Lock()
        self.seen: OrderedDict[str, None] = OrderedDict()  # command ids queued or replayed
        self.outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def run(self) -> None:
        # Subscribe before reading the outbox: a command committed in between arrives on the
        # bus and is recognised as already replayed, so nothing falls between the two.
        # remote: the ACD may run in another process; its offers come through Redis.
        subscription = self.runtime.bus.subscribe(events.COMMAND, remote=True)
        changes = self.runtime.bus.subscribe(AUTH_CHANGED, remote=True)
        try:
            await self._replay()
            workers = [
                asyncio.create_task(self._pump(subscription)),
                asyncio.create_task(self._watch_credentials(changes)),
                asyncio.create_task(self._send_batches()),
                asyncio.create_task(self._record_answers()),
            ]
            if isinstance(self.runtime.bus, RedisBus):
                workers.append(asyncio.create_task(self._sweep()))
            try:
                await self._read()
            finally:
                await stop_tasks(workers, expected=(WebSocketDisconnect, RuntimeError))
        except WebSocketDisconnect:
            pass
        finally:
            await subscription.close()
            await changes.close()
            log.info("gateway.disconnected", gateway=self.actor.username)

    async def _send(self, message: Mapping[str, Any]) -> None:
        async with self.lock:
            await self.websocket.send_json(message)

    async def _replay(self) -> None:
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            rows = await service.unacknowledged(session)
            documents = [service.command_document(row) for row in rows]
            await service.mark_sent(
                session, self.actor, [row.command_id for row in rows], now=self.runtime.clock.now()
            )
        log.info("gateway.connected", gateway=self.actor.username, pending=len(documents))
        await self._send(
            {"type": "welcome", "gateway": self.actor.username, "pending": len(documents)}
        )
        for document in documents:
            self._first_time(document["command_id"])
            await self._send(document)

    def _first_time(self, command_id: str) -> bool:
        """Remember ``command_id`` as queued; whether it was not already."""
        if command_id in self.seen:
            return False
        self.seen[command_id] = None
        if len(self.seen) > SEEN_MAX:
            self.seen.popitem(last=False)
        return True

    async def _pump(self, subscription: Subscription) -> None:
        """Commands from the bus to the sending queue, until the bus closes."""
        try:
            async for event in subscription:
                document = event.payload
                if self._first_time(document["command_id"]):
                    self.outgoing.put_nowait(document)
            # The bus closed (the server is stopping): let the gateway reconnect elsewhere.
            await self._close(1012, "server restarting")
        except Exception:
            log.warning("gateway.pump_stopped", gateway=self.actor.username, exc_info=True)
            await self._close(1011, "command stream interrupted")

    async def _sweep(self) -> None:
        """Every ``SWEEP_S``: the commands still unsent a while after they were made (their
        event was published in another process while Redis was away) go out now."""
        while True:
            await asyncio.sleep(SWEEP_S)
            made_before = self.runtime.clock.now() - timedelta(seconds=SWEEP_AGE_S)
            try:
                async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                    rows = await service.unsent(session, made_before=made_before)
                    documents = [service.command_document(row) for row in rows]
            except Exception:  # the database is away: the next sweep tries again
                log.warning("gateway.sweep_failed", gateway=self.actor.username, exc_info=True)
                continue
            for document in documents:
                if self._first_time(document["command_id"]):
                    self.outgoing.put_nowait(dict(document))

    async def _send_batches(self) -> None:
        """Whatever commands are waiting: marked sent in one transaction, then sent in order."""
        try:
            while True:
                batch = await _drain(self.outgoing)
                async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                    await service.mark_sent(
                        session,
                        self.actor,
                        [uuid.UUID(document["command_id"]) for document in batch],
                        now=self.runtime.clock.now(),
                    )
                for document in batch:
                    await self._send(document)
        except Exception:
            # The gateway must not stay connected without receiving commands: close, so it
            # reconnects and gets every unacknowledged command again.
            log.warning("gateway.send_stopped", gateway=self.actor.username, exc_info=True)
            await self._close(1011, "command stream interrupted")

    async def _watch_credentials(self, changes: Subscription) -> None:
        """A change to this gateway's account (disabled, its key revoked), here or in another
        process, is checked at once: credentials that no longer hold end the connection."""
        key, bearer = self.credentials
        async for event in changes:
            if event.payload.get("username") not in (None, "", self.actor.username):
                continue
            try:
                await _authenticate(self.runtime, self.websocket, key=key, bearer=bearer)
            except Refused as exc:
                log.warning("gateway.credentials_revoked", gateway=self.actor.username)
                await self._close(POLICY_VIOLATION, str(exc)[:120])
                return

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    async def _read(self) -> None:
        while True:
            message = _decode(await _receive_text(self.websocket))
            if message is None:
                await self._send({"type": "error", "detail": "send one JSON object per message"})
                continue
            kind = message.get("type")
            if kind == "ping":
                await self._send({"type": "pong"})
            elif kind in ("ack", "nack"):
                self.answers.put_nowait(message)
            else:
                await self._send(
                    {
                        "type": "error",
                        "detail": f"unknown message type {kind!r}; use ack, nack, ping",
                    }
                )

    async def _record_answers(self) -> None:
        """The gateway's acks and nacks that arrived meanwhile, recorded in one transaction;
        each answered (``acknowledged``, ``failed`` or an error naming the command)."""
        while True:
            batch = await _drain(self.answers)
            replies: list[dict[str, Any]] = []
            now = self.runtime.clock.now()
            try:
                async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                    replies = [await self._record(session, message, now) for message in batch]
            except Exception:
                log.warning("gateway.answers_failed", gateway=self.actor.username, exc_info=True)
                replies = [
                    {"type": "error", "command_id": str(m.get("command_id")), "detail": "retry"}
                    for m in batch
                ]
            for reply in replies:
                await self._send(reply)

    async def _follow(
        self, session: AsyncSession, row: GatewayCommand, reason: str | None, now: datetime
    ) -> None:
        # Only call control's commands have anything following their answer: the offers and
        # connects of every call pay no savepoint for it.
        follow: service.CommandFollow | None = getattr(
            self.websocket.app.state, "command_answered", None
        )
        if follow is not None and row.command in service.CALL_CONTROL:
            await _follow_answer(follow, session, self.actor, row, reason, now)

    async def _record(
        self, session: AsyncSession, message: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        try:
            command_id = uuid.UUID(str(message.get("command_id")))
        except ValueError:
            return {"type": "error", "detail": "command_id: not a command id (a UUID)"}
        acknowledged = message.get("type") == "ack"
        reason = None if acknowledged else str(message.get("reason") or "no reason given")
        try:
            if reason is None:
                row = await service.acknowledge(session, self.actor, command_id, now=now)
            else:
                row = await service.fail(session, self.actor, command_id, reason, now=now)
        except DomainError as exc:
            # Refused before anything was written for this command: the others still count.
            return {"type": "error", "command_id": str(command_id), "detail": exc.message}
        await self._follow(session, row, reason, now)
        answer = "acknowledged" if message.get("type") == "ack" else "failed"
        return {"type": answer, "command_id": str(command_id)}


async def _follow_answer(
    follow: service.CommandFollow,
    session: AsyncSession,
    actor: Actor,
    row: GatewayCommand,
    reason: str | None,
    now: datetime,
) -> None:
    """What depends on the answer (call control's legs), in a savepoint of its own: whatever
    fails there is logged and rolled back, and the answer itself stays recorded (a leg left
    ringing is given up by call control's ring timer)."""
    try:
        async with session.begin_nested():
            await follow(session, actor, row, acknowledged=reason is None, reason=reason, now=now)
    except Exception:
        log.exception("gateway.answer_not_followed", command_id=str(row.command_id))


async def _drain(queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    """The next item and every other one already waiting."""
    batch = [await queue.get()]
    while not queue.empty():
        batch.append(queue.get_nowait())
    return batch
