"""The surge policy at the ACD (issue 22): in surge no callback of an unclassified call is
dialled by an operator who could take a waiting call; a priority 1–2 card's callback still goes
first. Through the API, on a ManualClock, ticking as the ACD worker does."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.bus import InProcessBus
from tests.callbacks.conftest import Callbacks, originates
from tests.queues.conftest import Acd
from tests.queues.test_offers import drain
from tests.queues.test_surge import surge_tick, switch

pytestmark = pytest.mark.asyncio

ACCIDENT = {"type": "road.accident_injuries", "victims": 1}  # priority 1


async def test_in_surge_a_free_operator_takes_the_live_call_not_the_unclassified_callback(
    acd: Acd, engine: AsyncEngine
) -> None:
    await acd.state("operator1", "on_break", "training")
    gone = await acd.call()
    await acd.event(gone["id"], "abandoned")  # a callback task, no card: unclassified
    acd.clock.advance(5)
    newer = await acd.call()
    await acd.state("operator1", "available")
    await switch(acd, "on")
    assert await surge_tick(acd) == 1
    offer = await acd.offer("operator1")
    assert offer is not None
    assert offer["call_id"] == newer["id"]
    assert await originates(engine) == []


async def test_in_surge_a_wrapping_operator_does_not_dial_an_unclassified_callback(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "dropped")  # operator1 wraps up; the callback prefers them
    await acd.call()  # a live call waits in the queue operator1 takes
    await switch(acd, "on")
    assert await surge_tick(acd) == 0
    assert await originates(engine) == []
    # Out of surge the callback is theirs again at once (as without the policy).
    await switch(acd, "off")
    assert await surge_tick(acd) == 1
    [command] = await originates(engine)
    assert command.operator == "operator1"


async def test_in_surge_a_priority_one_cards_callback_is_still_dialled_first(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    call = await cb.taken_call()
    card = await cb.card(call["id"], incident=ACCIDENT)
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert task["card_id"] == card["id"]
    assert task["priority"] == 5  # 6 - incident priority 1
    await acd.call()
    await switch(acd, "on")
    assert await surge_tick(acd) == 1
    [command] = await originates(engine)
    assert (command.operator, command.payload["callback_id"]) == ("operator1", task["id"])


async def test_a_card_classified_after_the_drop_gives_the_callback_its_priority(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "dropped")  # the line went before the card was saved
    [task] = await cb.pending()
    assert (task["card_id"], task["priority"]) == (None, 0)  # unclassified for now
    bus = acd.api.runtime.bus
    assert isinstance(bus, InProcessBus)
    changes = bus.subscribe("callback.changed")
    card = await cb.card(call["id"], incident=ACCIDENT)  # saved a moment later: priority 1
    [change] = drain(changes)
    assert (change.payload["callback_id"], change.payload["change"]) == (task["id"], "classified")
    [task] = await cb.pending()
    assert (task["card_id"], task["priority"]) == (card["id"], 5)
    # In surge it goes before the live call waiting, as a priority 1 card's callback does.
    await acd.call()
    await switch(acd, "on")
    assert await surge_tick(acd) == 1
    [command] = await originates(engine)
    assert (command.operator, command.payload["callback_id"]) == ("operator1", task["id"])


async def test_a_card_saved_again_with_its_priority_unchanged_leaves_the_callback_alone(
    cb: Callbacks, acd: Acd
) -> None:
    call = await cb.taken_call()
    card = await cb.card(call["id"], incident=ACCIDENT)
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert task["priority"] == 5
    note = await cb.api.post(
        f"/api/v1/cards/{card['id']}/notes", user="operator1", json={"text": "still no answer"}
    )
    assert note.status_code in (200, 201), note.text
    [again] = await cb.pending()
    assert again == task
