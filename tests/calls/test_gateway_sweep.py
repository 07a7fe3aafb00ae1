"""With several server processes (a Redis bus) a command whose event never arrived — made in
another process while Redis was away — still reaches the gateway: its connection looks in the
database every ``SWEEP_S`` for commands left unsent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dispatch.app import create_app
from dispatch.calls.gateway import CommandType, enqueue_command
from dispatch.core.bus import InProcessBus
from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings

pytestmark = pytest.mark.redis
GATEWAY = {"X-Api-Key": "gateway1-dev-key"}


@pytest.fixture
def client(settings: Settings, redis_url: str) -> Iterator[TestClient]:
    """The real app on a Redis bus of its own channel."""
    on_redis = settings.model_copy(
        update={"redis_url": redis_url, "redis_channel": f"test:sweep:{uuid.uuid4().hex}"}
    )
    with TestClient(create_app(on_redis)) as test_client:
        yield test_client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_command_whose_event_was_lost_is_found_and_sent(client: TestClient) -> None:
    call = client.post(
        "/api/v1/calls",
        json={"channel": "voice", "caller_number": "+998712345678"},
        headers=GATEWAY,
    ).json()
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def queue_elsewhere() -> str:
        # Its event goes to a bus nobody hears, as another process's did with Redis away.
        async with unit_of_work(runtime.sessions, InProcessBus()) as session:
            row = await enqueue_command(
                session,
                CommandType.HANGUP,
                uuid.UUID(call["id"]),
                operator=None,
                payload={},
                now=datetime.now(UTC) - timedelta(seconds=5),
            )
        return str(row.command_id)

    with client.websocket_connect("/ws/gateway", headers=dict(GATEWAY)) as socket:
        assert socket.receive_json()["type"] == "welcome"
        lost = client.portal.call(queue_elsewhere)  # type: ignore[union-attr]
        received = socket.receive_json()
        assert (received["command_id"], received["command"]) == (lost, "hangup")
        socket.send_json({"type": "ack", "command_id": lost})
        assert socket.receive_json() == {"type": "acknowledged", "command_id": lost}
