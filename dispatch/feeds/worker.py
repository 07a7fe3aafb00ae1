"""Background delivery started with the server: webhook push (and the Redis mirror when set)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import redis.asyncio as redis

from dispatch.core.leadership import led_by
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.feeds.delivery import WebhookDeliverer
from dispatch.feeds.streams import StreamMirror


@asynccontextmanager
async def feed_workers(runtime: Runtime) -> AsyncIterator[WebhookDeliverer | None]:
    """Run the delivery workers for the lifetime of the app (unless disabled in settings)."""
    if not runtime.settings.feed_worker:
        yield None
        return
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            httpx.AsyncClient(timeout=runtime.settings.feed_webhook_timeout_s)
        )
        deliverer = WebhookDeliverer(runtime, client)
        tasks = [
            asyncio.create_task(
                led_by(runtime.leadership, "feeds.webhook", deliverer.run), name="feeds.webhook"
            )
        ]
        if runtime.settings.redis_url:
            connection = redis.from_url(runtime.settings.redis_url)
            stack.push_async_callback(connection.aclose)
            mirror = StreamMirror(runtime, connection)
            tasks.append(
                asyncio.create_task(
                    led_by(runtime.leadership, "feeds.stream", mirror.run), name="feeds.stream"
                )
            )
        try:
            yield deliverer
        finally:
            await stop_tasks(tasks)
