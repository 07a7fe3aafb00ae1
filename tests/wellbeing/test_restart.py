"""A traumatic card closed while no server listened (its ``card.closed`` event lost) still
opens its case: the next start reads the cards closed in the last day again."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cardschema import Outcome
from dispatch.cards import lifecycle
from dispatch.cards.consistency import ALL_WARNINGS
from dispatch.cards.routing import default_classifier
from dispatch.core.actor import Actor
from dispatch.core.bus import InProcessBus
from dispatch.core.clock import ManualClock
from dispatch.core.database import unit_of_work
from dispatch.core.settings import Settings
from dispatch.wellbeing import worker
from tests.fixtures.api import running_api
from tests.queues.conftest import START, Acd, acd_settings
from tests.wellbeing.conftest import (
    CHILD_ABUSE,
    DEATH,
    case_of,
    close_card,
    counts,
    mine,
    on_a_call,
)

pytestmark = pytest.mark.asyncio


async def test_a_card_closed_while_its_event_was_lost_opens_its_case_at_the_next_start(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = acd_settings(settings, operator_grace_s=3600)
    clock = ManualClock(START)
    async with running_api(settings, clock=clock) as api:
        acd = Acd(api, clock)
        call_id = await on_a_call(acd)
        heard = await close_card(acd, call_id, CHILD_ABUSE)
        await case_of(acd, heard["id"])
        await acd.event(call_id, "ended")
        call_id = await on_a_call(acd)
        made = await api.post("/api/v1/cards", user="operator1", json={"call_id": call_id, **DEATH})
        assert made.status_code == 201, made.text
        lost = made.json()["id"]
        # Closed in a transaction whose event nobody hears: the process "died" after commit.
        async with unit_of_work(api.runtime.sessions, InProcessBus()) as session:
            await lifecycle.close_card(
                session, Actor(username="operator1", role="operator"), uuid.UUID(lost),
                Outcome.ADVICE_GIVEN, None, expected_version=None, now=clock.now(),
                classifier=default_classifier(), acknowledge=sorted(ALL_WARNINGS),
            )  # fmt: skip
        assert [c["card_id"] for c in await mine(acd)] == [heard["id"]]
        assert await counts(engine) == (1, 1, 1)

    clock.advance(3600)
    async with running_api(settings, clock=clock) as api:
        acd = Acd(api, clock)
        case = await case_of(acd, lost)
        assert (case["reasons"], case["offer"]) == (["death"], None)  # the first offer waits
        assert await counts(engine) == (2, 1, 2)  # the heard card's case is not opened twice
        # reading the same day again opens nothing more
        assert await worker.catch_up(api.runtime, since=START) == []
        assert await counts(engine) == (2, 1, 2)


async def test_a_card_closed_longer_ago_than_the_catch_up_is_left(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = acd_settings(settings, operator_grace_s=3600)
    clock = ManualClock(START)
    async with running_api(settings, clock=clock) as api:
        acd = Acd(api, clock)
        call_id = await on_a_call(acd)
        made = await api.post("/api/v1/cards", user="operator1", json={"call_id": call_id, **DEATH})
        async with unit_of_work(api.runtime.sessions, InProcessBus()) as session:
            await lifecycle.close_card(
                session, Actor(username="operator1", role="operator"),
                uuid.UUID(made.json()["id"]), Outcome.ADVICE_GIVEN, None, expected_version=None,
                now=clock.now(), classifier=default_classifier(),
                acknowledge=sorted(ALL_WARNINGS),
            )  # fmt: skip
    clock.advance(worker.CATCH_UP.total_seconds() + 60)
    async with running_api(settings, clock=clock) as api:
        assert await worker.catch_up(api.runtime, since=clock.now() - worker.CATCH_UP) == []
        assert await counts(engine) == (0, 0, 0)
        # the card is there to read: from further back it opens its case
        assert len(await worker.catch_up(api.runtime, since=START)) == 1
        assert await counts(engine) == (1, 1, 1)
