"""Console heartbeats cost no write each: they are noted in memory and written together within
seconds; an available operator whose console is gone is still signed out after the grace
period, by any process, and a restart loses none of the pings a process noted."""

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
from dispatch.queues import heartbeats
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio
GRACE_S = 6.0  # heartbeats are written within a sixth of it: 1 s


def grace(settings: Settings, **changes: Any) -> Settings:
    """A short grace period (and no webhook worker)."""
    return settings.model_copy(
        update={"operator_grace_s": GRACE_S, "feed_worker": False, **changes}
    )


@contextmanager
def operator_writes(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements writing the operators' table meanwhile."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE OPERATORS"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def me(api: Api, name: str) -> dict[str, Any]:
    """The operator's own view."""
    answer: dict[str, Any] = (await api.get("/api/v1/operators/me", user=name)).json()
    return answer


async def beat(api: Api, name: str) -> str:
    """A console ping; the time the answer shows."""
    response = await api.post("/api/v1/operators/me/heartbeat", user=name)
    assert response.status_code == 200, response.text
    seen: str = response.json()["last_heartbeat_at"]
    return seen


async def test_heartbeats_are_written_together_not_each(settings: Settings) -> None:
    # A grace long enough that the pings are written 5 s after the first: six pings fit in it
    # however loaded the machine (with 1 s, a slow run once saw a write between them).
    assert heartbeats.flush_s(GRACE_S) == 1.0
    assert heartbeats.flush_s(GRACE_S * 5) == heartbeats.MAX_FLUSH_S == 5.0
    async with running_api(grace(settings, operator_grace_s=GRACE_S * 5)) as api:
        for name in ("operator1", "operator2"):
            await api.post("/api/v1/operators/me/state", user=name, json={"state": "available"})
        with operator_writes(api.runtime.engine) as writes:
            for _ in range(3):
                for name in ("operator1", "operator2"):
                    last = await beat(api, name)
            assert writes == []  # six pings, no write yet

            async def written() -> bool:
                return bool((await me(api, "operator2"))["last_heartbeat_at"] == last)

            await eventually(written, what="the pings written", within=15)
        assert len(writes) == 1  # both operators' pings in one statement
        assert (await me(api, "operator1"))["last_heartbeat_at"] >= last[:19]


async def test_a_silent_console_is_signed_out_and_a_pinging_one_never(
    settings: Settings, redis_url: str
) -> None:
    # Two processes on one database and one Redis bus: the worker runs in one; the other only
    # takes requests (its events wake the worker, its pings are written by itself).
    async with (
        running_api(grace(settings, redis_url=redis_url)) as worker,
        running_api(grace(settings, redis_url=redis_url, queue_worker=False)) as front,
    ):
        for name in ("operator1", "operator2"):
            await front.post("/api/v1/operators/me/state", user=name, json={"state": "available"})
        signed_in = datetime.fromisoformat((await me(front, "operator1"))["state_since"])
        gone: dict[str, Any] = {}

        async def keep_pinging() -> None:
            while "operator1" not in gone:
                await beat(front, "operator2")  # pings reach the other process only
                await asyncio.sleep(0.5)

        async def signed_out() -> bool:
            return bool((await me(worker, "operator1"))["state"] == "signed_out")

        pinging = asyncio.create_task(keep_pinging())
        try:
            gone["operator1"] = await eventually(
                signed_out, what="operator1 signed out", within=GRACE_S + 10
            )
        finally:
            pinging.cancel()
        out = await me(worker, "operator1")
        assert out["reason"] == f"no heartbeat for {GRACE_S:g} s (console lost)"
        assert (datetime.fromisoformat(out["state_since"]) - signed_in).total_seconds() >= GRACE_S
        assert (await me(worker, "operator2"))["state"] == "available"


async def test_pings_noted_when_a_server_stops_are_kept(settings: Settings) -> None:
    async with running_api(grace(settings, operator_grace_s=600)) as api:
        await api.post("/api/v1/operators/me/state", user="operator1", json={"state": "available"})
        last = await beat(api, "operator1")
    async with running_api(grace(settings, operator_grace_s=600, queue_worker=False)) as again:
        assert (await me(again, "operator1"))["last_heartbeat_at"] == last
