"""The NENA STA-024 websocket feed: ``/ws/feeds/{service}``.

The service's system connects with its key (``X-Api-Key`` header or ``?api_key=``), sends
``subscribe`` (``requestType`` EIDO or the call-card type) and gets ``subscribeResponse`` with a
subscription id and expiry. 112 then sends one ``event`` per card version owed to the service,
oldest first, each with its own ``transactionId``; the service answers each with
``eventResponse`` and status 200, which acknowledges that delivery. Unanswered events are sent
again on the next connection. ``unsubscribe`` ends the subscription; at expiry 112 sends
``terminate`` and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy import select

from dispatch.auth import service as auth
from dispatch.auth.events import CHANGED as AUTH_CHANGED
from dispatch.auth.roles import Role
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.feeds import events as feed_events
from dispatch.feeds import payloads, sta024
from dispatch.feeds.outbox import OPEN_STATES, acknowledge, mark_delivered
from dispatch.feeds.states import OUTBOX

router = APIRouter(tags=["feeds"])
log = get_logger(__name__)

POLICY_VIOLATION = 1008
IN_FLIGHT = 32
SUBSCRIBE_TIMEOUT_S = 30.0
DEFAULT_EXPIRES_S = 3600


async def _authorised(websocket: WebSocket, runtime: Runtime, service: str) -> str | None:
    """The account name if the key belongs to this service's system; else the refusal."""
    key = websocket.headers.get("x-api-key") or websocket.query_params.get("api_key")
    if not key:
        return None
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        try:
            user = await auth.user_for_api_key(session, key)
        except auth.AuthenticationFailed:
            return None
    if user.role != Role.SERVICE or user.service_code != service:
        return None
    return user.username


@router.websocket("/ws/feeds/{service}")
async def feed_socket(websocket: WebSocket, service: str) -> None:
    """A service's system subscribes and receives its cards as STA-024 events."""
    runtime: Runtime = websocket.app.state.runtime
    username = await _authorised(websocket, runtime, service)
    if username is None:
        await websocket.close(
            code=POLICY_VIOLATION,
            reason=f"this needs the role service: the key of service {service}'s own system",
        )
        return
    await websocket.accept()
    try:
        subscription = await _subscribe(websocket)
        if subscription is None:
            return
        await _Session(websocket, runtime, service, subscription, username).run()
    except WebSocketDisconnect:
        log.info("feeds.ws_disconnected", service=service)


async def _subscribe(websocket: WebSocket) -> tuple[str, sta024.Subscribe] | None:
    """Wait for a valid subscribe; answer it. Other messages before it are refused."""
    while True:
        raw = await asyncio.wait_for(websocket.receive_text(), SUBSCRIBE_TIMEOUT_S)
        try:
            message = sta024.parse_client_message(raw)
        except sta024.Sta024Error as exc:
            await websocket.send_json({"error": {"statusCode": 400, "statusText": str(exc)}})
            continue
        if not isinstance(message, sta024.Subscribe):
            await websocket.send_json(
                {"error": {"statusCode": 400, "statusText": "subscribe first"}}
            )
            continue
        subscription_id = uuid.uuid4().hex
        expires = min(message.expires or DEFAULT_EXPIRES_S, DEFAULT_EXPIRES_S)
        await websocket.send_json(
            sta024.subscribe_response(message.request_id, subscription_id, expires)
        )
        return subscription_id, message


class _Session:
    """One subscription: sends owed deliveries, applies the subscriber's answers."""

    def __init__(
        self,
        websocket: WebSocket,
        runtime: Runtime,
        service: str,
        subscription: tuple[str, sta024.Subscribe],
        username: str,
    ) -> None:
        self.websocket = websocket
        self.username = username
        self.runtime = runtime
        self.service = service
        self.subscription_id, self.request = subscription
        self.kind = self.request.request_type
        self.in_flight: dict[str, int] = {}  # transactionId -> cursor
        self.sent_through = 0
        self.wake = asyncio.Event()
        self.done = asyncio.Event()

    async def run(self) -> None:
        expires = min(self.request.expires or DEFAULT_EXPIRES_S, DEFAULT_EXPIRES_S)
        # remote: a card routed through another server process reaches this service too.
        events = self.runtime.bus.subscribe(feed_events.ENQUEUED, remote=True)
        changes = self.runtime.bus.subscribe(AUTH_CHANGED, remote=True)
        tasks = [
            asyncio.create_task(self._send_loop()),
            asyncio.create_task(self._receive_loop()),
            asyncio.create_task(self._wake_on(events)),
            asyncio.create_task(self._watch_credentials(changes)),
        ]
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), self.runtime_seconds(expires))
            if not self.done.is_set():
                await self.websocket.send_json(
                    sta024.terminate_request(uuid.uuid4().hex, self.subscription_id, "expired")
                )
                await self.websocket.close()
        finally:
            await stop_tasks(tasks, expected=(WebSocketDisconnect, RuntimeError))
            await events.close()
            await changes.close()

    async def _watch_credentials(self, changes: Any) -> None:
        """The service's account changed (disabled, its key revoked), here or in another
        process: its key is checked again, and a key that no longer holds ends the stream."""
        async for event in changes:
            if event.payload.get("username") not in (None, "", self.username):
                continue
            if await _authorised(self.websocket, self.runtime, self.service) is None:
                log.warning("feeds.ws_credentials_revoked", service=self.service)
                with contextlib.suppress(Exception):
                    await self.websocket.close(
                        code=POLICY_VIOLATION, reason="the key was revoked or the account disabled"
                    )
                self.done.set()
                return

    def runtime_seconds(self, seconds: float) -> float:
        """Expiry counts in dispatch-clock seconds (faster in simulation)."""
        return seconds / getattr(self.runtime.clock, "scale", 1.0)

    async def _wake_on(self, events: Any) -> None:
        async for event in events:
            if event.payload.get("service") == self.service:
                self.wake.set()

    async def _send_loop(self) -> None:
        try:
            while True:
                await self._send_owed()
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), 1.0)
        except (WebSocketDisconnect, RuntimeError):
            self.done.set()

    async def _send_owed(self) -> None:
        room = IN_FLIGHT - len(self.in_flight)
        if room <= 0:
            return
        now = self.runtime.clock.now()
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            rows = (
                await session.execute(
                    select(OUTBOX.c.id, OUTBOX.c.card_id, OUTBOX.c.card_version)
                    .add_columns(payloads.xml_column().label("xml"))
                    .where(
                        OUTBOX.c.service_code == self.service,
                        OUTBOX.c.status.in_([state.value for state in OPEN_STATES]),
                        OUTBOX.c.id > self.sent_through,
                    )
                    .order_by(OUTBOX.c.id)
                    .limit(room)
                )
            ).all()
            keys = [(row.card_id, row.card_version) for row in rows]
            documents: Mapping[tuple[Any, int], dict[str, Any] | str]
            if self.kind is sta024.RequestType.EIDO:
                documents = await payloads.eido_for(session, keys, now=now, service=self.service)
            else:
                texts = await payloads.fill_xml(
                    session, {(r.card_id, r.card_version): r.xml for r in rows}, now=now
                )
                documents = {
                    key: payloads.for_service(self.service, text) for key, text in texts.items()
                }
            messages = [
                (f"{self.subscription_id}:{row.id}", row.id, documents[key])
                for row, key in zip(rows, keys, strict=True)
            ]
            await mark_delivered(session, [row.id for row in rows], via="websocket", now=now)
        for transaction_id, cursor, payload in messages:
            self.in_flight[transaction_id] = cursor
            self.sent_through = max(self.sent_through, cursor)
            await self.websocket.send_text(
                json.dumps(sta024.notify(self.subscription_id, transaction_id, payload, self.kind))
            )

    async def _receive_loop(self) -> None:
        try:
            while True:
                raw = await self.websocket.receive_text()
                try:
                    message = sta024.parse_client_message(raw)
                except sta024.Sta024Error as exc:
                    await self.websocket.send_json(
                        {"error": {"statusCode": 400, "statusText": str(exc)}}
                    )
                    continue
                if isinstance(message, sta024.NotifyResponse):
                    await self._answered(message)
                elif isinstance(message, sta024.Unsubscribe):
                    await self.websocket.send_json(
                        sta024.unsubscribe_response(self.subscription_id)
                    )
                    await self.websocket.close()
                    self.done.set()
                    return
                elif isinstance(message, sta024.TerminateResponse):
                    self.done.set()
                    return
                else:
                    await self.websocket.send_json(
                        {"error": {"statusCode": 400, "statusText": "already subscribed"}}
                    )
        except (WebSocketDisconnect, RuntimeError):
            self.done.set()

    async def _answered(self, answer: sta024.NotifyResponse) -> None:
        cursor = self.in_flight.pop(answer.transaction_id, None)
        if cursor is None:
            await self.websocket.send_json(
                {
                    "error": {
                        "statusCode": 404,
                        "statusText": f"unknown transactionId {answer.transaction_id}",
                    }
                }
            )
            return
        if answer.status_code != 200:
            # Not taken: it stays owed and goes out again on the next connection.
            log.warning(
                "feeds.ws_refused", service=self.service, cursor=cursor, status=answer.status_code
            )
            return
        now = self.runtime.clock.now()
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            # Per event, not cumulative: an earlier event still unanswered (or refused) stays
            # owed, as STA-024 answers each transaction on its own.
            await acknowledge(session, self.service, via="websocket", now=now, cursors=[cursor])
        self.wake.set()
