"""Webhook push: POST each card version to the service's URL, signed, in order, until a 2xx.

At-least-once: the attempt is counted and committed *before* the POST, so a card sent again
after a crash or a failure always carries ``X-Redelivery: true``. A service's due rows at the
head of its line are claimed in one statement (attempts counted, leased past the POST's
timeout), POSTed one by one in cursor order with the XML kept when the version was written,
and the results recorded in one transaction: the 2xx ones acknowledged, the first failure
backed off, and the rows not tried (after a failure, or when the lease would not cover another
POST) given their attempt back. Several workers are safe: claimers of one service take turns
(an advisory lock on PostgreSQL, the write lock on SQLite) and a leased head stops the others.

A service whose ``webhook_batch`` is more than 1 gets its due rows in batches instead: one POST
of ``{"items": [...]}`` (JSON, the pull feed's items: cursor, card_id, version, redelivery,
xml) with up to that many rows in cursor order; a 2xx acknowledges them all, a failure backs
off the first and gives the others their attempt back, so the order holds as for single cards.

Each service's line is drained by its own task, in order: a receiver that hangs until the
timeout holds back only its own service's cards, never another service's. The services with a
webhook are kept in memory, loaded again on ``service.*`` events and every few minutes.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Integer, String, bindparam, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.agencies import events as agency_events
from dispatch.agencies import service as agencies
from dispatch.core.bus import Subscription
from dispatch.core.database import UTCDateTime, unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import run_on_events, stop_tasks
from dispatch.feeds import events, outbox, payloads
from dispatch.feeds.states import OUTBOX, UNSENT_STATES, DeliveryStatus, move

log = get_logger(__name__)
LEASE_MARGIN_S = 2.0
IDLE_POLL_S = 1.0
# How long one pass waits for the drains it started before the worker goes back to listening.
DRAIN_WAIT_S = 0.5
# Rows claimed at once per service (one statement); a fuller line takes several batches.
BATCH = 16
# The webhook services are read again at least this often (a change on another process
# without a shared bus is seen this late).
SERVICES_REFRESH_S = 300.0
_UNSENT = [state.value for state in UNSENT_STATES]
_ONE = OUTBOX.c.id == bindparam("p_cursor", type_=OUTBOX.c.id.type)
_FAILED = {
    "last_error": bindparam("p_error", type_=String()),
    "next_attempt_at": bindparam("p_retry_at", type_=UTCDateTime()),
}


def signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of ``body`` with the service's secret (the ``X-Signature`` header)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Hook:
    """A service that takes its cards by webhook."""

    code: str
    url: str
    secret: str | None
    batch: int = 1  # cards per request (``services.webhook_batch``)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row claimed for one POST: its attempt is counted and it is leased."""

    cursor: int
    card_id: object
    version: int
    redelivery: bool
    attempts: int
    xml: str


class WebhookDeliverer:
    """Delivers due outbox rows to services that have a webhook URL."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client
        # One draining task per service code, and the services woken while theirs was busy.
        self._draining: dict[str, asyncio.Task[int]] = {}
        self._again: set[str] = set()
        self._hooks: list[Hook] | None = None
        self._hooks_read = 0.0
        # Bumped by each service change, so a read that raced one is not kept.
        self._hooks_changes = 0

    async def run(self) -> None:
        """Deliver until cancelled; sleeps when idle, wakes on ``feed.enqueued``."""
        changes = self.runtime.bus.subscribe(agency_events.SERVICE, remote=True)
        watcher = asyncio.create_task(self._forget_hooks_on(changes), name="feeds.webhook.hooks")
        try:
            await run_on_events(
                self.runtime.bus,
                events.ENQUEUED,
                self.deliver_due,
                idle_s=IDLE_POLL_S,
                name="feeds.webhook",
                # One process delivers (a singleton): cards routed in the others wake it too.
                remote=True,
            )
        finally:
            await stop_tasks([watcher])
            await changes.close()
            await stop_tasks(self._draining.values())

    async def _forget_hooks_on(self, changes: Subscription) -> None:
        async for _ in changes:
            self._hooks_changes += 1
            self._hooks = None  # read again before the next pass

    async def hooks(self) -> list[Hook]:
        """The active services with a webhook URL (kept; read again after a change)."""
        hooks = self._hooks
        if hooks is None or time.monotonic() - self._hooks_read > SERVICES_REFRESH_S:
            changes = self._hooks_changes
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                active = await agencies.list_services(session, include_retired=False)
                hooks = [
                    Hook(s.code, s.webhook_url, s.webhook_secret, s.webhook_batch)
                    for s in active
                    if s.webhook_url
                ]
            if changes == self._hooks_changes:
                self._hooks, self._hooks_read = hooks, time.monotonic()
        return hooks

    async def deliver_due(self) -> int:
        """Start draining every webhook service's due rows (each service in its own task, in
        order) and wait for the drains started now; returns the deliveries they made. A
        service whose drain is still busy (its receiver hangs) is told to look again."""
        started: list[asyncio.Task[int]] = []
        for hook in await self.hooks():
            busy = self._draining.get(hook.code)
            if busy is not None and not busy.done():
                self._again.add(hook.code)
                continue
            task = asyncio.create_task(self._drain(hook), name=f"feeds.webhook.{hook.code}")
            self._draining[hook.code] = task
            started.append(task)
        if not started:
            return 0
        # Wait for the drains that finish promptly; a hanging receiver's drain goes on alone.
        done, _ = await asyncio.wait(started, timeout=DRAIN_WAIT_S)
        return sum(task.result() for task in done if not task.cancelled())

    async def _drain(self, hook: Hook) -> int:
        """Deliver the service's due rows in order until none is due or one fails."""
        delivered = 0
        try:
            while True:
                more = True
                while more:
                    sent, more = await self._deliver_batch(hook)
                    delivered += sent
                if hook.code not in self._again:
                    return delivered
                self._again.discard(hook.code)
        except Exception:  # one service's failure must not end the others' delivery
            log.exception("feeds.webhook.drain_error", service=hook.code)
            return delivered

    async def _deliver_batch(self, hook: Hook) -> tuple[int, bool]:
        """Claim, POST and record one batch; returns how many were delivered and whether the
        service may have more due rows right now."""
        clock = self.runtime.clock
        claimed_at = clock.now()
        limit = max(hook.batch, BATCH)
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            batch = await claim(
                session,
                hook.code,
                claimed_at,
                self.runtime.settings.feed_webhook_timeout_s,
                limit=limit,
            )
        if hook.batch > 1:
            return await self._deliver_together(hook, batch, full=len(batch) == limit)
        sent: list[int] = []
        failure: tuple[Claimed, str] | None = None
        for index, row in enumerate(batch):
            # Each POST must end inside the lease taken at the claim: one that could outlast
            # it waits for the next claim instead (another worker might take the row then).
            if index and (clock.now() - claimed_at).total_seconds() > LEASE_MARGIN_S:
                break
            error = await self._post(hook, row)
            if error is not None:
                failure = (row, error)
                break
            sent.append(row.cursor)
        untried = [row.cursor for row in batch[len(sent) + (failure is not None) :]]
        if batch:
            await self._record(hook.code, sent, failure, untried)
        # More may be due: a full batch, or rows left untried for the lease's sake.
        return len(sent), failure is None and (len(batch) == BATCH or bool(untried))

    async def _deliver_together(
        self, hook: Hook, batch: list[Claimed], *, full: bool
    ) -> tuple[int, bool]:
        """The claimed rows in POSTs of up to ``hook.batch`` (each within the lease, as for
        single cards); recorded in one transaction. ``full``: the claim took all it could."""
        clock = self.runtime.clock
        claimed_at = clock.now()
        sent: list[int] = []
        failure: tuple[Claimed, str] | None = None
        for start in range(0, len(batch), hook.batch):
            if start and (clock.now() - claimed_at).total_seconds() > LEASE_MARGIN_S:
                break
            rows = batch[start : start + hook.batch]
            error = await self._post_many(hook, rows)
            if error is not None:
                failure = (rows[0], error)
                break
            sent.extend(row.cursor for row in rows)
        untried = [row.cursor for row in batch[len(sent) + (failure is not None) :]]
        if batch:
            await self._record(hook.code, sent, failure, untried)
        return len(sent), failure is None and (full or bool(untried))

    async def _post_many(self, hook: Hook, rows: list[Claimed]) -> str | None:
        """POST several cards as one JSON batch; returns the error, or None on a 2xx."""
        items = [
            {
                "cursor": row.cursor,
                "card_id": str(row.card_id),
                "version": row.version,
                "redelivery": row.redelivery or row.attempts > 1,
                "xml": row.xml,
            }
            for row in rows
        ]
        body = json.dumps({"items": items}, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Batch-Size": str(len(rows)),
            "X-Delivery-Cursor": str(rows[-1].cursor),
            "X-Redelivery": "true" if any(item["redelivery"] for item in items) else "false",
        }
        if hook.secret:
            headers["X-Signature"] = signature(body, hook.secret)
        error = await self._send(hook, body, headers)
        log.info(
            "feeds.webhook_batch",
            service=hook.code,
            first=rows[0].cursor,
            last=rows[-1].cursor,
            count=len(rows),
            error=error,
        )
        return error

    async def _send(self, hook: Hook, body: bytes, headers: dict[str, str]) -> str | None:
        """One POST; the error, or None on a 2xx."""
        try:
            response = await self.client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if not 200 <= response.status_code < 300:
            return f"HTTP {response.status_code}"
        return None

    async def _post(self, hook: Hook, row: Claimed) -> str | None:
        """POST one card; returns the error, or None on a 2xx."""
        body = row.xml.encode()
        redelivery = row.redelivery or row.attempts > 1
        headers = {
            "Content-Type": "application/xml",
            "X-Card-Id": str(row.card_id),
            "X-Card-Version": str(row.version),
            "X-Delivery-Cursor": str(row.cursor),
            "X-Redelivery": "true" if redelivery else "false",
        }
        if hook.secret:
            headers["X-Signature"] = signature(body, hook.secret)
        error = await self._send(hook, body, headers)
        log.info(
            "feeds.webhook",
            service=hook.code,
            cursor=row.cursor,
            card_id=str(row.card_id),
            version=row.version,
            redelivery=redelivery,
            error=error,
        )
        return error

    async def _record(
        self,
        code: str,
        sent: list[int],
        failure: tuple[Claimed, str] | None,
        untried: list[int],
    ) -> None:
        """One transaction for the batch's results."""
        now = self.runtime.clock.now()
        settings = self.runtime.settings
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            if sent:
                await outbox.acknowledge(session, code, via="webhook", now=now, cursors=sent)
            if failure is not None:
                row, error = failure
                retry_at = now + outbox.backoff(
                    row.attempts, base_s=settings.feed_retry_base_s, max_s=settings.feed_retry_max_s
                )
                # A row acknowledged meanwhile (a status report) or pulled stays as it is.
                await move(
                    session,
                    DeliveryStatus.FAILED,
                    _ONE,
                    values=_FAILED,
                    params={"p_cursor": row.cursor, "p_error": error, "p_retry_at": retry_at},
                )
            if untried:
                # Never POSTed: the attempt counted at the claim is given back, so the first
                # real send is not marked a redelivery; the head of the line keeps the order.
                await session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id.in_(untried), OUTBOX.c.status.in_(_UNSENT))
                    .values(attempts=OUTBOX.c.attempts - 1, next_attempt_at=now)
                )


async def claim(
    session: AsyncSession,
    service_code: str,
    now: datetime,
    timeout_s: float,
    *,
    limit: int = BATCH,
) -> list[Claimed]:
    """Claim the service's due rows at the head of its line (at most ``limit``), in order:
    attempts counted, leased just past one POST's timeout; with their kept XML."""
    if session.get_bind().dialect.name == "postgresql":
        # Claimers of one service take turns, so two never claim past each other's rows.
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext(f"feeds.webhook:{service_code}")))
        )
    lease = now + timedelta(seconds=timeout_s + LEASE_MARGIN_S)
    result = await session.execute(
        _claim_statement(),
        {"p_service": service_code, "p_now": now, "p_lease": lease, "p_limit": limit},
    )
    rows = sorted(result.all(), key=lambda row: row.id)
    texts = await payloads.fill_xml(
        session, {(row.card_id, row.card_version): row.xml for row in rows}, now=now
    )
    return [
        Claimed(
            cursor=row.id,
            card_id=row.card_id,
            version=row.card_version,
            redelivery=row.redelivery,
            attempts=row.attempts,
            xml=payloads.for_service(service_code, texts[(row.card_id, row.card_version)]),
        )
        for row in rows
    ]


@functools.cache
def _claim_statement() -> Any:
    """The claim as one UPDATE, built once (bind parameters: service, now, lease)."""
    service = bindparam("p_service", type_=String())
    now = bindparam("p_now", type_=UTCDateTime())
    head = (
        select(OUTBOX.c.id)
        .where(OUTBOX.c.service_code == service, OUTBOX.c.status.in_(_UNSENT))
        .order_by(OUTBOX.c.id)
        .limit(bindparam("p_limit", type_=Integer()))
        .scalar_subquery()
    )
    earlier = OUTBOX.alias("earlier")
    # A row goes only when every earlier unsent row of the service goes too: a leased or
    # backing-off row holds back the rows behind it.
    held_back = (
        select(earlier.c.id)
        .where(
            earlier.c.service_code == service,
            earlier.c.status.in_(_UNSENT),
            earlier.c.id <= OUTBOX.c.id,
            earlier.c.next_attempt_at > now,
        )
        .exists()
    )
    return (
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(head),
            or_(OUTBOX.c.next_attempt_at.is_(None), OUTBOX.c.next_attempt_at <= now),
            not_(held_back),
        )
        .values(
            attempts=OUTBOX.c.attempts + 1,
            next_attempt_at=bindparam("p_lease", type_=UTCDateTime()),
        )
        .returning(
            OUTBOX.c.id,
            OUTBOX.c.card_id,
            OUTBOX.c.card_version,
            OUTBOX.c.redelivery,
            OUTBOX.c.attempts,
            payloads.xml_column().label("xml"),
        )
    )
