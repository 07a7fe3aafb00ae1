"""The operator console stream over real websockets: snapshot, deltas in sequence, resync after
a gap, coalescing, heartbeats, authentication, and parts that reach only their own user."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from cardschema import Channel
from dispatch.calls.schemas import CallCreate
from dispatch.core.actor import Actor
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.flows import calls as flows
from tests.consoles.conftest import (
    ConsoleClient,
    GapSeen,
    open_console,
    post_call,
    sign_in,
    waiting,
)
from tests.fixtures.live import Live, live_server
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio

PARTS = {
    "me", "state", "offer", "call", "cards", "queue", "escalations", "callbacks", "wellbeing",
    "notices", "server", "surge",
}  # fmt: skip


async def _set_state(
    http: httpx.AsyncClient, token: str, state: str, reason: str | None = None
) -> None:
    body = {"state": state, **({"reason": reason} if reason else {})}
    response = await http.post(
        "/api/v1/operators/me/state", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text


async def test_the_first_message_is_a_snapshot_of_every_part(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await open_console(live, await sign_in(http, "operator1"))
    parts = console.parts
    assert set(parts) == PARTS
    assert parts["me"] == {
        "username": "operator1",
        "full_name": "Dilnoza Karimova",
        "role": "operator",
        "language": "uz",
    }
    assert parts["state"]["state"] == "signed_out"
    assert parts["offer"] is None
    assert parts["call"] is None
    assert parts["cards"] == []
    assert parts["server"] == {"bus": "in-process", "degraded": False}  # one process, alone
    assert waiting(parts) == 0
    assert parts["callbacks"] == {
        "available": True,
        "pending_count": 0,
        "overdue": 0,
        "pending": [],
        "dialing": [],
        "unreachable": [],
    }
    await console.socket.close()


async def test_a_change_arrives_as_a_delta_of_the_changed_parts_only(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    console = await open_console(live, token)
    first = console.seq
    assert first is not None
    await _set_state(http, token, "on_break", "Ovqatlanish")
    # A shared part (the queues) may change in between on a busy machine: its delta comes
    # first, in sequence, and carries only what changed too.
    deltas = [await console.receive()]
    while "state" not in deltas[-1]["parts"] and len(deltas) < 5:
        deltas.append(await console.receive())
    assert [d["type"] for d in deltas] == ["delta"] * len(deltas)
    assert [d["seq"] for d in deltas] == list(range(first + 1, first + 1 + len(deltas)))
    assert "state" in deltas[-1]["parts"]
    assert all("me" not in d["parts"] for d in deltas)
    assert console.parts["state"]["state"] == "on_break"
    assert console.parts["state"]["reason"] == "Ovqatlanish"
    await console.socket.close()


async def test_the_token_may_come_as_the_first_message(live: Live, http: httpx.AsyncClient) -> None:
    token = await sign_in(http, "supervisor1")
    async with connect(f"{live.ws}/ws/operator") as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        client = ConsoleClient(socket)
        message = await client.receive()
        assert message["type"] == "snapshot"
        assert message["view"] == "operator"
        assert client.parts["me"]["username"] == "supervisor1"


@pytest.mark.parametrize(
    ("query", "first", "reason"),
    [
        ("?token=not-a-token", None, "not valid"),
        ("", {"type": "hello"}, "authenticate first"),
        ("", {"type": "auth", "token": "forged"}, "not valid"),
    ],
)
async def test_a_console_without_valid_credentials_is_closed_with_the_reason(
    live: Live, query: str, first: dict[str, str] | None, reason: str
) -> None:
    async with connect(f"{live.ws}/ws/operator{query}") as socket:
        if first is not None:
            await socket.send(json.dumps(first))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert reason in closed.value.rcvd.reason


async def test_a_role_without_a_console_is_refused(live: Live, http: httpx.AsyncClient) -> None:
    token = await sign_in(http, "qa1")
    async with connect(f"{live.ws}/ws/operator") as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert "needs the role" in closed.value.rcvd.reason


async def test_resync_sends_a_new_snapshot_with_the_next_seq(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await open_console(live, await sign_in(http, "operator1"))
    same = []
    for _ in range(3):
        await console.send({"type": "resync"})
        before, parts = console.seq, dict(console.parts)
        assert before is not None
        message = await console.receive()
        while message["type"] == "delta":  # a timed part's, sent before the resync was read
            before, parts = message["seq"], dict(console.parts)
            message = await console.receive()
        assert message["type"] == "snapshot"
        assert message["seq"] == before + 1
        assert message["parts"].keys() == parts.keys()
        # The snapshot holds the hub's latest values: a part recomputed since the last delta
        # (a refresh, a timer) comes newer in it than the client had, rightly. So the values
        # must agree in one of three resyncs, not in each.
        same.append(message["parts"] == parts)
        if same[-1]:
            break
    assert any(same), "three snapshots in a row differed from the state the deltas built"
    await console.socket.close()


async def test_a_client_that_misses_a_delta_sees_the_gap_and_resyncs_to_the_current_state(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    console = await open_console(live, token)
    await _set_state(http, token, "available")
    lost = json.loads(await console.socket.recv())  # this delta never reaches the client
    assert lost["type"] == "delta"
    await _set_state(http, token, "on_break", "Texnik muammo")
    with pytest.raises(GapSeen):
        await console.receive()
    # A delta already on its way (a flush of another part) may come before the snapshot.
    message = await console.resync()
    assert message["type"] == "snapshot"
    assert console.parts["state"]["state"] == "on_break"
    assert console.parts["state"]["reason"] == "Texnik muammo"
    await console.socket.close()


async def test_a_burst_committed_together_reaches_the_console_as_one_delta(
    live: Live, http: httpx.AsyncClient
) -> None:
    console = await open_console(live, await sign_in(http, "operator1"))
    runtime: Runtime = live.app.state.runtime
    gateway = Actor(username="gateway1", role="gateway")
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        for n in range(20):
            data = CallCreate(channel=Channel.VOICE, caller_number=f"+99890100{n:04d}")
            await flows.take_call(session, gateway, data, now=runtime.clock.now())
    # 20 calls (and their queue events) were published at once; the hub recomputed the queue
    # once and sent one delta that already holds all of them: the console never shows a part of
    # the burst. (A delta of another part, a timed part or a refresh that came round before the
    # commit, may come first.)
    for _ in range(10):
        message = await console.receive()
        assert message["type"] == "delta"
        if waiting(console.parts):
            break
    assert waiting(console.parts) == 20
    await console.socket.close()


async def test_ping_answers_pong_and_keeps_the_operator_in_rotation(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    auth = {"Authorization": f"Bearer {token}"}
    console = await open_console(live, token)
    await console.send({"type": "ping"})
    message = await console.reply()
    assert message["type"] == "pong"
    assert datetime.fromisoformat(message["server_time"]).tzinfo is not None
    # Signed out of the ACD: the ping writes nothing (signing in stamps the time itself).
    me = await http.get("/api/v1/operators/me", headers=auth)
    assert me.json()["last_heartbeat_at"] is None
    state = await http.post("/api/v1/operators/me/state", json={"state": "available"}, headers=auth)
    assert state.status_code == 200, state.text
    signed_in = datetime.fromisoformat(state.json()["last_heartbeat_at"])
    await console.send({"type": "ping"})
    assert (await console.reply())["type"] == "pong"
    me = await http.get("/api/v1/operators/me", headers=auth)
    beat = datetime.fromisoformat(me.json()["last_heartbeat_at"])
    assert beat >= signed_in
    assert (datetime.now(UTC) - beat).total_seconds() < 60
    await console.socket.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_heartbeat_is_the_settings_and_a_console_silent_for_three_is_closed(
    settings: Settings,
) -> None:
    async with (
        live_server(settings.model_copy(update={"console_heartbeat_s": 1.0})) as running,
        httpx.AsyncClient(base_url=running.http, timeout=30) as http,
    ):
        token = await sign_in(http, "operator1")
        async with connect(f"{running.ws}/ws/operator?token={token}") as socket:
            snapshot = json.loads(await asyncio.wait_for(socket.recv(), 30))
            # The client pings at this pace (common/js/stream.js), and gives up on a server
            # silent for two of them; this one sends nothing, and is closed after three.
            assert snapshot["heartbeat_s"] == 1.0
            with pytest.raises(ConnectionClosed) as closed:
                await _read_until_closed(socket)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4408
    assert closed.value.rcvd.reason == "no heartbeat"


async def _read_until_closed(socket: ClientConnection) -> None:
    while True:  # the deltas it is still sent, until the server closes it (each read bounded)
        await asyncio.wait_for(socket.recv(), 30)


async def test_unusable_messages_get_an_error_and_the_stream_goes_on(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    console = await open_console(live, token)
    await console.socket.send("not json")
    assert (await console.reply())["type"] == "error"
    await console.send({"type": "subscribe"})
    error = await console.reply()
    assert error["type"] == "error"
    assert "unknown message type" in error["detail"]
    await _set_state(http, token, "available")
    await console.until(lambda parts: parts["state"]["state"] == "available")
    await console.socket.close()


async def test_an_offer_rings_on_the_console_and_the_accepted_call_follows(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    auth = {"Authorization": f"Bearer {token}"}
    console = await open_console(live, token)
    await _set_state(http, token, "available")
    call = await post_call(http, caller_number="+998907654321")
    # The offer and the operator's state are separate parts: they may arrive in two deltas.
    parts = await console.until(
        lambda p: p["offer"] is not None and p["state"]["state"] == "reserved"
    )
    offer = parts["offer"]
    assert offer["call_id"] == call["id"]
    assert offer["call"]["caller_number"] == "+998907654321"
    assert offer["call"]["channel"] == "voice"
    assert offer["call"]["language"] == "uz"
    accepted = await http.post(f"/api/v1/offers/{offer['id']}/accept", headers=auth)
    assert accepted.status_code == 200, accepted.text
    parts = await console.until(
        lambda p: p["call"] is not None and p["offer"] is None and p["state"]["state"] == "on_call"
    )
    assert parts["call"]["id"] == call["id"]
    assert parts["call"]["status"] == "connected"
    card = await http.post("/api/v1/cards", json={"call_id": call["id"]}, headers=auth)
    assert card.status_code == 201, card.text
    made = card.json()["id"]
    parts = await console.until(
        lambda p: [c["id"] for c in p["cards"]] == [made] and p["call"]["card_id"] == made
    )
    assert parts["cards"][0]["completeness"]["missing"] == ["incident.type"]
    await console.socket.close()


async def test_personal_parts_reach_only_their_user(live: Live, http: httpx.AsyncClient) -> None:
    one = await sign_in(http, "operator1")
    mine = await open_console(live, one)
    theirs = await open_console(live, await sign_in(http, "operator2"))
    card = await http.post("/api/v1/cards", json={}, headers={"Authorization": f"Bearer {one}"})
    assert card.status_code == 201, card.text
    await mine.until(lambda p: len(p["cards"]) == 1)
    await post_call(http)  # a change every console shares
    await theirs.until(lambda p: waiting(p) == 1)
    # operator1's card never reached operator2 (other deltas, timed parts, may have come too).
    assert all("cards" not in delta["parts"] for delta in theirs.deltas)
    assert theirs.parts["cards"] == []
    await mine.socket.close()
    await theirs.socket.close()


async def test_a_console_opened_after_nobody_watched_starts_from_the_current_state(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    first = await open_console(live, token)
    assert waiting(first.parts) == 0
    await first.socket.close()
    hub = live.app.state.consoles
    await eventually(lambda: not hub.consoles, what="the server letting the console go")
    await post_call(http)  # changed while no console was open
    again = await open_console(live, token)
    assert waiting(again.parts) == 1
    await again.socket.close()


async def _read_all(console: ConsoleClient) -> None:
    while True:
        await console.receive(within=30)


async def _closed_by_the_server(console: ConsoleClient) -> tuple[int, str]:
    """Read until the server closes the console; its close code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        await _read_all(console)
    assert closed.value.rcvd is not None, "the client closed, not the server"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_an_open_console_closes_when_its_sign_in_is_revoked(
    live: Live, http: httpx.AsyncClient
) -> None:
    admin = {"Authorization": f"Bearer {await sign_in(http, 'admin')}"}
    other = await open_console(live, await sign_in(http, "operator2"))
    mine = await open_console(live, await sign_in(http, "operator1"))
    sessions = await http.get("/api/v1/auth/sessions?username=operator1", headers=admin)
    (session,) = sessions.json()
    revoked = await http.post(f"/api/v1/auth/sessions/{session['id']}/revoke", headers=admin)
    assert revoked.status_code == 204
    code, reason = await _closed_by_the_server(mine)
    assert (code, "revoked" in reason) == (1008, True)
    # Another account's console goes on.
    await other.send({"type": "ping"})
    assert (await other.receive())["type"] in ("pong", "delta")
    await other.socket.close()


async def test_an_open_console_closes_when_its_account_is_disabled(
    live: Live, http: httpx.AsyncClient
) -> None:
    admin = {"Authorization": f"Bearer {await sign_in(http, 'admin')}"}
    console = await open_console(live, await sign_in(http, "supervisor1"), "/ws/supervisor")
    disabled = await http.patch("/api/v1/users/supervisor1", headers=admin, json={"active": False})
    assert disabled.status_code == 200
    code, reason = await _closed_by_the_server(console)
    assert (code, reason) == (1008, "this account is disabled")
