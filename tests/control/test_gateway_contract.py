"""Call control over the real gateway websocket: the commands arrive with their payload, a
failure names why and settles the leg, and a reconnecting gateway is not sent a hold that a
resume superseded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dispatch.app import create_app
from dispatch.core.settings import Settings
from tests.calls.test_gateway_socket import GATEWAY, bearer, welcome


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app with its lifespan; the ACD worker off (the test answers the call itself)."""
    with TestClient(create_app(settings.model_copy(update={"queue_worker": False}))) as test:
        yield test


def _connected_call(client: TestClient) -> str:
    made = client.post(
        "/api/v1/calls",
        json={"channel": "voice", "language": "uz", "caller_number": "+998901110000"},
        headers=GATEWAY,
    )
    assert made.status_code == 201, made.text
    call_id: str = made.json()["id"]
    answered = client.post(
        f"/api/v1/calls/{call_id}/events",
        json={
            "event_id": f"contract-{call_id}",
            "type": "answered",
            "at": datetime.now(UTC).isoformat(),
            "operator": "operator1",
        },
        headers=GATEWAY,
    )
    assert answered.status_code == 201, answered.text
    return call_id


def _post(client: TestClient, url: str, body: Any = None, expect: int = 201) -> Any:
    response = client.post(url, json=body, headers=bearer(client, "operator1"))
    assert response.status_code == expect, response.text
    return response.json()


def test_the_gateway_fails_a_conference_and_is_never_resent_a_superseded_hold(
    client: TestClient,
) -> None:
    call_id = _connected_call(client)
    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        welcome(socket)
        leg = _post(
            client,
            f"/api/v1/calls/{call_id}/conference",
            {"target": {"directory": "psychologist-duty"}},
        )
        command = socket.receive_json()
        assert (command["command"], command["call_id"], command["operator"]) == (
            "conference", call_id, "operator1",
        )  # fmt: skip
        assert command["payload"] == {
            "action": "add",
            "leg_id": leg["id"],
            "target_kind": "directory",
            "to": "+998712391200",
        }
        socket.send_json(
            {"type": "nack", "command_id": command["command_id"], "reason": "busy: line engaged"}
        )
        assert socket.receive_json() == {"type": "failed", "command_id": command["command_id"]}
        legs = client.get(f"/api/v1/calls/{call_id}/legs", headers=bearer(client, "operator1"))
        assert [(x["status"], x["reason"]) for x in legs.json()] == [("busy", "busy: line engaged")]
        hold = _post(client, f"/api/v1/calls/{call_id}/hold", expect=202)
        assert socket.receive_json()["command_id"] == str(hold["command_id"])
        # the gateway drops before it acknowledges the hold; the operator resumes meanwhile
    resume = _post(client, f"/api/v1/calls/{call_id}/resume", expect=202)
    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        assert welcome(socket) == 1
        again = socket.receive_json()
        assert (again["command"], again["command_id"]) == ("resume", str(resume["command_id"]))
