"""Helpers for console tests: a real server on a loopback port, console clients over real
websockets that apply snapshots and deltas as the browser does, the demo gateway, and Debian's
Chromium for the browser tests (``browser`` and ``server``: ``tests/fixtures/browser.py``)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect

from dispatch.core.settings import Settings
from tests.fixtures.browser import browser, chromium_args, server  # noqa: F401 (fixtures)
from tests.fixtures.live import Live, live_server

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
Parts = dict[str, Any]


class GapSeen(AssertionError):
    """A delta did not follow the previous message's sequence number."""


class ConsoleClient:
    """One console: keeps the parts as the server last described them, checks ``seq``."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.parts: Parts = {}
        self.seq: int | None = None
        self.snapshots = 0
        self.deltas: list[dict[str, Any]] = []

    async def receive(self, within: float = 30) -> dict[str, Any]:
        """The next message, applied to ``parts`` when it is a snapshot or a delta."""
        async with asyncio.timeout(within):
            message: dict[str, Any] = json.loads(await self.socket.recv())
        if message["type"] == "snapshot":
            self.seq, self.parts = message["seq"], dict(message["parts"])
            self.snapshots += 1
        elif message["type"] == "delta":
            if self.seq is None or message["seq"] != self.seq + 1:
                raise GapSeen(f"delta {message['seq']} after {self.seq}")
            self.seq = message["seq"]
            self.parts.update(message["parts"])
            self.deltas.append(message)
        return message

    async def reply(self, within: float = 30) -> dict[str, Any]:
        """The next message that is not a delta (a timed part's delta may come first)."""
        async with asyncio.timeout(within):
            while (message := await self.receive(within))["type"] == "delta":
                pass
        return message

    async def resync(self, within: float = 30) -> dict[str, Any]:
        """Ask for a new snapshot and read until it comes, passing over the deltas the server
        sent before it read the request (as the consoles' ``stream.js`` does meanwhile)."""
        await self.send({"type": "resync"})
        async with asyncio.timeout(within):
            while (message := json.loads(await self.socket.recv()))["type"] != "snapshot":
                pass
        self.seq, self.parts = message["seq"], dict(message["parts"])
        self.snapshots += 1
        return dict(message)

    async def until(self, check: Callable[[Parts], bool], within: float = 30) -> Parts:
        """Read messages until ``check(parts)`` holds."""
        async with asyncio.timeout(within):
            while not (self.seq is not None and check(self.parts)):
                await self.receive(within)
        return self.parts

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message."""
        await self.socket.send(json.dumps(message))


async def sign_in(http: httpx.AsyncClient, username: str) -> str:
    """A bearer token for a demo user."""
    response = await http.post(
        "/api/v1/auth/token", data={"username": username, "password": username}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def open_console(live: Live, token: str, path: str = "/ws/operator") -> ConsoleClient:
    """A console connected with ``?token=``, its snapshot received."""
    socket = await connect(f"{live.ws}{path}?token={token}", max_size=2**22)
    client = ConsoleClient(socket)
    first = await client.receive()
    assert first["type"] == "snapshot", first
    return client


async def post_call(http: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """A call posted by the demo gateway (voice, Uzbek, Samarqand unless told otherwise)."""
    body = {
        "channel": "voice",
        "caller_number": "+998901234567",
        "language": "uz",
        "location": {"lat": 39.6542, "lon": 66.9597, "radius_m": 25, "source": "aml"},
        **fields,
    }
    response = await http.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def call_event(http: httpx.AsyncClient, call_id: str, kind: str) -> None:
    """The demo gateway reports ``kind`` (``dropped``, ``abandoned``, ...) of the call, now."""
    at = datetime.now(UTC).isoformat()
    body = {"event_id": f"{kind}-{uuid.uuid4().hex}", "type": kind, "at": at}
    response = await http.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text


def waiting(parts: Parts) -> int:
    """Calls waiting in every queue, as the console's ``queue`` part says."""
    return int(parts["queue"]["overall"]["waiting"])


@pytest_asyncio.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app served on a loopback port (real sockets, real database)."""
    async with live_server(settings) as running:
        yield running


@pytest_asyncio.fixture
async def http(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the live server."""
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as client:
        yield client
