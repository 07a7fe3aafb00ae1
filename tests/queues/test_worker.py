"""The ACD worker started with the server sleeps until its next timer or an event: a timer fires
when due without a poll, a call held by a penalty window goes out after a few seconds, and an
idle server's worker reads nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.settings import Settings
from dispatch.queues.strategies import MAX_HOLD_S
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually
from tests.queues.conftest import GATEWAY

pytestmark = pytest.mark.asyncio
ACD_TABLES = ("queue_entries", "queue_offers", "operators", "callback_tasks")


def served(settings: Settings, **changes: Any) -> Settings:
    """The test's settings with the worker on and no webhook worker (fewer statements)."""
    return settings.model_copy(update={"feed_worker": False, "operator_grace_s": 600, **changes})


@contextmanager
def acd_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements on the ACD's tables the engine runs meanwhile."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if any(table in statement for table in ACD_TABLES):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def offer_of(api: Api, name: str) -> dict[str, Any] | None:
    """The offer ringing at ``name`` now, if any."""
    me: dict[str, Any] = (await api.get("/api/v1/operators/me", user=name)).json()
    offer: dict[str, Any] | None = me["offer"]
    return offer


async def configure(api: Api, **changes: Any) -> None:
    """Change voice-uz as supervisor1."""
    response = await api.patch("/api/v1/queues/voice-uz", user="supervisor1", json=changes)
    assert response.status_code == 200, response.text


async def post_call(api: Api) -> dict[str, Any]:
    """A voice call in Uzbek from the demo gateway."""
    body = {"channel": "voice", "language": "uz", "caller_number": None}
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    return call


async def test_an_unanswered_offer_expires_when_due_without_waiting_for_a_poll(
    settings: Settings,
) -> None:
    # The safety poll is 10 minutes: only the offer's own due time can wake the worker.
    async with running_api(served(settings, queue_poll_s=600)) as api:
        await configure(api, strategy="longest-idle", offer_timeout_s=1)
        for name in ("operator1", "operator2"):
            await api.post("/api/v1/operators/me/state", user=name, json={"state": "available"})
            await asyncio.sleep(0.01)  # operator1 idle longest
        call = await post_call(api)
        first = await eventually(lambda: offer_of(api, "operator1"), what="the first offer")
        assert first["call_id"] == call["id"]
        second = await eventually(
            lambda: offer_of(api, "operator2"), what="the call offered again", within=10
        )
        assert second["call_id"] == call["id"]
        rang = datetime.fromisoformat(second["offered_at"]) - datetime.fromisoformat(
            first["offered_at"]
        )
        assert 1 <= rang.total_seconds() < 5


async def test_a_held_call_goes_to_a_free_operator_with_the_skills_within_seconds(
    settings: Settings,
) -> None:
    async with running_api(served(settings, queue_poll_s=600)) as api:
        # Natives first for a minute, as configured; operator2 speaks Uzbek with penalty 1.
        await configure(
            api,
            strategy="skills",
            penalty_steps=[{"after_s": 0, "max_penalty": 0}, {"after_s": 60, "max_penalty": 9}],
        )
        await api.post("/api/v1/operators/me/state", user="operator2", json={"state": "available"})
        call = await post_call(api)
        offer = await eventually(
            lambda: offer_of(api, "operator2"), what="the held call offered", within=15
        )
        assert offer["call_id"] == call["id"]
        held = datetime.fromisoformat(offer["offered_at"]) - datetime.fromisoformat(
            call["created_at"]
        )
        assert MAX_HOLD_S <= held.total_seconds() < MAX_HOLD_S + 3


async def test_an_idle_server_worker_reads_nothing(settings: Settings) -> None:
    async with running_api(served(settings)) as api:
        await api.post(
            "/api/v1/operators/me/state",
            user="operator1",
            json={"state": "on_break", "reason": "x"},
        )

        async def quiet() -> bool:
            """Half a second without a statement: the start's tick and the event's are done
            (on a loaded machine later than any fixed wait)."""
            with acd_statements(api.runtime.engine) as seen:
                await asyncio.sleep(0.5)
            return not seen

        await eventually(quiet, what="the start's and the event's ticks done", within=15)
        with acd_statements(api.runtime.engine) as statements:
            await asyncio.sleep(2.5)
        assert statements == []
        # An event still wakes it at once.
        await api.post("/api/v1/operators/me/state", user="operator1", json={"state": "available"})
        call = await post_call(api)
        offer = await eventually(lambda: offer_of(api, "operator1"), what="the offer", within=5)
        assert offer["call_id"] == call["id"]
