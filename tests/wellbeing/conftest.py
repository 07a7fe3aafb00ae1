"""Wellbeing test helpers: the app on a ManualClock with the ACD worker off (tests/queues'
``Acd``), cards closed by an operator on a call, and what the wellbeing tables hold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.cards.consistency import ALL_WARNINGS
from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from dispatch.wellbeing.models import WellbeingCase, WellbeingDebrief, WellbeingOffer
from tests.fixtures.api import running_api
from tests.fixtures.waiting import eventually
from tests.queues.conftest import START, Acd, acd_settings

CHILD_ABUSE = {"incident": {"type": "violence.child_abuse"}}
DEATH = {
    "incident": {"type": "road.accident_injuries"},
    "persons": [{"role": "victim", "age_band": "adult", "condition": "vafot etgan"}],
}
ORDINARY = {"incident": {"type": "medical.illness"}}
TABLES = (WellbeingCase, WellbeingOffer, WellbeingDebrief)


@pytest.fixture
def clock() -> ManualClock:
    """The app's clock, at 09:00 Tashkent time."""
    return ManualClock(START)


@pytest_asyncio.fixture
async def acd(settings: Settings, clock: ManualClock) -> AsyncIterator[Acd]:
    """The app on the test's database and a ManualClock, the ACD worker off."""
    async with running_api(acd_settings(settings, operator_grace_s=3600), clock=clock) as api:
        yield Acd(api, clock)


async def on_a_call(acd: Acd, name: str = "operator1") -> str:
    """``name`` signed in, offered a new call and on it (the only one free); the call's id."""
    await acd.state(name, "available")
    call = await acd.call()
    assert await acd.tick() == 1
    await acd.accept(name)
    assert (await acd.me(name))["state"] == "on_call"
    return str(call["id"])


async def close_card(
    acd: Acd,
    call_id: str,
    card: dict[str, Any],
    *,
    user: str = "operator1",
    outcome: str = "advice_given",
) -> dict[str, Any]:
    """The call's card with ``card``'s fields, closed by ``user`` with ``outcome``."""
    made = await acd.api.post("/api/v1/cards", user=user, json={"call_id": call_id, **card})
    assert made.status_code == 201, made.text
    closed = await acd.api.post(
        f"/api/v1/cards/{made.json()['id']}/close",
        user=user,
        json={"outcome": outcome, "acknowledge": sorted(ALL_WARNINGS)},
    )
    assert closed.status_code == 200, closed.text
    result: dict[str, Any] = closed.json()
    return result


async def mine(acd: Acd, user: str = "operator1") -> list[dict[str, Any]]:
    """GET /wellbeing/mine as ``user``."""
    return list(acd.check(await acd.api.get("/api/v1/wellbeing/mine", user=user), 200))


async def case_of(acd: Acd, card_id: str, user: str = "operator1") -> dict[str, Any]:
    """``user``'s case of the card, once the listener opened it."""

    async def found() -> dict[str, Any] | None:
        return next((c for c in await mine(acd, user) if c["card_id"] == card_id), None)

    return await eventually(found, what=f"the wellbeing case of card {card_id}")


async def counts(engine: AsyncEngine) -> tuple[int, ...]:
    """How many cases, offers and debriefs are stored."""
    async with engine.connect() as connection:
        return tuple(
            [
                int((await connection.execute(select(func.count()).select_from(t))).scalar_one())
                for t in TABLES
            ]
        )
