"""ACD test helpers: the app on a ManualClock with the worker off (a test ticks the ACD itself),
operators with skills, calls from the demo gateway, and reading offers, queues and the log."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls import timeline
from dispatch.calls.lifecycle import CallEventType
from dispatch.calls.schemas import EventIn
from dispatch.core.actor import SYSTEM
from dispatch.core.clock import ManualClock
from dispatch.core.database import session_factory
from dispatch.core.settings import Settings
from dispatch.queues.assignment import assign_once
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import fingerprint

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
START = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent, an interval boundary
_event_ids = itertools.count(1)
_numbers = itertools.count(1)


def acd_settings(settings: Settings, **changes: Any) -> Settings:
    """The test's settings with the ACD worker off (and any other changes)."""
    return settings.model_copy(update={"queue_worker": False, **changes})


class Acd:
    """The app on a ManualClock; every helper asserts the status it expects."""

    def __init__(self, api: Api, clock: ManualClock) -> None:
        self.api = api
        self.clock = clock

    async def tick(self) -> int:
        """One ACD tick at the clock's now; how many offers it made."""
        return await assign_once(self.api.runtime)

    def check(self, response: httpx.Response, expect: int) -> Any:
        """The JSON answer, after checking its status code."""
        assert response.status_code == expect, (response.status_code, response.text)
        return response.json()

    async def add_operator(self, name: str, **skills: Any) -> dict[str, Any]:
        """A new operator account (admin) with skills (supervisor); signed out."""
        password = f"{name}-password"
        self.check(
            await self.api.post(
                "/api/v1/users",
                user="admin",
                json={"username": name, "role": "operator", "password": password},
            ),
            201,
        )
        await self.api.token(name, password)
        return await self.set_skills(name, **skills)

    async def set_skills(self, name: str, **skills: Any) -> dict[str, Any]:
        """Replace an operator's skills as supervisor1."""
        return dict(
            self.check(
                await self.api.request(
                    "PUT", f"/api/v1/operators/{name}/skills", user="supervisor1", json=skills
                ),
                200,
            )
        )

    async def serve(self, name: str, queues: list[str]) -> Any:
        """The queues an operator takes calls from (supervisor1)."""
        response = await self.api.request(
            "PUT", f"/api/v1/operators/{name}/queues", user="supervisor1", json={"queues": queues}
        )
        return self.check(response, 200)

    async def state(
        self, name: str, state: str, reason: str | None = None, *, expect: int = 200
    ) -> Any:
        """The operator asks for a state."""
        body: dict[str, Any] = {"state": state}
        if reason is not None:
            body["reason"] = reason
        response = await self.api.post("/api/v1/operators/me/state", user=name, json=body)
        return self.check(response, expect)

    async def me(self, name: str) -> dict[str, Any]:
        """The operator's own view."""
        return dict(self.check(await self.api.get("/api/v1/operators/me", user=name), 200))

    async def call(self, expect: int = 201, **fields: Any) -> dict[str, Any]:
        """A voice call in Uzbek (unless told otherwise) from the demo gateway."""
        body = {
            "channel": "voice",
            "language": "uz",
            "caller_number": f"+99890{next(_numbers):07d}",
            **fields,
        }
        response = await self.api.post("/api/v1/calls", json=body, headers=GATEWAY)
        return dict(self.check(response, expect))

    async def event(self, call_id: str, kind: str, expect: int = 201, **fields: Any) -> Any:
        """A gateway event on the call at the clock's now."""
        body = {
            "event_id": f"q-{next(_event_ids)}",
            "type": kind,
            "at": self.clock.now().isoformat(),
            **fields,
        }
        response = await self.api.post(
            f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY
        )
        return self.check(response, expect)

    async def offer(self, name: str) -> dict[str, Any] | None:
        """The offer ringing at the operator now, if any."""
        offer: dict[str, Any] | None = (await self.me(name))["offer"]
        return offer

    async def accept(self, name: str, expect: int = 200) -> Any:
        """The operator accepts the offer they have."""
        offer = await self.offer(name)
        assert offer is not None, f"{name} has no offer"
        response = await self.api.post(f"/api/v1/offers/{offer['id']}/accept", user=name)
        return self.check(response, expect)

    async def queue(self, name: str) -> dict[str, Any]:
        """A queue's configuration and its calls."""
        return dict(
            self.check(await self.api.get(f"/api/v1/queues/{name}", user="supervisor1"), 200)
        )

    async def configure(self, name: str, **changes: Any) -> dict[str, Any]:
        """Change a queue as supervisor1."""
        response = await self.api.patch(f"/api/v1/queues/{name}", user="supervisor1", json=changes)
        return dict(self.check(response, 200))

    async def log(self, **params: Any) -> list[dict[str, Any]]:
        """The queue log, oldest first."""
        response = await self.api.get("/api/v1/queue-log", user="supervisor1", params=params)
        return list(self.check(response, 200))

    async def summary(self) -> dict[str, Any]:
        """GET /api/v1/queues."""
        return dict(self.check(await self.api.get("/api/v1/queues", user="analyst1"), 200))

    async def handle(self, name: str, talk_s: float, **fields: Any) -> str:
        """A new call offered to ``name`` (the only one free), accepted, ended after
        ``talk_s``; its id."""
        call = await self.call(**fields)
        assert await self.tick() == 1
        offer = await self.offer(name)
        assert offer is not None
        assert offer["call_id"] == call["id"]
        await self.accept(name)
        self.clock.advance(talk_s)
        await self.event(offer["call_id"], "ended")
        return str(offer["call_id"])


@pytest.fixture
def clock() -> ManualClock:
    """The ACD's clock, at 09:00 Tashkent time."""
    return ManualClock(START)


@pytest_asyncio.fixture
async def acd(settings: Settings, clock: ManualClock) -> AsyncIterator[Acd]:
    """The app on the test's database and a ManualClock, the ACD worker off."""
    # A long grace period: these tests do not send the console's heartbeats.
    async with running_api(acd_settings(settings, operator_grace_s=3600), clock=clock) as api:
        yield Acd(api, clock)


async def hang_up_unfollowed(engine: AsyncEngine, call_id: str, at: datetime) -> None:
    """The caller's ``abandoned`` committed, what follows it in the ACD not seen yet: the state
    a request finds when the caller hung up between its first read and its lock of the call."""

    async def nothing_follows(*_: Any, **__: Any) -> None:
        return None

    async with session_factory(engine)() as session, session.begin():
        hung_up = EventIn(event_id=f"hang-up-{call_id}", type=CallEventType.ABANDONED, at=at)
        await timeline.record_event(
            session, SYSTEM, uuid.UUID(call_id), hung_up, follow=nothing_follows, now=at
        )


async def refused_as_ended(
    engine: AsyncEngine, request: Awaitable[httpx.Response], code: str
) -> None:
    """``request``, sent after :func:`hang_up_unfollowed`, is refused (409) as ``code`` (said
    in the person's language), the timeline's reason kept, and changes nothing."""
    before = await fingerprint(engine)
    refused = await request
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail_code"] == code, refused.text
    assert "abandoned" in refused.json()["detail"]
    assert await fingerprint(engine) == before
