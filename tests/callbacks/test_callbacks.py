"""Callbacks end to end through the API on a ManualClock: drop → task → dial (originate) →
reached → the card sent again; three failures → unreachable → a supervisor; ordering against
new calls; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from tests.callbacks.conftest import Callbacks, commands, originates, service_key
from tests.fixtures.api import running_api
from tests.fixtures.databases import fingerprint
from tests.queues.conftest import Acd, acd_settings

pytestmark = pytest.mark.asyncio

SAMARQAND = {"lat": 39.6542, "lon": 66.9597}
ACCIDENT = {"type": "road.accident_injuries", "victims": 1}


async def test_drop_callback_reached_card_sent_again(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    ambulance = await service_key(cb.api, "103")
    call = await cb.taken_call()
    card = await cb.card(call["id"], incident=ACCIDENT, location=SAMARQAND)
    routed = acd.check(
        await cb.api.post(
            f"/api/v1/cards/{card['id']}/route", user="operator1", json={"services": ["103"]}
        ),
        200,
    )
    acd.clock.advance(30)
    await acd.event(call["id"], "dropped")

    # The task exists at once, due now, linked to call and card, for the operator who had it.
    [task] = await cb.pending()
    assert task["call_id"] == call["id"]
    assert task["card_id"] == card["id"]
    assert task["card_number"] == card["number"]
    assert (task["origin"], task["status"], task["position"]) == ("dropped", "pending", 1)
    assert task["preferred_operator"] == "operator1"
    assert task["number"] == call["caller_number"]
    assert task["priority"] == 6 - routed["incident"]["priority"]

    # The operator is still wrapping the call up: the callback is theirs, dialled now.
    acd.clock.advance(2)
    assert await acd.tick() == 1
    me = await acd.me("operator1")
    assert (me["state"], me["call_id"]) == ("on_call", call["id"])
    [command] = await originates(engine)
    assert command.operator == "operator1"
    assert command.payload["number"] == call["caller_number"]
    assert command.payload["callback_id"] == task["id"]
    dialing = await cb.get(task["id"])
    assert (dialing["status"], dialing["operator"]) == ("dialing", "operator1")

    acd.clock.advance(20)
    done = await cb.attempt(task["id"], "reached")
    assert (done["status"], done["attempts"], done["attempts_left"]) == ("reached", 1, 0)
    [attempt] = done["history"]
    assert attempt["outcome"] == "reached"
    assert attempt["command_id"] == str(command.command_id)
    assert (await acd.me("operator1"))["state"] == "wrap_up"

    # The attempt is on the card (JSON and XML) and the new version went to the ambulance.
    fresh = acd.check(await cb.api.get(f"/api/v1/cards/{card['id']}", user="operator1"), 200)
    assert [(c["attempt"], c["outcome"]) for c in fresh["callbacks"]] == [(1, "reached")]
    xml = await cb.api.get(f"/api/v1/cards/{card['id']}.xml", user="operator1")
    assert cardschema.parse(xml.content).callbacks[0].outcome.value == "reached"
    feed = (await cb.api.get("/api/v1/feeds/103/cards", headers=ambulance)).json()["items"]
    assert [i["version"] for i in feed] == [routed["version"], fresh["version"]]

    # The operator updates the card and adds the police: both get the new version.
    police = await service_key(cb.api, "102")
    acd.check(
        await cb.api.patch(
            f"/api/v1/cards/{card['id']}",
            user="operator1",
            json={"incident": {"victims": 2}},
        ),
        200,
    )
    rerouted = acd.check(
        await cb.api.post(
            f"/api/v1/cards/{card['id']}/route", user="operator1", json={"services": ["102"]}
        ),
        200,
    )
    feed = (await cb.api.get("/api/v1/feeds/103/cards", headers=ambulance)).json()["items"]
    assert feed[-1]["version"] == rerouted["version"]
    police_feed = (await cb.api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    assert [i["version"] for i in police_feed] == [rerouted["version"]]


async def test_three_failures_make_the_caller_unreachable_for_a_supervisor(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    call = await cb.taken_call()
    # Located and classified but not yet routed when the call dropped.
    card = await cb.card(call["id"], incident=ACCIDENT, location=SAMARQAND)
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    spacing = acd.api.runtime.settings.callback_spacing_s

    for number, outcome in enumerate(["no_answer", "busy"], 1):
        assert await acd.tick() == 1
        after = await cb.attempt(task["id"], outcome)
        assert (after["status"], after["attempts"]) == ("pending", number)
        assert (await acd.me("operator1"))["state"] == "available"
        assert await acd.tick() == 0  # not before the spacing
        acd.clock.advance(spacing)
    assert await acd.tick() == 1
    closed = await cb.attempt(task["id"], "voicemail")
    assert (closed["status"], closed["attempts"], closed["attempts_left"]) == ("unreachable", 3, 0)
    assert [a["outcome"] for a in closed["history"]] == ["no_answer", "busy", "voicemail"]
    assert len(await originates(engine)) == 3

    # The card still went to the services its incident suggests (its location is known).
    assert closed["card_note"].startswith(f"card {card['number']} routed to ")
    fresh = acd.check(await cb.api.get(f"/api/v1/cards/{card['id']}", user="supervisor1"), 200)
    assert fresh["status"] == "routed"
    assert [c["outcome"] for c in fresh["callbacks"]] == ["no_answer", "busy", "voicemail"]

    # ... and the supervisors have it in front of them.
    escalations = acd.check(
        await cb.api.get("/api/v1/escalations", user="supervisor1", params={"status": "open"}),
        200,
    )
    [escalation] = [e for e in escalations if e["call_id"] == call["id"]]
    assert escalation["kind"] == "callback_unreachable"
    assert "unreachable after 3 callback attempt(s)" in escalation["reason"]
    listed = acd.check(
        await cb.api.get("/api/v1/callbacks", user="supervisor1", params={"status": "unreachable"}),
        200,
    )
    assert [t["id"] for t in listed["items"]] == [task["id"]]

    # A fourth attempt is refused and changes nothing.
    before = await fingerprint(engine)
    refused = await cb.attempt(task["id"], "no_answer", expect=409)
    assert "already unreachable after 3 attempt(s)" in refused["detail"]
    again = await cb.api.post(
        f"/api/v1/calls/{call['id']}/callbacks", user="operator1", json={"reason": "once more"}
    )
    assert again.status_code == 409
    assert "already called back 3 times" in again.json()["detail"]
    assert await fingerprint(engine) == before


async def test_unreachable_without_a_location_is_not_routed(cb: Callbacks, acd: Acd) -> None:
    call = await cb.taken_call()
    await cb.card(call["id"], incident=ACCIDENT)
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert await acd.tick() == 1
    closed = await cb.attempt(task["id"], "invalid_number")
    assert closed["status"] == "unreachable"  # a number that cannot be called: no retries
    assert closed["card_note"].endswith("not routed: its location is not known")


async def test_an_abandoned_call_is_called_back_ahead_of_lower_priority_calls(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    # A classified, dropped call (operator1) and an abandoned one (no card), then new calls.
    urgent = await cb.taken_call()
    await cb.card(urgent["id"], incident=ACCIDENT)
    await acd.event(urgent["id"], "dropped")
    # operator1 is wrapping the dropped call up: the ACD gives them its callback next.
    acd.clock.advance(1)
    abandoned = await acd.call()
    acd.clock.advance(1)
    await acd.event(abandoned["id"], "abandoned")
    acd.clock.advance(1)
    newer = await acd.call()

    pending = await cb.pending()
    assert [t["call_id"] for t in pending] == [urgent["id"], abandoned["id"]]
    assert [t["position"] for t in pending] == [1, 2]
    assert pending[1]["origin"] == "abandoned"
    assert pending[1]["preferred_operator"] is None

    # Only operator1 is there: their own callback first (it is the most urgent).
    assert await acd.tick() == 1
    assert (await acd.me("operator1"))["call_id"] == urgent["id"]
    await cb.attempt(pending[0]["id"], "reached")
    await acd.state("operator1", "available")
    # Now the abandoned caller (unclassified, priority 0, older) before the newer call.
    assert await acd.tick() == 1
    assert (await acd.me("operator1"))["call_id"] == abandoned["id"]
    await cb.attempt(pending[1]["id"], "reached")
    await acd.state("operator1", "available")
    assert await acd.tick() == 1
    offer = await acd.offer("operator1")
    assert offer is not None
    assert offer["call_id"] == newer["id"]
    assert [c.payload["callback_id"] for c in await originates(engine)] == [
        pending[0]["id"],
        pending[1]["id"],
    ]


async def test_a_new_call_older_than_an_unclassified_callback_goes_first(
    cb: Callbacks, acd: Acd
) -> None:
    await acd.state("operator1", "on_break", "training")
    older = await acd.call()
    acd.clock.advance(1)
    gone = await acd.call()
    await acd.event(gone["id"], "abandoned")
    await acd.state("operator1", "available")
    assert await acd.tick() == 1
    offer = await acd.offer("operator1")
    assert offer is not None
    assert offer["call_id"] == older["id"]


async def test_operator_asks_for_a_callback_and_two_operators_cannot_take_it(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    await acd.add_operator("operator7", languages={"uz": 0}, channels={"voice": 0})
    call = await cb.taken_call()
    still_on = await cb.api.post(
        f"/api/v1/calls/{call['id']}/callbacks", user="operator1", json={"reason": "address"}
    )
    assert still_on.status_code == 409
    assert "still connected" in still_on.json()["detail"]
    await acd.event(call["id"], "ended")
    await acd.state("operator1", "on_break", "lunch")
    made = acd.check(
        await cb.api.post(
            f"/api/v1/calls/{call['id']}/callbacks",
            user="operator1",
            json={"reason": "the exact address is missing"},
        ),
        201,
    )
    assert (made["origin"], made["reason"]) == ("operator", "the exact address is missing")
    second = await cb.api.post(
        f"/api/v1/calls/{call['id']}/callbacks", user="operator1", json={"reason": "again"}
    )
    assert second.status_code == 409

    await acd.state("operator7", "available")
    took = acd.check(
        await cb.api.post(f"/api/v1/callbacks/{made['id']}/take", user="operator7"), 200
    )
    assert (took["status"], took["operator"]) == ("dialing", "operator7")
    await acd.state("operator1", "available")
    late = await cb.api.post(f"/api/v1/callbacks/{made['id']}/take", user="operator1")
    assert late.status_code == 409
    assert "being dialled by operator7" in late.json()["detail"]
    other = await cb.attempt(made["id"], "reached", user="operator1", expect=409)
    assert "being dialled by operator7" in other["detail"]
    assert len(await originates(engine)) == 1
    await cb.attempt(made["id"], "reached", user="operator7")


async def test_bad_input_changes_nothing(cb: Callbacks, acd: Acd, engine: AsyncEngine) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    sms = await acd.call(channel="sms", text="yordam kerak")
    await acd.event(sms["id"], "ended")
    before = await fingerprint(engine)
    bad: list[tuple[str, dict[str, Any], int]] = [
        (f"/api/v1/callbacks/{task['id']}/attempts", {"outcome": "maybe"}, 422),
        (f"/api/v1/callbacks/{task['id']}/attempts", {"outcome": "busy", "extra": 1}, 422),
        (
            f"/api/v1/callbacks/{task['id']}/attempts",
            {
                "outcome": "busy",
                "started_at": "2026-11-22T10:00:00+05:00",
                "ended_at": "2026-11-22T09:00:00+05:00",
            },
            422,
        ),
        (
            "/api/v1/callbacks/00000000-0000-0000-0000-000000000000/attempts",
            {"outcome": "busy"},
            404,
        ),
        (f"/api/v1/calls/{call['id']}/callbacks", {"reason": ""}, 422),
        (f"/api/v1/calls/{call['id']}/callbacks", {"reason": "again"}, 409),
        (f"/api/v1/calls/{sms['id']}/callbacks", {"reason": "call them"}, 409),
        ("/api/v1/calls/00000000-0000-0000-0000-000000000000/callbacks", {"reason": "x"}, 404),
        (f"/api/v1/callbacks/{task['id']}/cancel", {"reason": "x"}, 403),
    ]
    for url, body, expect in bad:
        response = await cb.api.post(url, user="operator1", json=body)
        assert response.status_code == expect, (url, body, response.text)
        assert response.json()["detail"]
    assert await fingerprint(engine) == before
    stats = await cb.api.get(
        "/api/v1/callbacks/stats", user="supervisor1", params={"since": "2026-11-22T10:00:00"}
    )
    assert stats.status_code == 422


async def test_a_supervisor_cancels_a_task(cb: Callbacks, acd: Acd, engine: AsyncEngine) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert await acd.tick() == 1
    cancelled = acd.check(
        await cb.api.post(
            f"/api/v1/callbacks/{task['id']}/cancel",
            user="supervisor1",
            json={"reason": "the caller came back on a new call"},
        ),
        200,
    )
    assert (cancelled["status"], cancelled["closed_by"]) == ("cancelled", "supervisor1")
    assert (await acd.me("operator1"))["state"] == "available"
    [hangup] = await commands(engine, "hangup")  # the dial under way is ended at the gateway
    [originate] = await originates(engine)
    assert hangup.payload["callback_id"] == task["id"]
    assert hangup.payload["originate_command_id"] == str(originate.command_id)
    assert await cb.pending() == []


async def test_a_dial_without_an_outcome_goes_back_to_pending(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert await acd.tick() == 1
    acd.clock.advance(acd.api.runtime.settings.callback_lease_s + 1)
    # The lease ends: the task is pending again (the lost dial does not count) and re-offered.
    assert await acd.tick() == 1
    again = await cb.get(task["id"])
    assert (again["status"], again["attempts"]) == ("dialing", 0)
    assert [a["outcome"] for a in again["history"]] == [None, None]
    assert again["history"][0]["note"].startswith("no outcome was recorded")
    [hangup] = await commands(engine, "hangup")
    assert hangup.payload["attempt_id"] == again["history"][0]["id"]


async def test_statistics_per_operator_and_overall(cb: Callbacks, acd: Acd) -> None:
    first = await cb.taken_call()
    await acd.event(first["id"], "dropped")
    acd.clock.advance(4)
    assert await acd.tick() == 1
    [dialing] = acd.check(
        await cb.api.get("/api/v1/callbacks", user="supervisor1", params={"status": "dialing"}), 200
    )["items"]
    await cb.attempt(dialing["id"], "reached")
    await acd.state("operator1", "available")

    second = await cb.taken_call()
    await acd.event(second["id"], "dropped")
    [task] = await cb.pending()
    acd.clock.advance(20)
    for _ in range(3):
        assert await acd.tick() == 1
        await cb.attempt(task["id"], "no_answer")
        acd.clock.advance(acd.api.runtime.settings.callback_spacing_s)

    stats = acd.check(await cb.api.get("/api/v1/callbacks/stats", user="analyst1"), 200)
    overall = stats["overall"]
    assert (overall["tasks"], overall["attempts"], overall["reached"]) == (2, 4, 1)
    assert (overall["unreachable"], overall["open"], overall["success_rate"]) == (1, 0, 0.5)
    first_attempt = overall["first_attempt"]
    assert (first_attempt["count"], first_attempt["max_s"]) == (2, 20.0)
    assert (first_attempt["target_s"], first_attempt["within_target"]) == (10.0, 0.5)
    [mine] = stats["operators"]
    assert (mine["operator"], mine["attempts"], mine["reached"]) == ("operator1", 4, 1)


async def test_a_caller_who_rings_again_and_is_answered_is_not_called_back(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    await acd.state("operator1", "on_break", "training")
    gone = await acd.call(caller_number="+998901112233")
    await acd.event(gone["id"], "abandoned")
    [task] = await cb.pending()
    acd.clock.advance(5)
    await acd.state("operator1", "available")
    again = await acd.call(caller_number="+998901112233")
    # The caller rings in again and is answered at operator2's set before any dial began.
    await acd.event(again["id"], "answered", operator="operator2")
    settled = await cb.get(task["id"])
    assert (settled["status"], settled["closed_by"]) == ("cancelled", "system")
    assert settled["card_note"] == f"the caller rang again and was answered (call {again['id']})"
    assert await acd.tick() == 0
    assert await originates(engine) == []


async def test_the_policy_can_put_unclassified_callbacks_behind_new_calls(
    settings: Settings, clock: ManualClock
) -> None:
    configured = acd_settings(
        settings, operator_grace_s=3600, callback_unclassified_after_calls=True
    )
    async with running_api(configured, clock=clock) as api:
        acd = Acd(api, clock)
        await acd.state("operator1", "on_break", "training")
        gone = await acd.call()
        await acd.event(gone["id"], "abandoned")
        clock.advance(5)
        newer = await acd.call()
        await acd.state("operator1", "available")
        assert await acd.tick() == 1
        offer = await acd.offer("operator1")
        assert offer is not None
        assert offer["call_id"] == newer["id"]  # the newer call first, the callback after it


async def test_an_outcome_posted_twice_for_one_dial_counts_once(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert await acd.tick() == 1
    [originate] = await originates(engine)
    dial = originate.payload["attempt_id"]
    first = await cb.attempt(task["id"], "no_answer", attempt_id=dial)
    assert first["attempts"] == 1
    before = await fingerprint(engine)
    again = await cb.attempt(
        task["id"], "no_answer", user="supervisor1", attempt_id=dial, expect=409
    )
    assert "already recorded" in again["detail"]
    naive = await cb.attempt(task["id"], "busy", started_at="2026-11-22T09:00:00", expect=422)
    assert naive["detail"]
    stranger = await cb.attempt(
        task["id"], "busy", attempt_id="00000000-0000-0000-0000-000000000000", expect=422
    )
    assert "no dial" in stranger["detail"]
    assert await fingerprint(engine) == before


async def test_a_callback_request_sent_again_with_its_key_is_the_same_task(
    cb: Callbacks, acd: Acd
) -> None:
    call = await cb.taken_call()
    await acd.event(call["id"], "ended")
    url = f"/api/v1/calls/{call['id']}/callbacks"
    key = {"Idempotency-Key": "callback-once"}
    first = await cb.api.post(url, user="operator1", json={"reason": "address"}, headers=key)
    again = await cb.api.post(url, user="operator1", json={"reason": "address"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    unkeyed = await cb.api.post(url, user="operator1", json={"reason": "address"})
    assert unkeyed.status_code == 409  # without the key, a second request is a second task
