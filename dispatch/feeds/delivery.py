"""Webhook push: POST each card version to the service's URL, signed, in order, until a 2xx.

At-least-once: the attempt is counted and committed *before* the POST, so a card sent again
after a crash or a failure always carries ``X-Redelivery: true``. Several workers are safe: a
claim leases the row (``next_attempt_at`` moves ahead) under ``FOR UPDATE SKIP LOCKED``.

Each service's line is drained by its own task, in order: a receiver that hangs until the
timeout holds back only its own service's cards, never another service's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from datetime import timedelta

import httpx
from sqlalchemy import select

import cardschema
from dispatch.agencies.models import Service
from dispatch.cards import store
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import run_on_events
from dispatch.feeds import outbox
from dispatch.feeds.models import Delivery

log = get_logger(__name__)
LEASE_MARGIN_S = 2.0
IDLE_POLL_S = 1.0
# How long one pass waits for the drains it started before the worker goes back to listening.
DRAIN_WAIT_S = 0.5


def signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of ``body`` with the service's secret (the ``X-Signature`` header)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDeliverer:
    """Delivers due outbox rows to services that have a webhook URL."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client
        # One draining task per service code, and the services woken while theirs was busy.
        self._draining: dict[str, asyncio.Task[int]] = {}
        self._again: set[str] = set()

    async def run(self) -> None:
        """Deliver until cancelled; sleeps when idle, wakes on ``feed.enqueued``."""
        try:
            await run_on_events(
                self.runtime.bus,
                "feed.enqueued",
                self.deliver_due,
                idle_s=IDLE_POLL_S,
                name="feeds.webhook",
            )
        finally:
            for task in self._draining.values():
                task.cancel()
            for task in self._draining.values():
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def deliver_due(self) -> int:
        """Start draining every webhook service's due rows (each service in its own task, in
        order) and wait for the drains started now; returns the deliveries they made. A
        service whose drain is still busy (its receiver hangs) is told to look again."""
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            services = list(
                (
                    await session.scalars(
                        select(Service).where(
                            Service.webhook_url.is_not(None), Service.active.is_(True)
                        )
                    )
                ).all()
            )
        started: list[asyncio.Task[int]] = []
        for service in services:
            busy = self._draining.get(service.code)
            if busy is not None and not busy.done():
                self._again.add(service.code)
                continue
            task = asyncio.create_task(self._drain(service), name=f"feeds.webhook.{service.code}")
            self._draining[service.code] = task
            started.append(task)
        if not started:
            return 0
        # Wait for the drains that finish promptly; a hanging receiver's drain goes on alone.
        done, _ = await asyncio.wait(started, timeout=DRAIN_WAIT_S)
        return sum(task.result() for task in done if not task.cancelled())

    async def _drain(self, service: Service) -> int:
        """Deliver the service's due rows in order until none is due or one fails."""
        delivered = 0
        try:
            while True:
                while await self._deliver_head(service):
                    delivered += 1
                if service.code not in self._again:
                    return delivered
                self._again.discard(service.code)
        except Exception:  # one service's failure must not end the others' delivery
            log.exception("feeds.webhook.drain_error", service=service.code)
            return delivered

    async def _deliver_head(self, service: Service) -> bool:
        now = self.runtime.clock.now()
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            head = await outbox.next_due(session, service.code, now)
            if head is None:
                return False
            head.attempts += 1
            # Leased just past the POST's own timeout: a worker that dies mid-POST (or a
            # server stopped mid-delivery) holds the card back no longer than that.
            head.next_attempt_at = now + timedelta(
                seconds=self.runtime.settings.feed_webhook_timeout_s + LEASE_MARGIN_S
            )
            redelivery = head.redelivery or head.attempts > 1
            body = cardschema.build(
                store.to_card(await store.version(session, head.card_id, head.card_version))
            )
            cursor, card_id, version = head.id, head.card_id, head.card_version
        headers = {
            "Content-Type": "application/xml",
            "X-Card-Id": str(card_id),
            "X-Card-Version": str(version),
            "X-Delivery-Cursor": str(cursor),
            "X-Redelivery": "true" if redelivery else "false",
        }
        if service.webhook_secret:
            headers["X-Signature"] = signature(body, service.webhook_secret)
        error: str | None = None
        try:
            response = await self.client.post(
                str(service.webhook_url), content=body, headers=headers
            )
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await self._record(cursor, error)
        log.info(
            "feeds.webhook",
            service=service.code,
            cursor=cursor,
            card_id=str(card_id),
            version=version,
            redelivery=redelivery,
            error=error,
        )
        return error is None

    async def _record(self, cursor: int, error: str | None) -> None:
        now = self.runtime.clock.now()
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            row = await session.get(Delivery, cursor, with_for_update=True)
            if row is None or row.status == outbox.DeliveryStatus.ACKNOWLEDGED:
                return
            if error is None:
                row.status = outbox.DeliveryStatus.ACKNOWLEDGED.value
                row.delivered_at = row.delivered_at or now
                row.acknowledged_at = now
                row.via = "webhook"
                row.last_error = None
            else:
                row.status = outbox.DeliveryStatus.FAILED.value
                row.last_error = error
                settings = self.runtime.settings
                row.next_attempt_at = now + outbox.backoff(
                    row.attempts, base_s=settings.feed_retry_base_s, max_s=settings.feed_retry_max_s
                )
