"""The product of ``make bench-queues`` in the benchmark's own process: the app on a
ManualClock with the ACD worker off, driven over an in-process transport, as tests/queues do."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from cardschema import Channel
from dispatch.app import create_app
from dispatch.auth.roles import Role
from dispatch.calls.schemas import CallCreate
from dispatch.core.actor import Actor
from dispatch.core.clock import ManualClock
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.flows.calls import take_call
from dispatch.queues.models import Offer

T = TypeVar("T")
START = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent
GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
PASSWORD = "operator-password"  # noqa: S105 - the benchmark's throw-away accounts
# Calls beyond the first are made in bulk, ``BULK`` to a transaction (same service function).
BULK = 500


class Centre:
    """The app on a ManualClock, driven over an in-process transport."""

    def __init__(self, http: httpx.AsyncClient, runtime: Runtime, clock: ManualClock) -> None:
        self.http = http
        self.runtime = runtime
        self.clock = clock
        self.tokens: dict[str, dict[str, str]] = {}
        self.calls = 0

    async def check(self, response: httpx.Response, expect: int) -> Any:
        """The JSON answer, after checking the status."""
        if response.status_code != expect:
            raise RuntimeError(
                f"{response.request.method} {response.request.url.path}: "
                f"HTTP {response.status_code} {response.text[:300]}"
            )
        return response.json()

    async def sign_in(self, name: str, password: str | None = None) -> dict[str, str]:
        """A bearer header for the account (kept)."""
        answer = await self.check(
            await self.http.post(
                "/api/v1/auth/token", data={"username": name, "password": password or name}
            ),
            200,
        )
        self.tokens[name] = {"Authorization": f"Bearer {answer['access_token']}"}
        return self.tokens[name]

    async def operator(self, name: str) -> None:
        """A new operator, with Uzbek and voice skills, available."""
        await self.check(
            await self.http.post(
                "/api/v1/users",
                headers=self.tokens["admin"],
                json={"username": name, "role": "operator", "password": PASSWORD},
            ),
            201,
        )
        headers = await self.sign_in(name, PASSWORD)
        skills = {"languages": {"uz": 0, "ru": 1}, "channels": {"voice": 0}}
        await self.check(
            await self.http.put("/api/v1/operators/me/skills", headers=headers, json=skills), 200
        )
        await self.check(
            await self.http.post(
                "/api/v1/operators/me/state", headers=headers, json={"state": "available"}
            ),
            200,
        )

    async def each(self, items: Iterable[T], do: Callable[[T], Awaitable[None]]) -> None:
        """``do`` each item in turn. Not several at once: every accept, end and new call
        updates the queue's statistics row, so concurrent requests only wait for each other
        (on PostgreSQL, 8 at once took longer than one at a time)."""
        for item in items:
            await do(item)

    async def call(self, _: object = None) -> None:
        """A voice call in Uzbek from the gateway."""
        self.calls += 1
        body = {"channel": "voice", "language": "uz", "caller_number": f"+99890{self.calls:07d}"}
        await self.check(await self.http.post("/api/v1/calls", json=body, headers=GATEWAY), 201)

    async def calls_in_bulk(self, count: int) -> None:
        """``count`` more calls through the service the endpoint calls (``calls.service``),
        ``BULK`` to a transaction: the same rows (call, queue entry, queue log, statistics,
        audit) without a request and a commit per call, so 10,000 wait after a short set-up."""
        gateway = Actor(username="gateway1", role=Role.GATEWAY.value)
        for start in range(0, count, BULK):
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                for _ in range(min(BULK, count - start)):
                    self.calls += 1
                    number = f"+99890{self.calls:07d}"
                    body = CallCreate(channel=Channel.VOICE, language="uz", caller_number=number)
                    await take_call(session, gateway, body, now=self.clock.now())

    async def ringing(self) -> list[tuple[str, str, str]]:
        """Active offers, oldest first: (offer id, operator, call id)."""
        async with self.runtime.sessions() as session:
            rows = await session.execute(
                select(Offer.id, Offer.operator, Offer.call_id)
                .where(Offer.status == "active")
                .order_by(Offer.offered_at, Offer.operator)
            )
            return [(str(a), b, str(c)) for a, b, c in rows.all()]

    async def free(self, offer: tuple[str, str, str]) -> None:
        """The operator answers, the caller hangs up (no wrap-up), a new call comes in."""
        offer_id, operator, call_id = offer
        await self.check(
            await self.http.post(
                f"/api/v1/offers/{offer_id}/accept", headers=self.tokens[operator]
            ),
            200,
        )
        event = {"event_id": f"end-{call_id}", "type": "ended", "at": self.clock.now().isoformat()}
        await self.check(
            await self.http.post(f"/api/v1/calls/{call_id}/events", json=event, headers=GATEWAY),
            201,
        )
        await self.call()


@contextlib.asynccontextmanager
async def centre(url: str, redis_url: str | None) -> AsyncIterator[Centre]:
    """The app's lifespan on the database, the ACD worker off."""
    settings = Settings(
        database_url=url,
        redis_url=redis_url,
        log_level="WARNING",
        queue_worker=False,
        operator_grace_s=3600,
        password_scrypt_n=16,
    )
    clock = ManualClock(START)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            yield Centre(http, app.state.runtime, clock)
