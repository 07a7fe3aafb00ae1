"""Offers: to the console (bus) and the gateway (command), accept connects, the call's end
brings wrap-up then available, decline and no-answer pass the call on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.gateway.models import GatewayCommand
from dispatch.core.bus import InProcessBus
from dispatch.queues.models import Offer
from tests.fixtures.databases import fingerprint
from tests.queues.conftest import Acd, hang_up_unfollowed, refused_as_ended

pytestmark = pytest.mark.asyncio


def drain(subscription: Any) -> list[Any]:
    """Everything a subscription received so far."""
    received = []
    while not subscription.queue.empty():
        item = subscription.queue.get_nowait()
        if item is not None:
            received.append(item)
    return received


async def commands(engine: AsyncEngine, command: str) -> list[GatewayCommand]:
    """The gateway commands of one kind, oldest first."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(GatewayCommand)
            .where(GatewayCommand.command == command)
            .order_by(GatewayCommand.id)
        )
        return list(rows.all())  # type: ignore[arg-type]


async def test_an_offer_reaches_console_and_gateway_accept_connects_end_wraps_up(
    acd: Acd, engine: AsyncEngine
) -> None:
    bus = acd.api.runtime.bus
    assert isinstance(bus, InProcessBus)
    offers = bus.subscribe("queue.offer")
    await acd.state("operator1", "available")
    call = await acd.call()
    assert call["queue"] == "voice-uz"
    assert await acd.tick() == 1

    offer = await acd.offer("operator1")
    assert offer is not None
    assert offer["call_id"] == call["id"]
    assert offer["status"] == "active"
    assert (await acd.me("operator1"))["state"] == "reserved"
    [event] = drain(offers)
    assert event.payload["operator"] == "operator1"
    assert event.payload["offer_id"] == offer["id"]
    [ring] = await commands(engine, "offer")
    assert (ring.operator, str(ring.call_id)) == ("operator1", call["id"])
    assert ring.payload["offer_id"] == offer["id"]
    assert ring.payload["timeout_s"] == 10

    acd.clock.advance(3)
    accepted = await acd.accept("operator1")
    assert accepted["status"] == "accepted"
    again = await acd.api.post(f"/api/v1/offers/{offer['id']}/accept", user="operator1")
    assert (again.status_code, again.json()["status"]) == (200, "accepted")  # a retry is safe
    me = await acd.me("operator1")
    assert (me["state"], me["call_id"], me["calls_taken"]) == ("on_call", call["id"], 1)
    got = (await acd.api.get(f"/api/v1/calls/{call['id']}", user="operator1")).json()
    assert (got["status"], got["operator"]) == ("connected", "operator1")
    [connect] = await commands(engine, "connect")
    assert connect.operator == "operator1"

    acd.clock.advance(60)
    await acd.event(call["id"], "ended")
    me = await acd.me("operator1")
    assert me["state"] == "wrap_up"
    assert me["talk_seconds"] == 60
    assert datetime.fromisoformat(me["wrap_up_until"]) == acd.clock.now() + timedelta(seconds=15)
    acd.clock.advance(14)
    await acd.tick()
    assert (await acd.me("operator1"))["state"] == "wrap_up"
    acd.clock.advance(1)
    beat = await acd.api.post("/api/v1/operators/me/heartbeat", user="operator1")
    assert beat.status_code == 200  # the console is there (else it would be signed out)
    await acd.tick()
    assert (await acd.me("operator1"))["state"] == "available"
    events = [line["event"] for line in await acd.log(call_id=call["id"])]
    assert events == ["enter", "connect", "complete", "wrap_up"]


async def test_one_missed_offer_passes_the_call_on_and_rests_the_operator_without_a_break(
    acd: Acd, engine: AsyncEngine
) -> None:
    await acd.state("operator1", "available")
    acd.clock.advance(1)
    await acd.state("operator2", "available")  # idle for less time: second in line
    call = await acd.call()
    assert await acd.tick() == 1
    first = await acd.offer("operator1")
    assert first is not None

    acd.clock.advance(9.5)
    assert await acd.tick() == 0  # 10 s to answer: still ringing at operator1
    acd.clock.advance(0.5)
    assert await acd.tick() == 1
    me = await acd.me("operator1")
    assert (me["state"], me["reason"], me["no_answer_count"]) == ("available", None, 1)
    second = await acd.offer("operator2")
    assert second is not None
    assert second["call_id"] == call["id"]
    late = await acd.api.post(f"/api/v1/offers/{first['id']}/accept", user="operator1")
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]
    assert [c.operator for c in await commands(engine, "offer")] == ["operator1", "operator2"]
    events = [(line["event"], line["operator"]) for line in await acd.log(call_id=call["id"])]
    assert events == [("enter", None), ("ring_no_answer", "operator1")]
    assert [line["event"] for line in await acd.log(operator="operator1")] == [
        "sign_in",
        "ring_no_answer",
    ]
    assert (await acd.queue("voice-uz"))["calls"][0]["no_answers"] == 1

    # Like a decliner, operator1 rests DISPATCH_QUEUE_REJECT_DELAY_S (10 s), then takes calls.
    await acd.accept("operator2")
    rested = await acd.call()
    acd.clock.advance(9)
    assert await acd.tick() == 0
    acd.clock.advance(1)
    assert await acd.tick() == 1
    assert (await acd.offer("operator1") or {}).get("call_id") == rested["id"]
    # Answering ends the row of ring-outs.
    await acd.accept("operator1")
    assert (await acd.me("operator1"))["no_answer_count"] == 0


async def test_missed_offers_in_a_row_send_the_operator_on_break(acd: Acd) -> None:
    assert acd.api.runtime.settings.queue_max_no_answer == 2  # the default
    await acd.state("operator1", "available")
    await acd.call(caller_number=None)
    for missed in (1, 2):
        assert await acd.tick() == 1
        assert await acd.offer("operator1") is not None
        acd.clock.advance(10)
        await acd.tick()
        me = await acd.me("operator1")
        assert me["no_answer_count"] == missed
        acd.clock.advance(10)  # the rest after a ring-out
    assert (me["state"], me["reason"]) == ("on_break", "no answer to 2 offer(s)")
    pauses = [line for line in await acd.log(operator="operator1") if line["event"] == "pause"]
    assert [line["data"]["reason"] for line in pauses] == ["no answer to 2 offer(s)"]

    # Back from the break, the no-answer count starts again.
    await acd.state("operator1", "available")
    assert (await acd.me("operator1"))["no_answer_count"] == 0


async def test_a_declined_offer_goes_to_the_next_operator_and_the_decliner_rests(
    acd: Acd,
) -> None:
    await acd.configure("voice-uz", strategy="longest-idle")  # operator2's Uzbek is fine at once
    await acd.state("operator1", "available")
    acd.clock.advance(1)
    await acd.state("operator2", "available")
    first_call = await acd.call()
    await acd.tick()
    offer = await acd.offer("operator1")
    assert offer is not None
    declined = await acd.api.post(f"/api/v1/offers/{offer['id']}/decline", user="operator1")
    assert declined.json()["status"] == "declined"
    me = await acd.me("operator1")
    assert me["state"] == "available"  # not a no-answer: no break
    assert await acd.tick() == 1
    second = await acd.offer("operator2")
    assert second is not None
    assert second["call_id"] == first_call["id"]

    # operator1 gets nothing for queue_reject_delay_s (10 s), then is offered again.
    await acd.call()
    acd.clock.advance(9)
    assert await acd.tick() == 0
    acd.clock.advance(1)
    assert await acd.tick() == 1
    assert await acd.offer("operator1") is not None
    decline_line = [
        line for line in await acd.log(operator="operator1") if line["event"] == "decline"
    ]
    assert decline_line[0]["call_id"] == first_call["id"]


async def test_an_answer_at_the_set_accepts_and_a_hang_up_while_ringing_frees_the_operator(
    acd: Acd,
) -> None:
    await acd.state("operator1", "available")
    answered_at_set = await acd.call()
    await acd.tick()
    acd.clock.advance(2)
    # The gateway reports the operator picked up the ringing set (no click in the console).
    await acd.event(answered_at_set["id"], "answered", operator="operator1")
    me = await acd.me("operator1")
    assert (me["state"], me["call_id"], me["offer"]) == ("on_call", answered_at_set["id"], None)
    [connect] = [x for x in await acd.log(call_id=answered_at_set["id"]) if x["event"] == "connect"]
    assert connect["data"]["wait_s"] == 2
    await acd.event(answered_at_set["id"], "ended")
    await acd.api.post("/api/v1/operators/me/wrap-up/end", user="operator1")

    hung_up = await acd.call()
    await acd.tick()
    assert (await acd.me("operator1"))["state"] == "reserved"
    acd.clock.advance(4)
    await acd.event(hung_up["id"], "abandoned")
    me = await acd.me("operator1")
    assert (me["state"], me["offer"]) == ("available", None)
    lines = await acd.log(call_id=hung_up["id"])
    assert [line["event"] for line in lines] == ["enter", "abandon"]
    assert lines[-1]["data"] == {"wait_s": 4.0, "reason": "abandoned", "no_answers": 0}
    assert (await acd.queue("voice-uz"))["calls"] == []


async def test_offers_refuse_the_wrong_operator_and_bad_input_changing_nothing(
    acd: Acd, engine: AsyncEngine
) -> None:
    await acd.state("operator1", "available")
    await acd.call()
    await acd.tick()
    offer = await acd.offer("operator1")
    assert offer is not None
    await acd.api.token("operator2")
    await acd.api.token("supervisor1")
    before = await fingerprint(engine)

    cases = [
        ("operator2", f"/api/v1/offers/{offer['id']}/accept", 403, "another operator"),
        ("operator2", f"/api/v1/offers/{offer['id']}/decline", 403, "another operator"),
        (
            "operator1",
            "/api/v1/offers/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d/accept",
            404,
            "no offer",
        ),
        ("operator1", "/api/v1/offers/not-a-uuid/accept", 422, "offer_id"),
        ("operator1", "/api/v1/operators/me/wrap-up/end", 409, "not in wrap-up"),
    ]
    for user, url, status, fragment in cases:
        response = await acd.api.post(url, user=user)
        assert response.status_code == status, (url, response.text)
        assert fragment in response.json()["detail"], response.text
    ended = await acd.api.post(
        "/api/v1/operators/me/state", user="operator1", json={"state": "on_break", "reason": "tea"}
    )
    assert ended.status_code == 409
    assert "accept or decline" in ended.json()["detail"]
    assert await fingerprint(engine) == before

    acd.clock.advance(10)
    expired = await acd.api.post(f"/api/v1/offers/{offer['id']}/accept", user="operator1")
    assert expired.status_code == 409  # expired by the clock even before the ACD ticks
    assert await fingerprint(engine) == before
    async with engine.connect() as connection:
        active = await connection.scalar(
            select(func.count()).select_from(Offer).where(Offer.status == "active")
        )
    assert active == 1


async def test_an_accept_after_the_caller_hung_up_is_told_the_offer_closed(
    acd: Acd, engine: AsyncEngine
) -> None:
    await acd.state("operator1", "available")
    call = await acd.call()
    await acd.tick()
    offer = await acd.offer("operator1")
    assert offer is not None

    await hang_up_unfollowed(engine, call["id"], acd.clock.now())
    # Said in the operator's language (the consoles' said_offer_closed), the reason kept.
    accept = acd.api.post(f"/api/v1/offers/{offer['id']}/accept", user="operator1")
    await refused_as_ended(engine, accept, "offer_closed")
