"""Redis away (issue 21): a server process starts and serves on its database alone, says it is
degraded on ``/healthz`` and to its consoles, and joins the others when Redis answers."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dispatch.core.settings import Settings
from tests.consoles.conftest import open_console, sign_in
from tests.fixtures.live import Live
from tests.fixtures.servers import _listening, free_port, redis_command
from tests.fixtures.waiting import eventually, eventually_sync

pytestmark = [pytest.mark.asyncio, pytest.mark.redis]


@pytest.fixture
def redis_port() -> int:
    """A port where Redis will listen, later in the test."""
    return free_port()


@pytest.fixture
def settings(settings: Settings, redis_port: int) -> Settings:
    """The test's settings with a Redis that does not answer (yet)."""
    return settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{redis_port}/0"})


@contextlib.contextmanager
def redis_on(port: int) -> Iterator[None]:
    """A Redis server on ``port`` until the block ends."""
    process = subprocess.Popen(
        redis_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        eventually_sync(lambda: _listening(port), what="redis-server listening")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_redis_the_process_serves_degraded_then_recovers(
    live: Live, http: httpx.AsyncClient, redis_port: int
) -> None:
    health = await http.get("/healthz")
    assert health.status_code == 200  # serving: the load balancer keeps it
    body = health.json()
    assert (body["status"], body["database"], body["bus"]) == ("degraded", "ok", "degraded")
    assert "Redis does not answer" in body["reasons"][0]

    token = await sign_in(http, "operator1")
    console = await open_console(live, token)
    assert console.parts["server"] == {"bus": "degraded", "degraded": True}
    # Work goes on: a card is created and read back on the database alone.
    created = await http.post(
        "/api/v1/cards",
        headers={"Authorization": f"Bearer {token}"},
        json={"incident": {"type": "road.accident_injuries", "victims": 1}},
    )
    assert created.status_code == 201, created.text

    with redis_on(redis_port):

        async def recovered() -> dict[str, Any] | None:
            found: dict[str, Any] = (await http.get("/healthz")).json()
            return found if found["status"] == "ok" else None

        body = await eventually(recovered, what="healthz ok with Redis back", within=20)
        assert (body["bus"], body["reasons"]) == ("redis", [])
        # The console hears it at once (``bus.resync``), at the latest at the part's 2 s.
        await console.until(
            lambda parts: parts.get("server") == {"bus": "redis", "degraded": False}, within=20
        )
