"""The bus across server processes: local delivery plus Redis pub/sub fan-out.

With ``DISPATCH_REDIS_URL`` set, every event published in one process is also sent on the
Redis channel ``dispatch:bus``; every other process hands it to its subscribers that asked for
``remote=True`` events (consoles, wake-ups). Subscribers without it see only their own
process's events, exactly as on the in-process bus, so work done per event (an AML position
written onto a card) is never repeated in every process.

Publishing never waits for Redis: the event is delivered locally at once and queued for a
background sender, which batches a burst into one pipeline. Pub/sub is at-most-once: while
Redis is unreachable events are lost (counted in ``lost``), and when the listener reconnects
it delivers a local ``bus.resync`` event to its remote subscribers, which recompute from the
database (consoles send fresh state) instead of trusting what they missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import uuid
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import urlsplit

import redis.asyncio as redis

from dispatch.core.bus import Bus, Event, InProcessBus
from dispatch.core.events import Topic
from dispatch.core.logging import get_logger
from dispatch.core.workers import stop_tasks

log = get_logger(__name__)

CHANNEL = "dispatch:bus"
SEND_QUEUE = 50_000
SEND_BATCH = 500
BACKOFF_MAX_S = 5.0
# How long a starting process waits for Redis before it serves without it.
START_WAIT_S = 3.0


class Resync(TypedDict):
    """``bus.resync``: this process's listener is back on Redis after events may have been
    lost (``origin``: this process); remote subscribers (consoles, the ACD) recompute."""

    origin: str


RESYNC = Topic[Resync]("bus.resync")


def encode(event: Event, origin: str) -> str:
    """The wire form of an event: JSON with the sending process's id."""
    return json.dumps(
        {
            "origin": origin,
            "topic": event.topic,
            "payload": event.payload,
            "at": event.at.isoformat(),
        },
        default=str,
        separators=(",", ":"),
    )


def decode(data: bytes | str) -> tuple[str, Event]:
    """The sending process's id and the event; ValueError when it is not one of ours."""
    message = json.loads(data)
    if not isinstance(message, dict) or not isinstance(message.get("payload"), dict):
        raise ValueError("not a bus message")
    event = Event(
        topic=str(message["topic"]),
        payload=message["payload"],
        at=datetime.fromisoformat(str(message["at"])),
    )
    return str(message["origin"]), event


class RedisBus(InProcessBus):
    """An in-process bus whose events also reach the other processes through Redis."""

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self.received = 0  # events that came from other processes
        self.lost = 0  # events that could not be sent to Redis
        self.listening = asyncio.Event()  # set while subscribed to the channel
        self._client: redis.Redis = redis.from_url(url)
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=SEND_QUEUE)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start the sender and the listener; returns once subscribed, or after
        ``START_WAIT_S`` with Redis unreachable: the process then serves on its own (degraded,
        ``connected`` false) and joins the others when Redis answers."""
        self._tasks = [
            asyncio.create_task(self._send_loop(), name="bus.redis.send"),
            asyncio.create_task(self._listen_loop(), name="bus.redis.listen"),
        ]
        try:
            async with asyncio.timeout(START_WAIT_S):
                await self.listening.wait()
        except TimeoutError:
            log.warning("bus.redis_unavailable_at_start", url=_safe(self.url))

    @property
    def connected(self) -> bool:
        """Whether this process hears the others now (subscribed to the channel)."""
        return self.listening.is_set()

    async def publish(self, event: Event) -> None:
        """Deliver here now; send to the other processes in the background."""
        await super().publish(event)
        try:
            self._outbox.put_nowait(encode(event, self.origin))
        except asyncio.QueueFull:
            self.lost += 1

    def deliver_remote(self, event: Event) -> None:
        """Hand an event from another process to the subscribers that want remote events."""
        self.received += 1
        for subscription in list(self._subscriptions):
            if subscription.remote and fnmatch.fnmatchcase(event.topic, subscription.pattern):
                subscription.offer(event)

    async def close(self) -> None:
        """Send what is queued (briefly), stop the background tasks, end every subscription."""
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.join(), 2)
        await stop_tasks(self._tasks)
        await self._client.aclose()
        await super().close()

    async def _send_loop(self) -> None:
        backoff = 0.1
        batch: list[str] = []
        while True:
            if not batch:
                batch.append(await self._outbox.get())
                while len(batch) < SEND_BATCH and not self._outbox.empty():
                    batch.append(self._outbox.get_nowait())
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for data in batch:
                        pipe.publish(self.channel, data)
                    await pipe.execute()
                self._done(batch)
                batch = []
                backoff = 0.1
            except (redis.RedisError, OSError) as exc:
                log.warning("bus.redis_send_failed", error=str(exc), pending=len(batch))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                if self._outbox.full():  # Redis is gone for long: drop the oldest batch
                    self.lost += len(batch)
                    self._done(batch)
                    batch = []

    def _done(self, batch: list[str]) -> None:
        for _ in batch:
            self._outbox.task_done()

    async def _listen_loop(self) -> None:
        backoff = 0.1
        first = True
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.listening.set()
                if not first:
                    # Events sent while we were away are gone: tell remote subscribers.
                    self.deliver_remote(Event(RESYNC.name, {"origin": self.origin}))
                first = False
                log.info("bus.redis_listening", channel=self.channel)
                backoff = 0.1
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    self._receive(message["data"])
            except (redis.RedisError, OSError) as exc:
                self.listening.clear()
                # A start without Redis counts as away: the first subscription resyncs.
                first = False
                log.warning("bus.redis_listen_failed", error=str(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _receive(self, data: Any) -> None:
        try:
            origin, event = decode(data)
        except (ValueError, KeyError, TypeError):
            log.warning("bus.redis_bad_message")
            return
        if origin != self.origin:
            self.deliver_remote(event)


def bus_health(bus: Bus) -> tuple[str, list[str]]:
    """How this process hears the others: ``in-process`` (it is alone), ``redis``, or
    ``degraded`` with the reason (Redis away: it serves, but alone)."""
    if not isinstance(bus, RedisBus):
        return "in-process", []
    if bus.connected:
        return "redis", []
    return "degraded", [
        "Redis does not answer: this process serves alone; consoles connected to other "
        "processes see its changes late (on their next refresh)"
    ]


def _safe(url: str) -> str:
    """The URL without its password, for the log."""
    parsed = urlsplit(url)
    if parsed.password is None:
        return url
    return parsed._replace(netloc=parsed.netloc.replace(f":{parsed.password}@", ":***@")).geturl()


async def open_bus(redis_url: str | None, channel: str = CHANNEL) -> Bus:
    """The in-process bus, or with a Redis URL a started ``RedisBus`` on ``channel``."""
    if not redis_url:
        return InProcessBus()
    bus = RedisBus(redis_url, channel=channel)
    await bus.start()
    log.info("bus.redis_started", channel=bus.channel, origin=bus.origin)
    return bus
