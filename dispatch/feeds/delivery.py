"""Webhook push: POST each card version to the service's URL, signed, in order, until a 2xx.

At-least-once: the attempt is counted and committed *before* the POST, so a card sent again
after a crash or a failure always carries ``X-Redelivery: true``. Several workers are safe: a
claim leases the row (``next_attempt_at`` moves ahead) under ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

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


def signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of ``body`` with the service's secret (the ``X-Signature`` header)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDeliverer:
    """Delivers due outbox rows to services that have a webhook URL."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client

    async def run(self) -> None:
        """Deliver until cancelled; sleeps when idle, wakes on ``feed.enqueued``."""
        await run_on_events(
            self.runtime.bus,
            "feed.enqueued",
            self.deliver_due,
            idle_s=IDLE_POLL_S,
            name="feeds.webhook",
        )

    async def deliver_due(self) -> int:
        """Deliver every due row of every webhook service, oldest first; returns deliveries made."""
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
        done = 0
        for service in services:
            while await self._deliver_head(service):
                done += 1
        return done

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
