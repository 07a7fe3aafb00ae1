"""The supervisor console stream over real websockets: its parts, who may open it, and the
floor changing under it — a call taken, a card filled, an escalation taken and resolved, a call
waiting too long, the operators' day."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from tests.consoles.conftest import (
    GATEWAY,
    ConsoleClient,
    Parts,
    call_event,
    open_console,
    post_call,
    sign_in,
)
from tests.fixtures.live import Live, live_server
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio

PARTS = {
    "me",
    "server",
    "surge",
    "queues",
    "calls",
    "operators",
    "escalations",
    "cards",
    "followup",
    "alerts",
    "callbacks",
    "staffing",
}


async def _supervisor(live: Live, http: httpx.AsyncClient) -> ConsoleClient:
    return await open_console(live, await sign_in(http, "supervisor1"), "/ws/supervisor")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _operator(parts: Parts, username: str) -> dict[str, Any]:
    return next(o for o in parts["operators"] if o["username"] == username)


def _call(parts: Parts, call_id: str) -> dict[str, Any] | None:
    return next((c for c in parts["calls"] if c["call_id"] == call_id), None)


async def _take_a_call(http: httpx.AsyncClient, token: str, **call: Any) -> dict[str, Any]:
    """operator1 goes available, a call comes, operator1 accepts its offer."""
    auth = _bearer(token)
    response = await http.post(
        "/api/v1/operators/me/state", json={"state": "available"}, headers=auth
    )
    assert response.status_code == 200, response.text
    posted = await post_call(http, **call)

    async def offered() -> dict[str, Any] | None:
        me: dict[str, Any] = (await http.get("/api/v1/operators/me", headers=auth)).json()
        offer: dict[str, Any] | None = me["offer"]
        return offer

    offer = await eventually(offered, what="an offer reaching operator1", every=0.1)
    accepted = await http.post(f"/api/v1/offers/{offer['id']}/accept", headers=auth)
    assert accepted.status_code == 200, accepted.text
    return posted


async def test_the_snapshot_has_every_part_of_the_floor(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await _supervisor(live, http)
    parts = console.parts
    assert set(parts) == PARTS
    assert parts["me"]["username"] == "supervisor1"
    assert parts["me"]["role"] == "supervisor"
    queues = parts["queues"]
    assert {q["name"] for q in queues["queues"]} >= {"voice-uz", "voice-ru", "video", "sms"}
    assert queues["overall"]["waiting"] == 0
    assert queues["wait_alert_s"] == 30
    voice_uz = next(q for q in queues["queues"] if q["name"] == "voice-uz")
    assert [(t["seconds"], t["target_percent"]) for t in voice_uz["today"]["service_level"]] == [
        (10, 90),
        (20, 95),
    ]
    assert parts["calls"] == []
    operator1 = _operator(parts, "operator1")
    assert (operator1["state"], operator1["calls_today"], operator1["handle_s"]) == (
        "signed_out",
        0,
        None,
    )
    assert operator1["full_name"] == "Dilnoza Karimova"
    assert operator1["skills"]["languages"] == {"uz": 0, "ru": 1}
    assert parts["escalations"] == []
    assert parts["cards"] == []
    assert parts["followup"] == []
    assert parts["alerts"] == []
    staffing = parts["staffing"]
    assert staffing["available"] is True
    assert (staffing["arrivals"], staffing["needed"], staffing["staffed"]) == (0, 0, 0)
    assert (staffing["target_seconds"], staffing["target_percent"]) == (10, 90)
    assert staffing["handle_assumed"] is True
    await console.socket.close()


@pytest.mark.parametrize("username", ["operator1", "qa1", "admin"])
async def test_only_supervisors_may_open_it(
    live: Live, http: httpx.AsyncClient, username: str
) -> None:
    token = await sign_in(http, username)
    async with connect(f"{live.ws}/ws/supervisor") as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert "needs the role supervisor" in closed.value.rcvd.reason


async def test_a_call_taken_and_its_card_appear_on_the_supervisor_console(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await _supervisor(live, http)
    token = await sign_in(http, "operator1")
    call = await _take_a_call(http, token, caller_number="+998901112233")
    parts = await console.until(lambda p: _operator(p, "operator1")["state"] == "on_call")
    assert _operator(parts, "operator1")["call_id"] == call["id"]
    parts = await console.until(lambda p: (_call(p, call["id"]) or {}).get("status") == "connected")
    shown = _call(parts, call["id"])
    assert shown is not None
    assert (shown["operator"], shown["caller"], shown["queue"]) == (
        "operator1",
        "+998901112233",
        "voice-uz",
    )
    card = await http.post("/api/v1/cards", json={"call_id": call["id"]}, headers=_bearer(token))
    assert card.status_code == 201, card.text
    parts = await console.until(lambda p: len(p["cards"]) == 1)
    filled = parts["cards"][0]
    assert (filled["id"], filled["operator"], filled["status"]) == (
        card.json()["id"],
        "operator1",
        "open",
    )
    assert filled["completeness"]["missing"] == ["incident.type"]
    await console.socket.close()


async def test_an_escalation_arrives_is_taken_and_resolved_and_the_operator_sees_it(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await _supervisor(live, http)
    token = await sign_in(http, "operator1")
    operator = await open_console(live, token)
    call = await post_call(http)
    raised = await http.post(
        f"/api/v1/calls/{call['id']}/escalate",
        json={"reason": "Caller speaks only Tajik", "kind": "language"},
        headers=_bearer(token),
    )
    assert raised.status_code == 201, raised.text
    parts = await console.until(lambda p: len(p["escalations"]) == 1)
    escalation = parts["escalations"][0]
    assert (escalation["reason"], escalation["status"], escalation["raised_by"]) == (
        "Caller speaks only Tajik",
        "open",
        "operator1",
    )
    boss = _bearer(await sign_in(http, "supervisor1"))
    taken = await http.post(f"/api/v1/escalations/{escalation['id']}/take", headers=boss)
    assert taken.status_code == 200, taken.text
    await console.until(lambda p: p["escalations"][0]["taken_by"] == "supervisor1")
    await operator.until(lambda p: [e["status"] for e in p["escalations"]] == ["taken"])
    resolved = await http.post(
        f"/api/v1/escalations/{escalation['id']}/resolve",
        json={"resolution": "Interpreter joined the call"},
        headers=boss,
    )
    assert resolved.status_code == 200, resolved.text
    parts = await console.until(lambda p: p["escalations"][0]["status"] == "resolved")
    assert parts["escalations"][0]["resolution"] == "Interpreter joined the call"
    await operator.until(lambda p: [e["status"] for e in p["escalations"]] == ["resolved"])
    await console.socket.close()
    await operator.socket.close()


@pytest_asyncio.fixture
async def impatient(settings: Settings) -> AsyncIterator[Live]:
    """A server whose supervisors are alerted when a call waits more than one second."""
    async with live_server(settings.model_copy(update={"supervisor_wait_alert_s": 1.0})) as live:
        yield live


async def test_a_call_waiting_too_long_raises_an_alert_until_it_moves_on(
    impatient: Live,
) -> None:
    async with httpx.AsyncClient(base_url=impatient.http, timeout=30) as http:
        console = await _supervisor(impatient, http)
        call = await post_call(http, channel="video", caller_number="+998907770011")
        parts = await console.until(lambda p: bool(p["alerts"]))
        alert = parts["alerts"][0]
        assert (alert["kind"], alert["call_id"], alert["queue"], alert["threshold_s"]) == (
            "long_wait",
            call["id"],
            "video",
            1.0,
        )
        waiting = _call(parts, call["id"])
        assert waiting is not None
        assert (waiting["status"], waiting["position"]) == ("waiting", 1)
        boss = _bearer(await sign_in(http, "supervisor1"))
        moved = await http.post(
            f"/api/v1/calls/{call['id']}/move", json={"operator": "operator1"}, headers=boss
        )
        assert moved.status_code == 200, moved.text
        parts = await console.until(
            lambda p: (_call(p, call["id"]) or {}).get("target_operator") == "operator1"
        )
        ended = await http.post(
            f"/api/v1/calls/{call['id']}/events",
            json={"event_id": "gone-1", "type": "ended", "at": datetime.now(UTC).isoformat()},
            headers=GATEWAY,
        )
        assert ended.status_code == 201, ended.text
        await console.until(lambda p: p["alerts"] == [] and p["calls"] == [])
        await console.socket.close()


async def test_operators_show_calls_and_handle_time_today(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    call = await _take_a_call(http, token)
    ended = await http.post(
        f"/api/v1/calls/{call['id']}/events",
        json={"event_id": "end-1", "type": "ended", "at": datetime.now(UTC).isoformat()},
        headers=GATEWAY,
    )
    assert ended.status_code == 201, ended.text
    done = await http.post("/api/v1/operators/me/wrap-up/end", headers=_bearer(token))
    assert done.status_code == 200, done.text
    console = await _supervisor(live, http)
    operator1 = _operator(console.parts, "operator1")
    assert (operator1["state"], operator1["calls_today"]) == ("available", 1)
    assert operator1["handle_s"] is not None
    assert operator1["handle_s"] >= 0
    staffing = console.parts["staffing"]
    assert (staffing["arrivals"], staffing["calls_per_hour"], staffing["staffed"]) == (1, 2.0, 1)
    assert staffing["handle_assumed"] is False
    assert staffing["needed"] >= 1
    await console.socket.close()


async def test_a_supervisors_ping_keeps_no_one_in_the_acd(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await _supervisor(live, http)
    await console.send({"type": "ping"})
    assert (await console.reply())["type"] == "pong"
    token = await sign_in(http, "supervisor1")
    listed = await http.get("/api/v1/operators", headers=_bearer(token))
    assert "supervisor1" not in {o["username"] for o in listed.json()}
    await console.socket.close()


async def test_a_card_the_service_does_not_acknowledge_comes_up_for_follow_up(
    settings: Settings,
) -> None:
    clock = ManualClock(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    quiet = settings.model_copy(update={"queue_worker": False, "feed_worker": False})
    async with (
        live_server(quiet, clock=clock) as live,
        httpx.AsyncClient(base_url=live.http, timeout=30) as http,
    ):
        console = await _supervisor(live, http)
        operator = _bearer(await sign_in(http, "operator1"))
        card = await http.post(
            "/api/v1/cards",
            json={"incident": {"type": "road.accident_injuries", "victims": 1}},
            headers=operator,
        )
        assert card.status_code == 201, card.text
        card_id = card.json()["id"]
        routed = await http.post(
            f"/api/v1/cards/{card_id}/route", json={"services": ["102"]}, headers=operator
        )
        assert routed.status_code == 200, routed.text
        parts = await console.until(lambda p: [c["status"] for c in p["cards"]] == ["routed"])
        assert parts["followup"] == []
        clock.advance(3600)  # long past the type's acknowledgement deadline: a timed recompute
        parts = await console.until(lambda p: bool(p["followup"]))
        (late,) = parts["followup"]
        assert (late["card_id"], late["service"], late["reason"]) == (
            card_id,
            "102",
            "not_acknowledged",
        )
        boss = _bearer(await sign_in(http, "supervisor1"))
        resent = await http.post(f"/api/v1/feeds/102/cards/{card_id}/resend", headers=boss)
        assert resent.status_code == 201, resent.text
        rerouted = await http.post(
            f"/api/v1/cards/{card_id}/reroute", json={"services": ["103"]}, headers=boss
        )
        assert rerouted.status_code == 200, rerouted.text
        await console.until(lambda p: p["cards"][0]["id"] == card_id and len(p["cards"]) == 1)
        assert [(f["service"], f["reason"]) for f in console.parts["followup"]] == [
            ("102", "not_acknowledged")
        ]
        await console.socket.close()


async def test_a_dropped_call_is_called_back_and_the_supervisor_sees_each_step(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await _supervisor(live, http)
    token = await sign_in(http, "operator1")
    call = await _take_a_call(http, token, caller_number="+998901114455")
    await call_event(http, call["id"], "dropped")
    # The ACD dials at once from operator1's set (they had the call): the board shows the dial.
    parts = await console.until(lambda p: len(p["callbacks"]["dialing"]) == 1)
    [task] = parts["callbacks"]["dialing"]
    assert (task["number"], task["operator"], task["origin"]) == (
        "+998901114455",
        "operator1",
        "dropped",
    )
    for outcome in ("no_answer", "busy"):
        attempt = await http.post(
            f"/api/v1/callbacks/{task['id']}/attempts",
            json={"outcome": outcome},
            headers=_bearer(token),
        )
        assert attempt.status_code == 201, attempt.text
        if outcome == "no_answer":
            parts = await console.until(lambda p: p["callbacks"]["pending_count"] == 1)
            assert parts["callbacks"]["pending"][0]["attempts"] == 1
            taken = await http.post(f"/api/v1/callbacks/{task['id']}/take", headers=_bearer(token))
            assert taken.status_code == 200, taken.text
    last = await http.post(f"/api/v1/callbacks/{task['id']}/take", headers=_bearer(token))
    assert last.status_code == 200, last.text
    closed = await http.post(
        f"/api/v1/callbacks/{task['id']}/attempts",
        json={"outcome": "voicemail"},
        headers=_bearer(token),
    )
    assert closed.status_code == 201, closed.text
    parts = await console.until(lambda p: len(p["callbacks"]["unreachable"]) == 1)
    assert parts["callbacks"]["unreachable"][0]["attempts"] == 3
    parts = await console.until(
        lambda p: any(e["kind"] == "callback_unreachable" for e in p["escalations"])
    )
    await console.socket.close()
