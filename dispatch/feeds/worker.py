"""Background delivery started with the server: webhook push (and the Redis mirror when set)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from dispatch.core.runtime import Runtime
from dispatch.feeds.delivery import WebhookDeliverer


@asynccontextmanager
async def feed_workers(runtime: Runtime) -> AsyncIterator[WebhookDeliverer | None]:
    """Run the delivery workers for the lifetime of the app (unless disabled in settings)."""
    if not runtime.settings.feed_worker:
        yield None
        return
    async with httpx.AsyncClient(timeout=runtime.settings.feed_webhook_timeout_s) as client:
        deliverer = WebhookDeliverer(runtime, client)
        task = asyncio.create_task(deliverer.run(), name="feeds.webhook")
        try:
            yield deliverer
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
