"""Console websockets: ``/ws/operator`` and ``/ws/supervisor`` (one protocol, two views).

Protocol (JSON text frames):

- Authenticate with ``?token=<bearer token>``, an ``Authorization: Bearer`` header, or as the
  first message ``{"type": "auth", "token": "..."}`` within 10 s. A missing or bad token, or a
  role the view does not admit, closes with 1008 and the reason.
- The server sends ``{"type": "snapshot", "seq": N, "view", "server_time", "heartbeat_s",
  "parts": {name: value, ...}}``, then ``{"type": "delta", "seq": N+1, "server_time",
  "parts": {changed name: new value}}`` — at most one message per 100 ms, each part whole.
  ``seq`` grows by one per message; a client that sees a gap sends ``{"type": "resync"}`` and
  gets a new snapshot (with the next ``seq``).
- The client sends ``{"type": "ping"}`` every ``heartbeat_s`` seconds and gets
  ``{"type": "pong", "server_time"}``; the ping also keeps the operator in the ACD's rotation.
  A console silent for three heartbeats is closed (4408) and reconnects; a client whose
  server is silent for two (no pong: the process frozen, the connection dropped without a
  close) drops the socket and connects again (``common/js/stream.js``). ``heartbeat_s`` is
  ``DISPATCH_CONSOLE_HEARTBEAT_S``.
- A message the server cannot use gets ``{"type": "error", "detail"}``; the stream goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.consoles.hub import Console, ConsoleHub
from dispatch.consoles.views import ConsoleUser, View
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.errors import DomainError

router = APIRouter(tags=["consoles"])
log = get_logger(__name__)

POLICY_VIOLATION = 1008
NO_HEARTBEAT = 4408
AUTH_TIMEOUT_S = 10.0


class Refused(Exception):
    """The console may not be served; the message is the close reason."""


@router.websocket("/ws/operator")
async def operator_socket(websocket: WebSocket) -> None:
    """The operator console's live stream."""
    await serve(websocket, "operator")


@router.websocket("/ws/supervisor")
async def supervisor_socket(websocket: WebSocket) -> None:
    """The supervisor console's live stream (supervisors only)."""
    await serve(websocket, "supervisor")


async def serve(websocket: WebSocket, view_name: str) -> None:
    """Authenticate, then stream the view to this console until it closes."""
    runtime: Runtime = websocket.app.state.runtime
    hub: ConsoleHub = websocket.app.state.consoles
    view = hub.views[view_name]
    header = websocket.headers.get("authorization", "")
    token = websocket.query_params.get("token") or (
        header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    )
    api_key = websocket.headers.get("x-api-key") or websocket.query_params.get("api_key")
    # Accept first, so that a refusal reaches the client as a close code with its reason (a
    # refused handshake is a bare HTTP 403 the browser cannot read).
    await websocket.accept()
    try:
        if not (token or api_key):
            token = await _token_message(websocket)
        user = await _authenticate(runtime, view, token, api_key=api_key)
    except Refused as exc:
        log.info("consoles.refused", view=view_name, reason=str(exc))
        await websocket.close(code=POLICY_VIOLATION, reason=str(exc)[:120])
        return
    except WebSocketDisconnect:
        return
    sink = _Sink(websocket)
    console = hub.attach(sink, user, view_name)
    log.info("consoles.connected", view=view_name, user=user.username, console=console.id)
    sender = asyncio.create_task(console.run(runtime.clock.now), name=f"console.{console.id}")

    async def still_valid() -> None:
        await _authenticate(runtime, view, token, api_key=api_key)

    try:
        await _read(websocket, sink, hub, console, sender, still_valid)
    finally:
        hub.detach(console)
        await stop_tasks([sender], expected=(Exception,))
        log.info("consoles.disconnected", user=user.username, console=console.id)


async def _token_message(websocket: WebSocket) -> str:
    try:
        text = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_S)
    except TimeoutError as exc:
        raise Refused(f"authenticate within {AUTH_TIMEOUT_S:.0f} s") from exc
    except (KeyError, RuntimeError) as exc:  # a binary frame
        raise Refused('authenticate first: {"type":"auth","token":...}') from exc
    message = _decode(text)
    if message is None or message.get("type") != "auth" or not message.get("token"):
        raise Refused('authenticate first: ?token=, a Bearer header or {"type":"auth","token":..}')
    return str(message["token"])


async def _authenticate(
    runtime: Runtime, view: View, token: str | None, *, api_key: str | None = None
) -> ConsoleUser:
    secret = runtime.settings.secret_key.get_secret_value()
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        try:
            if token:
                user, _ = await auth.user_for_token(session, token, secret=secret)
            else:  # a machine's key: known, but no machine may open a console (refused below)
                user = await auth.user_for_api_key(session, api_key or "")
        except auth.AuthenticationFailed as exc:
            raise Refused(str(exc)) from exc
        except DomainError as exc:
            raise Refused("the credentials are not valid; sign in again") from exc
    if not user.active:
        raise Refused("this account is disabled")
    role = Role(user.role)
    if role not in view.roles:
        allowed = ", ".join(sorted(view.roles))
        raise Refused(f"this needs the role {allowed}; you are signed in as {role}")
    return ConsoleUser(
        username=user.username, role=role, full_name=user.full_name, language=user.language
    )


class _Sink:
    """The websocket, one sender at a time (the stream and the answers share it)."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.lock = asyncio.Lock()
        self.changed = asyncio.Event()

    async def send_text(self, data: str) -> None:
        async with self.lock:
            await self.websocket.send_text(data)

    def credentials_changed(self) -> None:
        self.changed.set()


async def _read(
    websocket: WebSocket,
    sink: _Sink,
    hub: ConsoleHub,
    console: Console,
    sender: asyncio.Task[None],
    still_valid: Callable[[], Awaitable[None]],
) -> None:
    silence = 3 * hub.heartbeat_s
    receive: asyncio.Future[Any] | None = None
    while not sender.done():
        receive = receive or asyncio.ensure_future(websocket.receive())
        changed = asyncio.ensure_future(sink.changed.wait())
        done, _ = await asyncio.wait(
            {receive, sender, changed}, timeout=silence, return_when="FIRST_COMPLETED"
        )
        changed.cancel()
        if sink.changed.is_set():
            # The account changed: a revoked sign-in or key, or a disabled account, ends the
            # stream (1008, as a refusal at the start); otherwise it goes on.
            sink.changed.clear()
            try:
                await still_valid()
            except Refused as exc:
                receive.cancel()
                with contextlib.suppress(Exception):
                    await websocket.close(code=POLICY_VIOLATION, reason=str(exc)[:120])
                return
            if receive not in done:
                continue
        if receive not in done:
            await stop_tasks([receive], expected=(Exception,))
            if not sender.done():
                with contextlib.suppress(Exception):
                    await websocket.close(code=NO_HEARTBEAT, reason="no heartbeat")
            return
        frame = receive.result()
        receive = None
        if frame["type"] == "websocket.disconnect":
            return
        message = _decode(frame.get("text"))
        answer = await _answer(hub, console, message)
        if answer is not None:
            with contextlib.suppress(Exception):
                await sink.send_text(json.dumps(answer, ensure_ascii=False))


async def _answer(
    hub: ConsoleHub, console: Console, message: dict[str, Any] | None
) -> dict[str, Any] | None:
    if message is None:
        return {"type": "error", "detail": "send one JSON object per message"}
    kind = message.get("type")
    if kind == "ping":
        if console.view.beat is not None:
            await hub.heartbeat(console.user, console.view.beat)
        return {"type": "pong", "server_time": hub.runtime.clock.now().isoformat()}
    if kind == "resync":
        hub.resync(console)
        return None
    if kind == "auth":
        return {"type": "error", "detail": "already authenticated"}
    return {"type": "error", "detail": f"unknown message type {kind!r}; use ping or resync"}


def _decode(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
