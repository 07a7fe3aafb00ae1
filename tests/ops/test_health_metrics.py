"""Health and Prometheus metrics."""

from __future__ import annotations

import os

import pytest

from dispatch.core.database import create_engine
from tests.fixtures.api import Api
from tests.fixtures.processes import SINGLETONS
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio
# One process without Redis: every singleton but the feeds' Redis mirror.
ALONE = set(SINGLETONS) - {"feeds.stream"}


async def test_healthz_reports_the_database(api: Api) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "database", "mode", "bus", "reasons")} == {
        "status": "ok",
        "database": "ok",
        "mode": "dev",
        "bus": "in-process",
        "reasons": [],
    }
    assert body["process"] == os.getpid()

    async def leads() -> list[str] | None:
        found: list[str] = (await api.get("/healthz")).json()["leads"]
        return found if found == sorted(ALONE) else None

    # Alone, the process leads every singleton of the centre (on PostgreSQL once it has
    # taken their locks, at its first round).
    await eventually(leads, what="every singleton led", within=10)


async def test_healthz_says_unavailable_when_the_database_is_gone(api: Api) -> None:
    working = api.runtime.engine
    # Nothing listens on port 9 of loopback: the database is "down".
    api.runtime.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    try:
        response = await api.get("/healthz")
    finally:
        await api.runtime.engine.dispose()
        api.runtime.engine = working
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_metrics_count_requests_by_route_template(api: Api) -> None:
    await api.get("/api/v1/services/101", user="operator1")
    await api.get("/api/v1/services/102", user="operator1")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    line = next(
        line
        for line in response.text.splitlines()
        if line.startswith("dispatch_http_requests_total")
        and 'route="/api/v1/services/{code}"' in line
    )
    assert line.endswith(" 2.0")
    assert "dispatch_http_request_duration_seconds_bucket" in response.text


async def test_every_answer_carries_a_request_id(api: Api) -> None:
    response = await api.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    generated = await api.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_every_answer_says_the_servers_own_time(api: Api) -> None:
    for path in ("/healthz", "/api/v1/no-such-route", "/api/v1/services/101"):
        timing = (await api.get(path)).headers["server-timing"]
        name, _, duration = timing.partition(";dur=")
        assert name == "app"
        assert 0 <= float(duration) < 60_000
