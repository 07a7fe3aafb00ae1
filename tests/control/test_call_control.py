"""Call control over the API: hold and resume, transfers (blind, attended; to a colleague, a
queue, the directory), conferences the operator leaves, supervisors' monitors; what the
gateway's answers and the call's end do. The refusals and faults are in
``test_refusals_and_faults.py``."""

from __future__ import annotations

import pytest

from tests.control.conftest import (
    Acd,
    call_of,
    commands,
    connected,
    gateway_answers,
    last_command,
    legs_of,
    post,
    psychologist,
)

pytestmark = pytest.mark.asyncio


async def test_hold_and_resume_follow_the_gateway_and_a_resume_withdraws_an_unsent_hold(
    acd: Acd,
) -> None:
    call_id = await connected(acd)
    url = f"/api/v1/calls/{call_id}"
    held = await post(acd, f"{url}/hold", "operator1", expect=202)
    assert held["command"] == "hold"
    again = await acd.api.post(f"{url}/hold", user="operator1")
    assert again.status_code == 409
    assert again.json()["detail_code"] == "call_control_pending"

    # Resumed before the gateway carried the hold out: the hold is never sent again.
    await post(acd, f"{url}/resume", "operator1", expect=202)
    sent = {c["command"]: c["status"] for c in await commands(acd, call_id)}
    assert (sent["hold"], sent["resume"]) == ("superseded", "pending")
    not_held = await acd.api.post(f"{url}/resume", user="operator1")
    assert (not_held.status_code, not_held.json()["detail_code"]) == (409, "call_control_not_held")

    await post(acd, f"{url}/hold", "operator1", expect=202)
    await acd.event(call_id, "held", operator="operator1")
    assert (await call_of(acd, call_id))["status"] == "held"
    twice = await acd.api.post(f"{url}/hold", user="operator1")
    assert (twice.status_code, twice.json()["detail_code"]) == (409, "call_control_held")
    await post(acd, f"{url}/resume", "operator1", expect=202)
    await acd.event(call_id, "resumed", operator="operator1")
    call = await call_of(acd, call_id)
    assert (call["status"], call["operator"]) == ("connected", "operator1")
    # The operator stayed on the call throughout; the queue log has one connect.
    assert (await acd.me("operator1"))["state"] == "on_call"
    assert [line["event"] for line in await acd.log(call_id=call_id)] == ["enter", "connect"]


async def test_a_warm_transfer_to_a_psychologist_hands_the_call_and_its_card_over(
    acd: Acd,
) -> None:
    psych = await psychologist(acd)
    call_id = await connected(acd)
    card = await post(acd, "/api/v1/cards", "operator1", {"call_id": call_id})
    leg = await post(
        acd, f"/api/v1/calls/{call_id}/conference", "operator1", {"target": {"operator": psych}}
    )
    assert (leg["kind"], leg["status"], leg["target_kind"]) == ("conference", "dialing", "operator")
    # The psychologist's set rings: the ACD offers them nothing else meanwhile.
    assert (await acd.me(psych))["state"] == "on_call"
    add = await last_command(acd, call_id, "conference")
    assert (add["payload"]["action"], add["payload"]["to"]) == ("add", psych)
    assert add["payload"]["leg_id"] == leg["id"]

    await gateway_answers(acd, add["command_id"])
    assert (await legs_of(acd, call_id))[0]["status"] == "connected"
    acd.clock.advance(40)
    left = await post(acd, f"/api/v1/calls/{call_id}/leave", "operator1", {}, expect=200)
    assert left["status"] == "completed"
    assert (await last_command(acd, call_id, "conference"))["payload"]["action"] == "leave"

    call = await call_of(acd, call_id)
    assert (call["status"], call["operator"]) == ("connected", psych)
    assert (await acd.me("operator1"))["state"] in ("wrap_up", "available")
    assert (await acd.me(psych))["state"] == "on_call"
    lines = [(x["event"], x.get("operator")) for x in await acd.log(call_id=call_id)]
    assert lines[-1] == ("transfer", "operator1")

    handed = acd.check(await acd.api.get(f"/api/v1/cards/{card['id']}", user=psych), 200)
    assert handed["operator_id"] == psych
    (record,) = handed["call_control"]
    assert (record["kind"], record["outcome"], record["target"]) == (
        "conference",
        "completed",
        psych,
    )
    assert record["requested_by"] == "operator1"
    # The receiving operator edits the card as their own; the first one no longer can.
    patch = {"incident": {"description": "Talking with 1146"}}
    mine = await acd.api.patch(f"/api/v1/cards/{card['id']}", user=psych, json=patch)
    assert mine.status_code == 200, mine.text
    theirs = await acd.api.patch(f"/api/v1/cards/{card['id']}", user="operator1", json=patch)
    assert theirs.status_code == 403

    review = acd.check(await acd.api.get(f"/api/v1/qa/calls/{call_id}", user="qa1"), 200)
    assert [(x["kind"], x["status"]) for x in review["legs"]] == [("conference", "completed")]
    events = [(e["type"], e["operator"]) for e in review["events"]]
    assert events[-2:] == [("transferred", psych), ("answered", psych)]

    await acd.event(call_id, "ended")
    assert (await acd.me(psych))["state"] in ("wrap_up", "available")
    assert [line["event"] for line in await acd.log(call_id=call_id)][-1] == "complete"


async def test_a_colleague_who_does_not_answer_leaves_the_caller_with_the_operator(
    acd: Acd,
) -> None:
    psych = await psychologist(acd)
    call_id = await connected(acd)
    leg = await post(
        acd,
        f"/api/v1/calls/{call_id}/transfer",
        "operator1",
        {"mode": "blind", "target": {"operator": psych}},
    )
    command = await last_command(acd, call_id, "transfer")
    assert (command["payload"]["mode"], command["payload"]["to"]) == ("blind", psych)
    await gateway_answers(acd, command["command_id"], reason="no_answer: rang 30 s")
    (settled,) = await legs_of(acd, call_id)
    assert (settled["id"], settled["status"]) == (leg["id"], "no_answer")
    assert settled["reason"] == "no_answer: rang 30 s"
    assert (await acd.me(psych))["state"] == "available"
    call = await call_of(acd, call_id)
    assert (call["status"], call["operator"]) == ("connected", "operator1")
    assert (await acd.me("operator1"))["state"] == "on_call"

    # An unexplained failure is a rejection.
    acd.clock.advance(5)
    again = await post(
        acd, f"/api/v1/calls/{call_id}/transfer", "operator1", {"target": {"operator": psych}}
    )
    retry = await last_command(acd, call_id, "transfer")
    await gateway_answers(acd, retry["command_id"], reason="the line is engaged")
    assert (await legs_of(acd, call_id))[-1]["status"] == "rejected"
    assert again["id"] == (await legs_of(acd, call_id))[-1]["id"]


async def test_a_blind_transfer_to_another_queue_puts_the_call_back_in_line_there(
    acd: Acd,
) -> None:
    call_id = await connected(acd)
    leg = await post(
        acd, f"/api/v1/calls/{call_id}/transfer", "operator1", {"target": {"queue": "voice-ru"}}
    )
    assert leg["status"] == "completed"
    assert (await acd.me("operator1"))["state"] in ("wrap_up", "available")
    call = await call_of(acd, call_id)
    assert (call["status"], call["queue"]) == ("transferring", "voice-ru")
    waiting = [c["call_id"] for c in (await acd.queue("voice-ru"))["calls"]]
    assert call_id in waiting
    lines = await acd.log(call_id=call_id)
    assert [(x["event"], x["queue"]) for x in lines][-2:] == [
        ("transfer", "voice-uz"),
        ("enter", "voice-ru"),
    ]
    summary = {q["name"]: q for q in (await acd.summary())["queues"]}
    assert summary["voice-uz"]["today"]["transferred"] == 1

    await acd.add_operator("russian1", languages={"ru": 0}, channels={"voice": 0})
    await acd.state("russian1", "available")
    await acd.state("operator1", "on_break", "lunch")
    assert await acd.tick() == 1
    await acd.accept("russian1")
    call = await call_of(acd, call_id)
    assert (call["status"], call["operator"]) == ("connected", "russian1")


async def test_a_transfer_to_a_service_desk_takes_the_call_out_of_the_centre(acd: Acd) -> None:
    call_id = await connected(acd)
    leg = await post(
        acd,
        f"/api/v1/calls/{call_id}/transfer",
        "operator1",
        {"mode": "blind", "target": {"directory": "desk-103-tk"}},
    )
    assert (leg["target_kind"], leg["number"]) == ("directory", "+998712391103")
    command = await last_command(acd, call_id, "transfer")
    assert command["payload"]["to"] == "+998712391103"
    await gateway_answers(acd, command["command_id"])
    assert (await legs_of(acd, call_id))[0]["status"] == "completed"
    assert (await acd.me("operator1"))["state"] in ("wrap_up", "available")
    line = (await acd.log(call_id=call_id))[-1]
    assert (line["event"], line["data"]["to_number"]) == ("transfer", "+998712391103")
    assert (await call_of(acd, call_id))["status"] == "transferring"
    await acd.event(call_id, "ended")
    assert (await call_of(acd, call_id))["status"] == "ended"


async def test_an_attended_transfer_withdrawn_brings_the_caller_back(acd: Acd) -> None:
    call_id = await connected(acd)
    leg = await post(
        acd,
        f"/api/v1/calls/{call_id}/transfer",
        "operator1",
        {"mode": "attended", "target": {"directory": "interpreter-en"}},
    )
    await gateway_answers(acd, (await last_command(acd, call_id, "transfer"))["command_id"])
    assert (await legs_of(acd, call_id))[0]["status"] == "connected"
    open_leg = await acd.api.post(
        f"/api/v1/calls/{call_id}/conference", user="operator1", json={"target": {"number": "103"}}
    )
    assert (open_leg.status_code, open_leg.json()["detail_code"]) == (409, "call_control_leg_open")
    removed = acd.check(
        await acd.api.request(
            "DELETE", f"/api/v1/calls/{call_id}/legs/{leg['id']}", user="operator1"
        ),
        200,
    )
    assert removed["status"] == "ended"
    assert (await last_command(acd, call_id, "conference"))["payload"]["action"] == "remove"
    call = await call_of(acd, call_id)
    assert (call["status"], call["operator"]) == ("connected", "operator1")

    # Asked again and withdrawn while it rings: only that ask is superseded; the earlier
    # party's remove, not yet sent, still goes out.
    acd.clock.advance(5)
    again = await post(
        acd,
        f"/api/v1/calls/{call_id}/conference",
        "operator1",
        {"target": {"directory": "interpreter-zh"}},
    )
    url = f"/api/v1/calls/{call_id}/legs/{again['id']}"
    withdrawn = acd.check(await acd.api.request("DELETE", url, user="operator1"), 200)
    assert withdrawn["status"] == "cancelled"
    sent = [
        (c["payload"]["action"], c["payload"]["leg_id"], c["status"])
        for c in await commands(acd, call_id)
        if c["command"] == "conference"
    ]
    assert sent == [
        ("remove", leg["id"], "pending"),
        ("add", again["id"], "superseded"),
        ("remove", again["id"], "pending"),
    ]


async def test_a_supervisor_listens_then_barges_in_and_the_monitor_ends_with_the_call(
    acd: Acd,
) -> None:
    call_id = await connected(acd)
    url = f"/api/v1/calls/{call_id}/monitor"
    listen = await post(acd, url, "supervisor1", {"mode": "listen"})
    assert (listen["kind"], listen["mode"], listen["target"]) == ("monitor", "listen", "operator1")
    first = await last_command(acd, call_id, "monitor")
    assert (first["operator"], first["payload"]["mode"]) == ("supervisor1", "listen")
    await gateway_answers(acd, first["command_id"])
    same = await acd.api.post(url, user="supervisor1", json={"mode": "listen"})
    assert (same.status_code, same.json()["detail_code"]) == (409, "call_control_monitoring")

    barge = await post(acd, url, "supervisor1", {"mode": "barge"})
    assert (barge["id"], barge["mode"]) == (listen["id"], "barge")
    sent = [c for c in await commands(acd, call_id) if c["command"] == "monitor"]
    assert [c["payload"]["mode"] for c in sent] == ["listen", "barge"]

    await acd.event(call_id, "ended")
    (leg,) = await legs_of(acd, call_id)
    assert (leg["status"], leg["reason"]) == ("ended", "the call ended")
    statuses = {c["command"]: c["status"] for c in await commands(acd, call_id)}
    assert statuses["monitor"] == "expired"  # the barge was never carried out: not sent again
    over = await acd.api.request("DELETE", url, user="supervisor1")
    assert (over.status_code, over.json()["detail_code"]) == (409, "call_control_not_monitoring")


async def test_stopping_a_monitor_tells_the_gateway(acd: Acd) -> None:
    call_id = await connected(acd)
    url = f"/api/v1/calls/{call_id}/monitor"
    await post(acd, url, "supervisor1", {"mode": "whisper"})
    stopped = acd.check(await acd.api.request("DELETE", url, user="supervisor1"), 200)
    assert stopped["status"] == "cancelled"
    kinds = [(c["command"], c["status"]) for c in await commands(acd, call_id)][-2:]
    assert kinds == [("monitor", "superseded"), ("stop_monitor", "pending")]
