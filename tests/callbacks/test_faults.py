"""Callback faults: tasks due while the server was down are offered when it is back, in order;
two workers (two app instances on one database) never dial one task twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.callbacks.models import CallbackAttempt, CallbackTask
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from dispatch.queues.assignment import assign_once
from tests.fixtures.api import running_api
from tests.queues.conftest import Acd, acd_settings

pytestmark = pytest.mark.asyncio


async def dialled(engine: AsyncEngine) -> list[str]:
    """The callback ids of the originate commands, oldest first."""
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(GatewayCommand.payload)
            .where(GatewayCommand.command == "originate")
            .order_by(GatewayCommand.id)
        )
        return [payload["callback_id"] for payload in rows]


async def test_callbacks_due_while_the_server_was_down_are_offered_in_order(
    settings: Settings, clock: ManualClock, engine: AsyncEngine
) -> None:
    configured = acd_settings(settings, operator_grace_s=24 * 3600)
    async with running_api(configured, clock=clock) as api:
        acd = Acd(api, clock)
        await acd.state("operator1", "on_break", "training")
        calls = []
        for _ in range(3):
            call = await acd.call()
            clock.advance(1)
            await acd.event(call["id"], "abandoned")
            calls.append(call)
        assert await acd.tick() == 0  # nobody is free
        pending = (
            await api.get("/api/v1/callbacks", user="supervisor1", params={"status": "pending"})
        ).json()["items"]
        assert [t["call_id"] for t in pending] == [c["id"] for c in calls]

    clock.advance(600)  # the server is down for ten minutes
    async with running_api(configured, clock=clock) as api:  # a new server process
        acd = Acd(api, clock)
        after = (
            await api.get("/api/v1/callbacks", user="supervisor1", params={"status": "pending"})
        ).json()["items"]
        assert [(t["id"], t["position"]) for t in after] == [
            (t["id"], n) for n, t in enumerate(pending, 1)
        ]
        assert all(t["overdue"] for t in after)
        await acd.state("operator1", "available")
        for task in pending:
            assert await acd.tick() == 1
            response = await api.post(
                f"/api/v1/callbacks/{task['id']}/attempts",
                user="operator1",
                json={"outcome": "reached"},
            )
            assert response.status_code == 201, response.text
            await acd.state("operator1", "available")
    assert await dialled(engine) == [t["id"] for t in pending]


async def test_two_workers_never_dial_one_callback_twice(
    settings: Settings, clock: ManualClock, engine: AsyncEngine
) -> None:
    configured = acd_settings(settings, operator_grace_s=24 * 3600)
    names = [f"cbop{n}" for n in range(4)]
    async with (
        running_api(configured, clock=clock) as first,
        running_api(configured, clock=clock) as second,
    ):
        acd = Acd(first, clock)
        for name in names:
            await acd.add_operator(name, languages={"uz": 0}, channels={"voice": 0})
        await acd.state("operator1", "on_break", "training")
        for _ in range(6):
            call = await acd.call()
            clock.advance(1)
            await acd.event(call["id"], "abandoned")
        for name in names:
            await acd.state(name, "available")

        made = await asyncio.gather(assign_once(first.runtime), assign_once(second.runtime))
        assert sum(made) == len(names)  # four operators, six due tasks: four dials in all

    async with engine.connect() as connection:
        per_task = (
            await connection.execute(
                select(CallbackAttempt.task_id, func.count()).group_by(CallbackAttempt.task_id)
            )
        ).all()
        per_operator = (
            await connection.execute(
                select(CallbackAttempt.operator, func.count()).group_by(CallbackAttempt.operator)
            )
        ).all()
        dialing = await connection.scalar(
            select(func.count()).select_from(CallbackTask).where(CallbackTask.status == "dialing")
        )
    assert len(per_task) == len(names)
    assert all(count == 1 for _, count in per_task)
    assert sorted(name for name, _ in per_operator) == names
    assert all(count == 1 for _, count in per_operator)
    assert dialing == len(names)
    assert len(await dialled(engine)) == len(names)
