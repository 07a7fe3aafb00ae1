"""Sentences the server writes for a person carry a stable code and their particulars beside
the English text (issue 19), which the consoles say in the UI's language: an automatic break's
reason, an escalation the system raised, a callback task's note on its card, and the refusals
an operator or supervisor meets in normal work. The English fields stay as they were."""

from __future__ import annotations

import uuid

import pytest

from tests.callbacks.conftest import Callbacks
from tests.cards.conftest import new_card
from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio

ACCIDENT = {"type": "road.accident_injuries", "victims": 1}
SAMARQAND = {"lat": 39.6542, "lon": 66.9597, "source": "operator"}


async def test_the_automatic_break_after_missed_offers_has_its_code(acd: Acd) -> None:
    await acd.state("operator1", "available")
    call = await acd.call(caller_number=None)
    assert await acd.tick() == 1
    first = await acd.offer("operator1")
    assert first is not None
    acd.clock.advance(10)
    await acd.tick()
    # Too late: the offer expired, said as offer_expired.
    late = await acd.api.post(f"/api/v1/offers/{first['id']}/accept", user="operator1")
    body = acd.check(late, 409)
    assert (body["code"], body["detail_code"], body["detail_params"]) == (
        "conflict",
        "offer_expired",
        {},
    )
    assert body["detail"].startswith(f"offer {first['id']} is expired")
    acd.clock.advance(10)
    assert await acd.tick() == 1
    acd.clock.advance(10)
    await acd.tick()
    me = await acd.me("operator1")
    assert (me["state"], me["reason"]) == ("on_break", "no answer to 2 offer(s)")
    assert (me["reason_code"], me["reason_params"]) == ("break_no_answer", {"count": 2})
    # The supervisors' view of the operator says the same.
    listed = acd.check(await acd.api.get("/api/v1/operators", user="supervisor1"), 200)
    [row] = [o for o in listed if o["username"] == "operator1"]
    assert (row["reason_code"], row["reason_params"]) == ("break_no_answer", {"count": 2})

    # A break the operator asks for in their own words has no code; one of the centre's
    # reasons has its code (the consoles say it in the reader's language).
    await acd.state("operator1", "available")
    await acd.state("operator1", "on_break", "Tushlik")
    me = await acd.me("operator1")
    assert (me["reason"], me["reason_code"], me["reason_params"]) == ("Tushlik", None, None)
    listed_break = {"state": "on_break", "reason": "Ovqatlanish", "reason_code": "break_meal"}
    me = acd.check(
        await acd.api.post("/api/v1/operators/me/state", user="operator1", json=listed_break),
        200,
    )
    assert (me["reason"], me["reason_code"], me["reason_params"]) == (
        "Ovqatlanish",
        "break_meal",
        {},
    )
    by_boss = {"state": "on_break", "reason": "Dam olish", "reason_code": "break_rest"}
    seen = acd.check(
        await acd.api.post("/api/v1/operators/operator1/state", user="supervisor1", json=by_boss),
        200,
    )
    assert (seen["reason"], seen["reason_code"]) == ("Dam olish", "break_rest")
    for bad in (
        {"state": "on_break", "reason": "x", "reason_code": "break_nap"},
        {"state": "available", "reason_code": "break_rest"},
    ):
        refused = await acd.api.post("/api/v1/operators/me/state", user="operator1", json=bad)
        acd.check(refused, 422)
    refused = acd.check(
        await acd.api.post("/api/v1/operators/me/wrap-up/end", user="operator1"), 409
    )
    assert (refused["detail_code"], refused["detail_params"]) == (
        "not_in_wrap_up",
        {"state": "on_break"},
    )
    assert call["id"]


async def test_a_stale_card_edit_and_an_inconsistent_route_say_which_refusal(acd: Acd) -> None:
    card = await new_card(acd.api, incident={"description": "?"})
    stale = await acd.api.patch(
        f"/api/v1/cards/{card['id']}",
        user="operator1",
        json={"incident": {"victims": 1}},
        headers={"If-Match": '"7"'},
    )
    body = acd.check(stale, 409)
    assert body["detail"].startswith(f"card {card['number']} is at version 1, not 7")
    assert (body["detail_code"], body["detail_params"]) == (
        "card_version_conflict",
        {"card": card["number"], "version": 1, "expected": 7},
    )
    inconsistent = acd.check(
        await acd.api.post(f"/api/v1/cards/{card['id']}/route", user="operator1"), 422
    )
    assert inconsistent["code"] == "card_inconsistent"
    assert (inconsistent["detail_code"], inconsistent["detail_params"]) == (
        "card_inconsistent",
        {"reasons": ["incident_type_required"]},
    )
    # A refusal nobody meets in normal work keeps its English alone.
    unknown = acd.check(await acd.api.get(f"/api/v1/cards/{uuid.uuid4()}", user="operator1"), 404)
    assert set(unknown) == {"detail", "code"}


async def test_an_unreachable_caller_is_escalated_with_the_sentence_and_its_card_note(
    cb: Callbacks, acd: Acd
) -> None:
    call = await cb.taken_call()
    card = await cb.card(call["id"], incident=ACCIDENT, location=SAMARQAND)
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    spacing = acd.api.runtime.settings.callback_spacing_s
    for outcome in ("no_answer", "busy"):
        assert await acd.tick() == 1
        await cb.attempt(task["id"], outcome)
        acd.clock.advance(spacing)
    assert await acd.tick() == 1
    closed = await cb.attempt(task["id"], "voicemail")
    assert closed["card_note"] == f"card {card['number']} routed to 102, 103"
    note = {"card": card["number"], "services": ["102", "103"]}
    assert (closed["card_note_code"], closed["card_note_params"]) == ("callback_card_routed", note)

    escalations = acd.check(
        await acd.api.get("/api/v1/escalations", user="supervisor1", params={"status": "open"}),
        200,
    )
    [escalation] = [e for e in escalations if e["call_id"] == call["id"]]
    assert escalation["reason"] == (
        f"caller {call['caller_number']} unreachable after 3 callback attempt(s); "
        f"card {card['number']} routed to 102, 103"
    )
    assert escalation["reason_code"] == "callback_unreachable"
    assert escalation["reason_params"] == {
        "number": call["caller_number"],
        "count": 3,
        "note": {"code": "callback_card_routed", "params": note, "text": closed["card_note"]},
    }

    # Escalating the call again while that one waits: said as escalation_waiting.
    escalate = {"reason": "Tojik tilida gapiradi", "kind": "language"}
    again = await acd.api.post(
        f"/api/v1/calls/{call['id']}/escalate", user="operator1", json=escalate
    )
    refused = acd.check(again, 409)
    assert (refused["detail_code"], refused["detail_params"]) == (
        "escalation_waiting",
        {"by": escalation["raised_by"]},
    )
    resolved = await acd.api.post(
        f"/api/v1/escalations/{escalation['id']}/resolve",
        user="supervisor1",
        json={"resolution": "Qayta qo‘ng‘iroq qilindi"},
    )
    acd.check(resolved, 200)
    # An escalation a person raises is their own words: no code.
    mine = await acd.api.post(
        f"/api/v1/calls/{call['id']}/escalate", user="operator1", json=escalate
    )
    assert acd.check(mine, 201)["reason_code"] is None


async def test_an_unreachable_caller_without_a_location_is_said_so(cb: Callbacks, acd: Acd) -> None:
    call = await cb.taken_call()
    card = await cb.card(call["id"], incident=ACCIDENT)
    await acd.event(call["id"], "dropped")
    [task] = await cb.pending()
    assert await acd.tick() == 1
    closed = await cb.attempt(task["id"], "invalid_number")
    assert (closed["card_note_code"], closed["card_note_params"]) == (
        "callback_card_no_location",
        {"card": card["number"]},
    )
    cancelled = await acd.api.post(
        f"/api/v1/callbacks/{task['id']}/cancel", user="supervisor1", json={"reason": "x"}
    )
    refused = acd.check(cancelled, 409)
    assert (refused["detail_code"], refused["detail_params"]) == (
        "callback_closed",
        {"status": "unreachable"},
    )
