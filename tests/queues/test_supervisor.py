"""What supervisors do with calls: raise priority, move to a queue or an operator, take over."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.gateway.models import GatewayCommand
from tests.fixtures.databases import fingerprint
from tests.queues.conftest import Acd, hang_up_unfollowed, refused_as_ended

pytestmark = pytest.mark.asyncio


async def test_waiting_calls_go_by_priority_then_arrival(acd: Acd) -> None:
    first = await acd.call()
    acd.clock.advance(1)
    second = await acd.call()
    acd.clock.advance(1)
    third = await acd.call()
    listed = (await acd.queue("voice-uz"))["calls"]
    assert [(c["call_id"], c["position"]) for c in listed] == [
        (first["id"], 1),
        (second["id"], 2),
        (third["id"], 3),
    ]
    raised = await acd.api.post(
        f"/api/v1/calls/{third['id']}/priority", user="supervisor1", json={"priority": 5}
    )
    assert raised.status_code == 200, raised.text
    assert (raised.json()["priority"], raised.json()["position"]) == (5, 1)
    assert raised.json()["wait_s"] == 0
    where = await acd.api.get(f"/api/v1/calls/{second['id']}/queue", user="operator1")
    assert where.json()["position"] == 3

    await acd.state("operator1", "available")
    await acd.tick()
    assert (await acd.offer("operator1") or {}).get("call_id") == third["id"]
    await acd.accept("operator1")
    done = await acd.api.get(f"/api/v1/calls/{third['id']}/queue", user="operator1")
    assert (done.json()["status"], done.json()["position"]) == ("connected", None)
    refused = await acd.api.post(
        f"/api/v1/calls/{third['id']}/priority", user="supervisor1", json={"priority": 9}
    )
    assert refused.status_code == 409
    assert "only a waiting call" in refused.json()["detail"]


async def test_a_call_moves_to_another_queue_keeping_its_arrival(acd: Acd) -> None:
    await acd.state("operator2", "available")  # speaks Russian, and Uzbek with penalty 1
    await acd.serve("operator2", ["voice-ru"])
    call = await acd.call()
    acd.clock.advance(3)
    assert await acd.tick() == 0
    moved = await acd.api.post(
        f"/api/v1/calls/{call['id']}/move", user="supervisor1", json={"queue": "voice-ru"}
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["queue"], moved.json()["wait_s"]) == ("voice-ru", 3)
    assert (await acd.api.get(f"/api/v1/calls/{call['id']}", user="operator1")).json()[
        "queue"
    ] == "voice-ru"
    assert await acd.tick() == 1
    assert (await acd.offer("operator2") or {}).get("call_id") == call["id"]
    lines = await acd.log(call_id=call["id"])
    assert [(line["event"], line["queue"]) for line in lines] == [
        ("enter", "voice-uz"),
        ("transfer", "voice-uz"),
        ("enter", "voice-ru"),
    ]
    assert lines[1]["data"] == {"to_queue": "voice-ru"}
    summary = await acd.summary()
    by_name = {q["name"]: q for q in summary["queues"]}
    assert by_name["voice-uz"]["interval"]["transferred"] == 1
    assert summary["overall"]["waiting"] == 1


async def test_a_call_moved_to_an_operator_is_offered_to_them_only(acd: Acd) -> None:
    await acd.configure("voice-uz", strategy="longest-idle")
    await acd.state("operator1", "available")
    await acd.state("operator2", "available")
    call = await acd.call()
    await acd.tick()
    assert (await acd.offer("operator1") or {}).get("call_id") == call["id"]
    moved = await acd.api.post(
        f"/api/v1/calls/{call['id']}/move", user="supervisor1", json={"operator": "operator2"}
    )
    assert moved.json()["target_operator"] == "operator2"
    me = await acd.me("operator1")
    assert (me["state"], me["offer"]) == ("available", None)  # withdrawn, no penalty
    assert await acd.tick() == 1
    assert (await acd.offer("operator2") or {}).get("call_id") == call["id"]
    assert await acd.offer("operator1") is None


async def test_a_supervisor_takes_over_a_waiting_call_and_one_an_operator_has(
    acd: Acd, engine: AsyncEngine
) -> None:
    waiting = await acd.call()
    taken = await acd.api.post(f"/api/v1/calls/{waiting['id']}/takeover", user="supervisor1")
    assert taken.status_code == 200, taken.text
    assert (taken.json()["status"], taken.json()["operator"]) == ("connected", "supervisor1")
    call = (await acd.api.get(f"/api/v1/calls/{waiting['id']}", user="supervisor1")).json()
    assert (call["status"], call["operator"]) == ("connected", "supervisor1")

    await acd.state("operator1", "available")
    busy = await acd.call()
    await acd.tick()
    await acd.accept("operator1")
    acd.clock.advance(30)
    over = await acd.api.post(f"/api/v1/calls/{busy['id']}/takeover", user="supervisor1")
    assert over.status_code == 200, over.text
    assert over.json()["operator"] == "supervisor1"
    me = await acd.me("operator1")
    assert (me["state"], me["talk_seconds"]) == ("wrap_up", 30)
    events = (await acd.api.get(f"/api/v1/calls/{busy['id']}/events", user="supervisor1")).json()
    assert [(e["type"], e["operator"]) for e in events][-2:] == [
        ("transferred", "supervisor1"),
        ("answered", "supervisor1"),
    ]
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(GatewayCommand.command, GatewayCommand.operator).order_by(GatewayCommand.id)
            )
        ).all()
    assert [tuple(r) for r in rows][-2:] == [("connect", "operator1"), ("transfer", "supervisor1")]
    assert next(tuple(r) for r in rows) == ("connect", "supervisor1")
    lines = [line["event"] for line in await acd.log(call_id=busy["id"])]
    assert lines == ["enter", "connect", "transfer"]

    await acd.event(busy["id"], "ended")
    assert [line["event"] for line in await acd.log(call_id=busy["id"])][-1] == "complete"


async def test_supervisor_actions_refuse_bad_input_and_change_nothing(
    acd: Acd, engine: AsyncEngine
) -> None:
    call = await acd.call()
    done = await acd.call()
    await acd.event(done["id"], "abandoned")
    await acd.api.token("supervisor1")
    await acd.api.token("operator1")
    before = await fingerprint(engine)
    cases = [
        ("supervisor1", f"/api/v1/calls/{call['id']}/move", {}, 422, "either a queue"),
        (
            "supervisor1",
            f"/api/v1/calls/{call['id']}/move",
            {"queue": "voice-ru", "operator": "operator2"},
            422,
            "either a queue",
        ),
        ("supervisor1", f"/api/v1/calls/{call['id']}/move", {"queue": "voice-xx"}, 404, "no queue"),
        ("supervisor1", f"/api/v1/calls/{call['id']}/move", {"queue": "voice-uz"}, 409, "already"),
        ("supervisor1", f"/api/v1/calls/{call['id']}/move", {"operator": "qa1"}, 422, "qa"),
        ("supervisor1", f"/api/v1/calls/{call['id']}/move", {"operator": "ghost"}, 404, "ghost"),
        (
            "supervisor1",
            f"/api/v1/calls/{done['id']}/move",
            {"queue": "voice-ru"},
            409,
            "abandoned",
        ),
        ("supervisor1", f"/api/v1/calls/{call['id']}/priority", {"priority": 10}, 422, "priority"),
        (
            "supervisor1",
            f"/api/v1/calls/{call['id']}/priority",
            {"priority": "high"},
            422,
            "priority",
        ),
        ("supervisor1", f"/api/v1/calls/{done['id']}/takeover", None, 409, "takeover_call_ended"),
        (
            "supervisor1",
            "/api/v1/calls/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d/takeover",
            None,
            404,
            "no call",
        ),
        ("operator1", f"/api/v1/calls/{call['id']}/takeover", None, 403, "needs the role"),
    ]
    for user, url, body, status, fragment in cases:
        response = await acd.api.post(url, user=user, json=body)
        assert response.status_code == status, (url, body, response.text)
        assert fragment in response.text, (url, body, response.text)
    assert await fingerprint(engine) == before


async def test_a_takeover_of_a_call_whose_caller_just_hung_up_is_told_so(
    acd: Acd, engine: AsyncEngine
) -> None:
    call = await acd.call()
    await hang_up_unfollowed(engine, call["id"], acd.clock.now())  # the entry still waits
    # Said in the supervisor's language (said_takeover_call_ended), the timeline's reason kept.
    takeover = acd.api.post(f"/api/v1/calls/{call['id']}/takeover", user="supervisor1")
    await refused_as_ended(engine, takeover, "takeover_call_ended")
