"""Callback test helpers: the ACD app on a ManualClock (worker off), a call taken by an
operator and dropped, its card, and the callbacks API."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.gateway.models import GatewayCommand
from tests.feeds.conftest import service_key
from tests.queues.conftest import Acd, acd, clock

__all__ = ["Callbacks", "acd", "cb", "clock", "commands", "originates", "service_key"]


class Callbacks:
    """The callbacks API over an :class:`Acd`; every helper asserts the status it expects."""

    def __init__(self, acd: Acd) -> None:
        self.acd = acd
        self.api = acd.api

    async def taken_call(self, name: str = "operator1", **fields: Any) -> dict[str, Any]:
        """A call offered to ``name`` (available first) and answered; the call."""
        await self.acd.state(name, "available")
        call = await self.acd.call(**fields)
        assert await self.acd.tick() == 1
        await self.acd.accept(name)
        return call

    async def card(self, call_id: str, user: str = "operator1", **fields: Any) -> dict[str, Any]:
        """A card for the call."""
        response = await self.api.post(
            "/api/v1/cards", user=user, json={"call_id": call_id, **fields}
        )
        return dict(self.acd.check(response, 201))

    async def pending(self, **params: Any) -> list[dict[str, Any]]:
        """Pending tasks in offering order."""
        response = await self.api.get(
            "/api/v1/callbacks", user="supervisor1", params={"status": "pending", **params}
        )
        return list(self.acd.check(response, 200)["items"])

    async def get(self, task_id: str) -> dict[str, Any]:
        """One task."""
        return dict(
            self.acd.check(
                await self.api.get(f"/api/v1/callbacks/{task_id}", user="supervisor1"), 200
            )
        )

    async def attempt(
        self, task_id: str, outcome: str, user: str = "operator1", expect: int = 201, **fields: Any
    ) -> Any:
        """Record an attempt's outcome."""
        response = await self.api.post(
            f"/api/v1/callbacks/{task_id}/attempts",
            user=user,
            json={"outcome": outcome, **fields},
        )
        return self.acd.check(response, expect)


@pytest.fixture
def cb(acd: Acd) -> Callbacks:
    """The callbacks API over the ACD app."""
    return Callbacks(acd)


async def commands(engine: AsyncEngine, kind: str) -> list[GatewayCommand]:
    """The gateway's commands of one kind, oldest first."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(GatewayCommand).where(GatewayCommand.command == kind).order_by(GatewayCommand.id)
        )
        return list(rows.all())  # type: ignore[arg-type]


async def originates(engine: AsyncEngine) -> list[GatewayCommand]:
    """The gateway's originate commands, oldest first."""
    return await commands(engine, "originate")
