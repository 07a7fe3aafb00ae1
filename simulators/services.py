"""Emergency services' systems: receive cards (webhook, or by pulling the feed), acknowledge
them, and report progress with delays through the status API; fail on command.

Webhook mode (the default): :class:`Receivers` serves one HTTP port on loopback per service (a
uvicorn server inside the simulator's event loop), registered as the service's webhook with a
fresh HMAC secret. A delivery is checked against its ``X-Signature`` (401 when wrong), answered
204, and a card seen for the first time starts its status progression
(``POST /api/v1/feeds/{service}/cards/{card_id}/status``). Pull mode: :class:`PullService`
pulls ``GET /api/v1/feeds/{service}/cards`` and acknowledges up to the last cursor.

A service whose ``webhook_batch`` is more than 1 gets JSON batches (``{"items": [...]}``,
``X-Batch-Size``): every item is acknowledged by the one answer and counted as a delivery.

Failing on command: an :class:`Outage` makes a service's system down for a while (webhooks
answered 503, no pulls, no status reports until it is back), and ``error_share`` answers that
share of webhook deliveries with 500, so the server's redeliveries and follow-up list show.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import random
import secrets
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

from simulators.client import API, Background, ServerClock
from simulators.report import Tally

# Each step and the mean delay (seconds of server time) after the one before it.
PROGRESS: tuple[tuple[str, float], ...] = (
    ("received", 5.0),
    ("accepted", 20.0),
    ("response_started", 60.0),
    ("arrived", 600.0),
    ("in_progress", 60.0),
    ("completed", 1200.0),
)
MIN_POLL_WALL_S = 0.25  # a pulling service never polls faster than this, whatever the speed


@dataclass(frozen=True)
class Outage:
    """Service ``code``'s system is down from ``start_s`` for ``duration_s`` (server seconds
    from the start of the run; the whole run by default)."""

    code: str
    start_s: float = 0.0
    duration_s: float = math.inf

    def covers(self, elapsed_s: float) -> bool:
        """Whether the system is down ``elapsed_s`` into the run."""
        return self.start_s <= elapsed_s < self.start_s + self.duration_s


def parse_outage(text: str) -> Outage:
    """``104`` (down all run) or ``104:START_MINUTE:MINUTES`` → an :class:`Outage`."""
    code, *rest = text.split(":")
    if not code or len(rest) not in (0, 2):
        raise ValueError(f"expected CODE or CODE:START_MINUTE:MINUTES, not {text!r}")
    if not rest:
        return Outage(code)
    return Outage(code, float(rest[0]) * 60, float(rest[1]) * 60)


def signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of ``body`` (what the server sends as ``X-Signature``)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class ServiceSystem:
    """One service's information system: the cards it has, their progress, its failures."""

    def __init__(
        self,
        code: str,
        key: str,
        http: httpx.AsyncClient,
        clock: ServerClock,
        tally: Tally,
        *,
        rng: random.Random,
        outages: Sequence[Outage] = (),
        error_share: float = 0.0,
        secret: str | None = None,
        down_poll_s: float = 5.0,
        background: Background | None = None,
    ) -> None:
        self.code = code
        self.http = http
        self.headers = {"X-Api-Key": key}
        self.clock = clock
        self.tally = tally
        self.rng = rng
        self.outages = [o for o in outages if o.code == code]
        self.error_share = error_share
        self.secret = secret or secrets.token_hex(24)
        self.down_poll_s = down_poll_s
        self.background = background or Background()
        self.cards: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def down(self) -> bool:
        """Whether the system is down right now (by an outage)."""
        elapsed = self.clock.elapsed()
        return any(outage.covers(elapsed) for outage in self.outages)

    def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        """A webhook delivery: check it, acknowledge it; the HTTP status to answer."""
        self.tally.deliveries[self.code] += 1
        if self.down:
            self.tally.refused[self.code] += 1
            return 503
        if self.error_share and self.rng.random() < self.error_share:
            self.tally.refused[self.code] += 1
            return 500
        given = headers.get("x-signature", "")
        if not hmac.compare_digest(given, signature(body, self.secret)):
            self.tally.errors[f"signature {self.code}"] += 1
            return 401
        if "x-batch-size" in headers:
            return self._receive_batch(body)
        card_id = headers.get("x-card-id")
        if not card_id:
            self.tally.errors[f"webhook {self.code} without X-Card-Id"] += 1
            return 400
        if headers.get("x-redelivery") == "true":
            self.tally.redeliveries[self.code] += 1
        self.tally.acknowledgements[self.code] += 1
        self.take(card_id)
        return 204

    def _receive_batch(self, body: bytes) -> int:
        """A batch delivery (``webhook_batch`` > 1): JSON ``{"items": [...]}`` in cursor
        order, every item acknowledged by the one answer."""
        try:
            items = json.loads(body)["items"]
            cards = [str(item["card_id"]) for item in items]
        except (ValueError, KeyError, TypeError):
            self.tally.errors[f"webhook {self.code} batch unreadable"] += 1
            return 400
        self.tally.deliveries[self.code] += max(len(cards), 1) - 1  # the request counted once
        redelivered = sum(1 for item in items if item.get("redelivery"))
        if redelivered:
            self.tally.redeliveries[self.code] += redelivered
        self.tally.acknowledgements[self.code] += len(cards)
        self.tally.batches[self.code] += 1
        for card_id in cards:
            self.take(card_id)
        return 204

    def take(self, card_id: str) -> None:
        """A card arrived: start its progression the first time it is seen."""
        if card_id in self.cards:
            return
        self.cards.add(card_id)
        task = asyncio.create_task(self._progress(card_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        """Stop every progression."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _progress(self, card_id: str) -> None:
        for status, mean in PROGRESS:
            await self.clock.sleep(self.rng.expovariate(1.0 / mean))
            while self.down:
                await self.clock.sleep(self.down_poll_s)
            async with self.background.slot():
                body = {"status": status, "at": self.clock.stamp()}
                try:
                    answer = await self.http.post(
                        f"{API}/feeds/{self.code}/cards/{card_id}/status",
                        json=body,
                        headers=self.headers,
                    )
                except httpx.HTTPError as exc:
                    self.tally.errors[f"status {type(exc).__name__}"] += 1
                    return  # the next step would not follow from the last one recorded
                if answer.status_code == 201:
                    self.tally.statuses[status] += 1
                else:
                    self.tally.errors[f"status {status} {answer.status_code}"] += 1


class PullService(ServiceSystem):
    """A service's system that pulls its feed every ``poll_s`` server seconds (at least
    :data:`MIN_POLL_WALL_S` wall seconds apart)."""

    def __init__(self, *args: Any, poll_s: float = 5.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll_s = poll_s

    async def run(self) -> None:
        """Pull, acknowledge and start progressing new cards, forever."""
        try:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    await self.pull_once()
                await asyncio.sleep(max(self.poll_s / self.clock.scale, MIN_POLL_WALL_S))
        finally:
            await self.close()

    async def pull_once(self) -> int:
        """One pull; returns how many card versions arrived."""
        if self.down:
            return 0
        answer = await self.http.get(
            f"{API}/feeds/{self.code}/cards", params={"limit": 100}, headers=self.headers
        )
        if answer.status_code != 200:
            self.tally.errors[f"feed {self.code} {answer.status_code}"] += 1
            return 0
        items = answer.json().get("items") or []
        if not items:
            return 0
        # The system has the cards now, whatever becomes of the acknowledgement. Taken only
        # after it, an acknowledgement the server stored but whose answer was lost (its process
        # killed, a timeout) left them untaken and never pulled again: a card the surge
        # benchmark's kill step would count lost although the service had received it.
        for item in items:
            self.take(str(item["card_id"]))
        cursor = max(int(item["cursor"]) for item in items)
        try:
            acked = await self.http.post(
                f"{API}/feeds/{self.code}/ack", json={"cursor": cursor}, headers=self.headers
            )
        except httpx.HTTPError as error:  # pulled again next time unless the server stored it
            self.tally.errors[f"ack {self.code} {type(error).__name__}"] += 1
            return len(items)
        # Counted together, after the ack's answer: a run stopped in between counts neither.
        self.tally.deliveries[self.code] += len(items)
        if acked.status_code == 200:
            self.tally.acknowledgements[self.code] += len(items)
        redelivered = sum(1 for item in items if item.get("redelivery"))
        if redelivered:
            self.tally.redeliveries[self.code] += redelivered
        return len(items)


class _Server(uvicorn.Server):
    """uvicorn inside someone else's event loop: it leaves the signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Receivers:
    """HTTP webhook receivers on loopback, one port per service, in this event loop."""

    def __init__(self, systems: Mapping[str, ServiceSystem], host: str = "127.0.0.1") -> None:
        self.systems = dict(systems)
        self.host = host
        self.sockets: dict[int, socket.socket] = {}
        self.by_port: dict[int, ServiceSystem] = {}
        self.urls: dict[str, str] = {}
        self.server: _Server | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bind a port per service and serve them all."""
        for code, system in self.systems.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((self.host, 0))
            sock.listen(128)
            port = int(sock.getsockname()[1])
            self.sockets[port] = sock
            self.by_port[port] = system
            self.urls[code] = f"http://{self.host}:{port}/cards"
        config = uvicorn.Config(
            self.app,
            interface="asgi3",
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self.server = _Server(config)
        self.task = asyncio.create_task(self.server.serve(sockets=list(self.sockets.values())))
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises what stopped it
                raise RuntimeError("the webhook receivers stopped while starting")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop serving (the server is told to exit; its connections close)."""
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        for sock in self.sockets.values():
            sock.close()

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI app: ``POST /cards`` on a service's port is a delivery to that service."""
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
        system = self.by_port.get(int(scope["server"][1])) if scope.get("server") else None
        if system is None or scope["path"] != "/cards":
            status = 404
        elif scope["method"] != "POST":
            status = 405
        else:
            headers = {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in scope["headers"]
            }
            status = system.receive(headers, body)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})
