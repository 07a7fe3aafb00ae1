"""The gateway's websocket driven by a test gateway: live commands, acks, and a reconnect."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from dispatch.app import create_app
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings

KEY = "gateway1-dev-key"
GATEWAY = {"X-Api-Key": KEY}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app, lifespan and all, with a synchronous client that speaks websocket."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def bearer(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": username})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sms_call(client: TestClient, number: str = "+998901112233") -> str:
    response = client.post(
        "/api/v1/calls",
        json={"channel": "sms", "caller_number": number, "text": "Yordam kerak"},
        headers=GATEWAY,
    )
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def reply(client: TestClient, call_id: str, text: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/calls/{call_id}/messages",
        json={"text": text},
        headers=bearer(client, "operator1"),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def welcome(socket: WebSocketTestSession) -> int:
    greeting = socket.receive_json()
    assert greeting["type"] == "welcome", greeting
    assert greeting["gateway"] == "gateway1"
    pending: int = greeting["pending"]
    return pending


def answer(socket: WebSocketTestSession, message: dict[str, Any]) -> dict[str, Any]:
    socket.send_json(message)
    result: dict[str, Any] = socket.receive_json()
    return result


def statuses(client: TestClient) -> dict[str, str]:
    response = client.get("/api/v1/gateway/commands", headers=bearer(client, "supervisor1"))
    assert response.status_code == 200, response.text
    return {row["command_id"]: row["status"] for row in response.json()}


def test_a_reconnecting_gateway_gets_every_command_it_missed(client: TestClient) -> None:
    call_id = sms_call(client)
    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        assert welcome(socket) == 0
        first = reply(client, call_id, "Qayerdasiz?")
        live = socket.receive_json()
        assert live == {
            "type": "command",
            "command_id": first["command_id"],
            "command": "send_text",
            "call_id": call_id,
            "operator": "operator1",
            "payload": {
                "channel": "sms",
                "to": "+998901112233",
                "text": "Qayerdasiz?",
                "subject": None,
                "message_id": first["id"],
            },
            "created_at": live["created_at"],
        }
        assert datetime.fromisoformat(live["created_at"]).tzinfo is not None
        # the gateway drops the connection before it acknowledges
    second = reply(client, call_id, "Ekipaj yo'lda")  # sent while no gateway is connected
    assert statuses(client)[first["command_id"]] == "sent"
    assert statuses(client)[second["command_id"]] in ("pending", "sent")

    with client.websocket_connect(f"/ws/gateway?api_key={KEY}") as socket:
        assert welcome(socket) == 2
        again = [socket.receive_json()["command_id"] for _ in range(2)]
        assert again == [first["command_id"], second["command_id"]]  # in order
        assert answer(socket, {"type": "ack", "command_id": first["command_id"]}) == {
            "type": "acknowledged",
            "command_id": first["command_id"],
        }

    with client.websocket_connect("/ws/gateway") as socket:
        socket.send_json({"type": "auth", "api_key": KEY})
        assert welcome(socket) == 1
        assert socket.receive_json()["command_id"] == second["command_id"]
        acked = {"type": "ack", "command_id": second["command_id"]}
        assert answer(socket, acked)["type"] == "acknowledged"
        assert answer(socket, acked)["type"] == "acknowledged"  # a repeat is harmless

    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        assert welcome(socket) == 0
        assert answer(socket, {"type": "ping"}) == {"type": "pong"}

    assert set(statuses(client).values()) == {"acknowledged"}
    thread = client.get(f"/api/v1/calls/{call_id}/messages", headers=bearer(client, "operator1"))
    assert [m["delivery"] for m in thread.json()] == [None, "acknowledged", "acknowledged"]


def test_a_command_the_gateway_cannot_carry_out_fails_and_is_not_resent(
    client: TestClient,
) -> None:
    call_id = sms_call(client)
    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        welcome(socket)
        sent = reply(client, call_id, "Salom")
        assert socket.receive_json()["command_id"] == sent["command_id"]
        nack = {"type": "nack", "command_id": sent["command_id"], "reason": "SMSC rejected"}
        assert answer(socket, nack) == {"type": "failed", "command_id": sent["command_id"]}
        late_ack = answer(socket, {"type": "ack", "command_id": sent["command_id"]})
        assert late_ack["type"] == "error"
        assert "is failed; it cannot become acknowledged" in late_ack["detail"]
        unknown = answer(socket, {"type": "ack", "command_id": str(uuid.uuid4())})
        assert "no gateway command" in unknown["detail"]
        assert "command_id" in answer(socket, {"type": "ack", "command_id": "x"})["detail"]
        assert "unknown message type" in answer(socket, {"type": "dance"})["detail"]
        socket.send_text("not json")
        assert socket.receive_json()["type"] == "error"
    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        assert welcome(socket) == 0
    failed = client.get(
        "/api/v1/gateway/commands",
        params={"status": "failed"},
        headers=bearer(client, "admin"),
    ).json()
    assert [(c["command_id"], c["error"]) for c in failed] == [
        (sent["command_id"], "SMSC rejected")
    ]


def test_commands_queued_by_other_capabilities_reach_the_gateway(client: TestClient) -> None:
    """What the ACD and callback issues will do: enqueue in their own transaction."""
    call = client.post(
        "/api/v1/calls",
        json={"channel": "voice", "caller_number": "+998712345678"},
        headers=GATEWAY,
    ).json()
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def queue(command: CommandType, operator: str | None, **payload: Any) -> str:
        async with unit_of_work(runtime.sessions, runtime.bus) as session:
            row = await enqueue_command(
                session,
                command,
                uuid.UUID(call["id"]),
                operator=operator,
                payload=payload,
                now=datetime.now(UTC),
            )
        return str(row.command_id)

    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        welcome(socket)
        offer = client.portal.call(queue, CommandType.OFFER, "operator1")  # type: ignore[union-attr]
        received = socket.receive_json()
        assert (received["command_id"], received["command"]) == (offer, "offer")
        assert received["operator"] == "operator1"
        callback = client.portal.call(queue, CommandType.ORIGINATE, "operator2")  # type: ignore[union-attr]
        received = socket.receive_json()
        assert received["command_id"] == callback
        assert received["payload"] == {"number": "+998712345678"}


def closed(
    client: TestClient,
    headers: dict[str, str] | None = None,
    first: dict[str, Any] | bytes | None = None,
) -> WebSocketDisconnect:
    """How the server closed a connection it refused (fails if it did not)."""
    try:
        with client.websocket_connect("/ws/gateway", headers=dict(headers or {})) as socket:
            if isinstance(first, bytes):
                socket.send_bytes(first)
            elif first is not None:
                socket.send_json(first)
            socket.receive_json()
    except WebSocketDisconnect as disconnect:
        return disconnect
    raise AssertionError("the gateway websocket accepted the connection")


def test_gateway_credentials_are_checked(client: TestClient) -> None:
    assert closed(client, {"X-Api-Key": "nope"}).code == 1008
    assert closed(client, first={"type": "auth", "api_key": "nope"}).code == 1008
    assert closed(client, first={"type": "hello"}).code == 1008
    assert closed(client, first=b"\x00").code == 1008
    operator = closed(client, bearer(client, "operator1"))
    assert operator.code == 1008
    assert operator.reason == "this needs the role gateway; you are signed in as operator"


def test_a_burst_of_commands_and_answers_keeps_order_and_answers_each(
    client: TestClient,
) -> None:
    """Commands committed together go out in their order (marked sent together); a burst of
    answers is recorded together, each answered, a bad one refused without spoiling the rest."""
    call = client.post(
        "/api/v1/calls",
        json={"channel": "voice", "caller_number": "+998712345679"},
        headers=GATEWAY,
    ).json()
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def queue_many(count: int) -> list[str]:
        async with unit_of_work(runtime.sessions, runtime.bus) as session:
            rows = [
                await enqueue_command(
                    session,
                    CommandType.HANGUP,
                    uuid.UUID(call["id"]),
                    payload={"n": n},
                    now=datetime.now(UTC),
                )
                for n in range(count)
            ]
        return [str(row.command_id) for row in rows]

    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        welcome(socket)
        made = client.portal.call(queue_many, 12)  # type: ignore[union-attr]
        received = [socket.receive_json() for _ in made]
        assert [r["command_id"] for r in received] == made
        assert [r["payload"]["n"] for r in received] == list(range(12))
        assert {statuses(client)[c] for c in made} == {"sent"}
        stranger = str(uuid.uuid4())
        for command_id in [*made[:6], stranger, *made[6:]]:
            socket.send_json({"type": "ack", "command_id": command_id})
        replies = [socket.receive_json() for _ in range(13)]
    by_command = {r.get("command_id"): r for r in replies}
    assert {by_command[c]["type"] for c in made} == {"acknowledged"}
    assert by_command[stranger]["type"] == "error"
    assert "no gateway command" in by_command[stranger]["detail"]
    assert {statuses(client)[c] for c in made} == {"acknowledged"}


def test_a_connected_gateway_whose_key_is_revoked_is_closed(client: TestClient) -> None:
    admin = bearer(client, "admin")
    keys = client.get("/api/v1/users/gateway1/api-keys", headers=admin).json()
    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        welcome(socket)
        assert answer(socket, {"type": "ping"})["type"] == "pong"
        for key in keys:
            revoked = client.post(
                f"/api/v1/users/gateway1/api-keys/{key['id']}/revoke", headers=admin
            )
            assert revoked.status_code == 200, revoked.text
        with pytest.raises(WebSocketDisconnect) as gone:
            socket.receive_json()
    assert gone.value.code == 1008
    assert "revoked" in gone.value.reason
    assert closed(client, GATEWAY).code == 1008  # and it cannot come back with that key
