"""Faults: a restart loses and doubles nothing; a silent console leaves the rotation; the worker
started with the server hands out calls by itself."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from dispatch.queues.models import Offer, QueueEntry
from tests.fixtures.api import running_api
from tests.fixtures.waiting import eventually
from tests.queues.conftest import GATEWAY, Acd, acd_settings

pytestmark = pytest.mark.asyncio


def strip(queue: dict[str, Any]) -> dict[str, Any]:
    """A queue's view without the waits, which grow with the clock."""
    return {**queue, "calls": [{**c, "wait_s": None} for c in queue["calls"]]}


async def test_a_restart_rebuilds_queues_and_operators_from_the_database(
    settings: Settings, clock: ManualClock, engine: AsyncEngine
) -> None:
    # One ring-out sends the operator on break here, so the restart's expiry shows in a state.
    configured = acd_settings(settings, operator_grace_s=3600, queue_max_no_answer=1)
    async with running_api(configured, clock=clock) as api:
        acd = Acd(api, clock)
        await acd.configure("voice-uz", strategy="longest-idle")
        await acd.state("operator1", "available")
        clock.advance(1)
        await acd.state("operator2", "available")
        first, second, third = [await acd.call() for _ in range(3)]
        assert await acd.tick() == 2
        assert (await acd.offer("operator1") or {}).get("call_id") == first["id"]
        await acd.accept("operator2")
        before = await acd.queue("voice-uz")
        summary_before = await acd.summary()

    clock.advance(5)
    async with running_api(configured, clock=clock) as api:  # a new server process
        acd = Acd(api, clock)
        after = await acd.queue("voice-uz")
        assert strip(after) == strip(before)  # the same, only 5 s older
        assert [(c["call_id"], c["status"], c["position"]) for c in after["calls"]] == [
            (first["id"], "offered", 1),
            (third["id"], "waiting", 2),
            (second["id"], "connected", None),
        ]
        assert (await acd.me("operator1"))["state"] == "reserved"
        assert (await acd.me("operator2"))["call_id"] == second["id"]
        assert [(q["today"], q["waiting"]) for q in (await acd.summary())["queues"]] == [
            (q["today"], q["waiting"]) for q in summary_before["queues"]
        ]

        clock.advance(5)  # the offer made before the restart expires after it
        assert await acd.tick() == 0
        assert (await acd.me("operator1"))["state"] == "on_break"
        await acd.event(second["id"], "ended")
        clock.advance(15)
        assert await acd.tick() == 1  # operator2's wrap-up ends; the oldest call is theirs
        assert (await acd.offer("operator2") or {}).get("call_id") == first["id"]

    async with engine.connect() as connection:
        entries = await connection.scalar(select(func.count()).select_from(QueueEntry))
        per_call = (
            await connection.execute(select(Offer.call_id, func.count()).group_by(Offer.call_id))
        ).all()
        active = await connection.scalar(
            select(func.count()).select_from(Offer).where(Offer.status == "active")
        )
    assert entries == 3
    assert sorted(n for _, n in per_call) == [1, 2]  # first: expired, then operator2's
    assert active == 1


async def test_an_operator_whose_console_goes_quiet_leaves_the_rotation(
    settings: Settings, clock: ManualClock
) -> None:
    async with running_api(acd_settings(settings, operator_grace_s=30), clock=clock) as api:
        acd = Acd(api, clock)
        await acd.state("operator1", "available")
        await acd.state("operator2", "on_break", "lunch")
        clock.advance(20)
        beat = await api.post("/api/v1/operators/me/heartbeat", user="operator1")
        assert beat.json()["last_heartbeat_at"] == clock.now().isoformat().replace("+00:00", "Z")
        clock.advance(29)
        await acd.tick()
        assert (await acd.me("operator1"))["state"] == "available"
        clock.advance(1.5)
        await acd.tick()
        me = await acd.me("operator1")
        assert (me["state"], me["reason"]) == ("signed_out", "no heartbeat for 30 s (console lost)")
        [line] = [x for x in await acd.log(operator="operator1") if x["event"] == "sign_out"]
        assert line["data"]["reason"] == me["reason"]
        await acd.call()
        assert await acd.tick() == 0  # nobody to offer it to
        clock.advance(300)
        await acd.tick()
        assert (await acd.me("operator2"))["state"] == "on_break"  # not in the rotation anyway


async def test_the_worker_started_with_the_server_hands_out_calls(settings: Settings) -> None:
    async with running_api(settings.model_copy(update={"queue_poll_s": 0.05})) as api:
        await api.post("/api/v1/operators/me/state", user="operator1", json={"state": "available"})
        body: dict[str, Any] = {"channel": "sms", "language": "uz", "text": "Yordam kerak"}
        call = (await api.post("/api/v1/calls", json=body, headers=GATEWAY)).json()
        assert call["queue"] == "sms"

        async def offered() -> dict[str, Any] | None:
            me: dict[str, Any] = (await api.get("/api/v1/operators/me", user="operator1")).json()
            offer: dict[str, Any] | None = me["offer"]
            return offer

        offer = await eventually(offered, what="the worker's offer to operator1")
        assert offer["call_id"] == call["id"]
