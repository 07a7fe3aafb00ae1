"""The surge policy at the ACD (issue 22): in surge no callback of an unclassified call is
dialled by an operator who could take a waiting call; a priority 1–2 card's callback still goes
first. Through the API, on a ManualClock, ticking as the ACD worker does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cardschema import Channel
from dispatch.calls.lifecycle import CallEventType
from dispatch.calls.schemas import CallCreate, EventIn
from dispatch.core.actor import Actor
from dispatch.core.bus import InProcessBus
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.flows import calls as flows
from dispatch.queues import offers, operators
from tests.callbacks.conftest import Callbacks, originates
from tests.queues.conftest import Acd
from tests.queues.test_offers import drain
from tests.queues.test_surge import surge_tick, switch

pytestmark = pytest.mark.asyncio

ACCIDENT = {"type": "road.accident_injuries", "victims": 1}  # priority 1
GATEWAY_ACTOR = Actor(username="gateway1", role="gateway")


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


@pytest.mark.parametrize("card_is", ["made", "classified"])
async def test_a_card_made_or_classified_while_its_call_drops_gives_the_callback_its_priority(
    cb: Callbacks, acd: Acd, database_url: str, card_is: str
) -> None:
    """The drop (which makes the task) and the card's save (which raises the call's open task
    to the card's priority at its commit) in two transactions at once: neither may miss the
    other. Before the call's card-making was held and its card read under a share lock, the
    save's raise ran before the drop's task was committed and the drop had read the card (or
    none) before the save: a priority 1 card's callback made unclassified (dialled 443-509 s
    late in the surge benchmark)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every writer already")
    call = await cb.taken_call()
    card = await cb.card(call["id"]) if card_is == "classified" else None  # no priority yet
    runtime = acd.api.runtime
    made, release = asyncio.Event(), asyncio.Event()

    async def drop_and_hold() -> None:
        async with unit_of_work(runtime.sessions, runtime.bus) as session:
            dropped = EventIn(event_id="race-drop", type=CallEventType.DROPPED, at=acd.clock.now())
            await flows.record_call_event(
                session, GATEWAY_ACTOR, uuid.UUID(call["id"]), dropped, now=acd.clock.now()
            )
            made.set()  # the task is made, its transaction still open
            await release.wait()

    dropping = asyncio.create_task(drop_and_hold())
    try:
        await asyncio.wait_for(made.wait(), 30)
        if card is None:
            body = {"call_id": call["id"], "incident": ACCIDENT}
            saving = asyncio.create_task(acd.api.post("/api/v1/cards", user="operator1", json=body))
        else:
            saving = asyncio.create_task(
                acd.api.patch(
                    f"/api/v1/cards/{card['id']}", user="operator1", json={"incident": ACCIDENT}
                )
            )
        # The save runs to its end now, or stops at a lock until the drop's transaction ends.
        await _done_or_waiting_on_a_lock(saving, runtime)
    finally:
        release.set()
        await asyncio.wait_for(dropping, 30)
    saved = await asyncio.wait_for(saving, 30)
    assert saved.status_code in (200, 201), saved.text
    [task] = await cb.pending()
    assert (task["card_id"], task["priority"]) == (saved.json()["id"], 5)


async def test_in_surge_no_unclassified_callback_goes_while_a_call_is_still_being_taken(
    acd: Acd, engine: AsyncEngine, database_url: str
) -> None:
    """A call being taken (its request on a busy process, its entry written, its transaction
    still open) while the ACD judges whether a free operator may dial an unclassified
    callback: the ACD sees it by the entries' gate (``queues.intake``) and dials none. Before
    the gate the ACD read the queue empty and the callback went out while the call waited (the
    surge benchmark's single steps: calls entered 60 and 298 ms before such dials)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every writer already")
    await acd.state("operator1", "on_break", "training")
    gone = await acd.call()
    await acd.event(gone["id"], "abandoned")  # a callback task, no card: unclassified
    acd.clock.advance(5)
    await acd.state("operator1", "available")
    await switch(acd, "on")
    runtime = acd.api.runtime
    taken, release = asyncio.Event(), asyncio.Event()
    body = CallCreate(channel=Channel.VOICE, language="uz", caller_number="+998901112233")

    async def take_and_hold() -> None:
        async with unit_of_work(runtime.sessions, runtime.bus) as session:
            await flows.take_call(session, GATEWAY_ACTOR, body, now=acd.clock.now())
            taken.set()  # the entry is written, its transaction still open
            await release.wait()

    taking = asyncio.create_task(take_and_hold())
    try:
        await asyncio.wait_for(taken.wait(), 30)
        # The tick runs to its end without waiting for the call, and dials nothing.
        await asyncio.wait_for(surge_tick(acd), 30)
        assert await originates(engine) == []
    finally:
        release.set()
        await asyncio.wait_for(taking, 30)
    # The gate was let go: another call is taken at once.
    await asyncio.wait_for(acd.call(), 30)
    assert await surge_tick(acd) == 1  # the next tick offers operator1 the first call
    offer = await acd.offer("operator1")
    assert offer is not None
    assert offer["call_id"] != gone["id"]


async def test_in_surge_no_unclassified_callback_goes_while_an_offer_is_being_declined(
    acd: Acd, engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other way a call comes to wait: its offer declined while the ACD judges whether a
    free operator may dial an unclassified callback. The ACD dials none while the decline is
    open, and keeps the operator for the call once it waits again."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every writer already")
    gone = await acd.call()
    await acd.event(gone["id"], "abandoned")  # a callback task, no card: unclassified
    await switch(acd, "on")
    live = await acd.call()
    await acd.state("operator1", "available")
    assert await surge_tick(acd) == 1  # the live call to the one free operator
    offer = await acd.offer("operator1")
    assert offer is not None
    assert offer["call_id"] == live["id"]
    await acd.state("operator2", "available")
    # Held once the decline's transaction is open (the gate taken), before its entry's lock.
    hold = _HeldOnce(offers.require_entry)
    monkeypatch.setattr(offers, "require_entry", hold)
    declined = await _ticked_while_held(
        acd, engine, hold, acd.api.post(f"/api/v1/offers/{offer['id']}/decline", user="operator1")
    )
    assert declined.status_code == 200, declined.text
    assert await surge_tick(acd) == 1  # operator2 takes the call waiting again
    assert await originates(engine) == []


async def test_in_surge_no_unclassified_callback_goes_while_an_offered_call_is_being_moved(
    acd: Acd, engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third way a call comes to wait again: a supervisor moves a call that rings at an
    operator to another queue (its offer withdrawn). While that is open the ACD dials no
    unclassified callback to an operator of the queue the call is moving to."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every writer already")
    gone = await acd.call(language="ru")
    await acd.event(gone["id"], "abandoned")  # a Russian callback task, unclassified
    await switch(acd, "on")
    await acd.state("operator1", "available")
    live = await acd.call()  # Uzbek
    assert await surge_tick(acd) == 1  # the live call rings at operator1
    await acd.serve("operator2", ["voice-ru"])
    await acd.state("operator2", "available")  # Russian, the callback's queue only
    # Held at the withdrawal's operator, once the call waits again (the gate taken).
    hold = _HeldOnce(operators.locked)
    monkeypatch.setattr(operators, "locked", hold)
    moved = await _ticked_while_held(
        acd,
        engine,
        hold,
        acd.api.post(
            f"/api/v1/calls/{live['id']}/move", user="supervisor1", json={"queue": "voice-ru"}
        ),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["queue"] == "voice-ru"


class _HeldOnce:
    """An async function that, its first time, stops until released (a transaction held open
    at that point); every later call goes straight through."""

    def __init__(self, original: Callable[..., Awaitable[Any]]) -> None:
        self.original = original
        self.reached, self.release = asyncio.Event(), asyncio.Event()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.reached.is_set():
            self.reached.set()
            await asyncio.wait_for(self.release.wait(), 30)
        return await self.original(*args, **kwargs)


async def _ticked_while_held(
    acd: Acd, engine: AsyncEngine, hold: _HeldOnce, request: Awaitable[httpx.Response]
) -> httpx.Response:
    """Run ``request`` until ``hold`` stops it, tick the ACD in surge meanwhile (it must not
    wait for the request, nor dial an unclassified callback), then let the request finish."""
    running = asyncio.ensure_future(request)
    try:
        await asyncio.wait_for(hold.reached.wait(), 30)
        await asyncio.wait_for(surge_tick(acd), 30)
        assert await originates(engine) == []
    finally:
        hold.release.set()
    return await asyncio.wait_for(running, 30)


async def _done_or_waiting_on_a_lock(saving: asyncio.Task[Any], runtime: Runtime) -> None:
    """Until ``saving`` is done or some session of the database waits on a lock (bounded)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = asyncio.get_running_loop().time() + 30
    while not saving.done():
        async with runtime.sessions() as session:
            if await session.scalar(waiting):
                return
        assert asyncio.get_running_loop().time() < deadline, "the save neither ended nor waited"
        await asyncio.sleep(0.05)
