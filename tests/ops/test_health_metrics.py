"""Health and Prometheus metrics."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import create_engine
from tests.fixtures.api import Api
from tests.fixtures.processes import SINGLETONS
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio
# One process without Redis: every singleton but the feeds' Redis mirror.
ALONE = set(SINGLETONS) - {"feeds.stream"}
HELD_S = 0.3  # how long a test holds a row lock a request waits for


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


def _timings(header: str) -> dict[str, tuple[float, str | None]]:
    """``Server-Timing``'s metrics: name -> (dur, desc)."""
    found: dict[str, tuple[float, str | None]] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        values = dict(param.partition("=")[::2] for param in params)
        found[name] = (float(values["dur"]), values.get("desc"))
    return found


async def test_every_answer_says_the_servers_own_time(api: Api) -> None:
    for path in ("/healthz", "/api/v1/no-such-route", "/api/v1/services/101"):
        timings = _timings((await api.get(path)).headers["server-timing"])
        assert set(timings) == {"app", "db", "commit"}
        app, db, commit = (timings[name][0] for name in ("app", "db", "commit"))
        assert 0 <= db + commit <= app < 60_000


async def test_the_server_timing_counts_a_requests_statements(api: Api) -> None:
    answer = await api.get("/api/v1/queues", user="supervisor1")
    timings = _timings(answer.headers["server-timing"])
    (app, _), (db, statements), (commit, _) = (timings[n] for n in ("app", "db", "commit"))
    assert statements is not None
    count = int(statements.strip('"').split()[0])
    assert count >= 3  # the queues, their statistics, the waiting calls, the operators
    assert 0 < db + commit <= app


async def test_a_statement_waiting_for_a_row_lock_counts_its_wait_as_database_time(
    api: Api, database_url: str, engine: AsyncEngine
) -> None:
    """The ``db`` part holds what the statements waited for, row locks included: a request
    held up by another transaction says so (the surge benchmark splits its settling requests
    by it)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite takes its one write lock before the first statement")
    signed_in = await api.post(
        "/api/v1/operators/me/state", user="operator1", json={"state": "available"}
    )
    assert signed_in.status_code == 200, signed_in.text
    async with engine.connect() as holder, engine.connect() as watcher:
        await holder.execute(
            text("SELECT 1 FROM operators WHERE username = 'operator1' FOR UPDATE")
        )
        request = asyncio.create_task(
            api.post("/api/v1/operators/me/state", user="operator1", json={"state": "signed_out"})
        )

        async def waiting() -> bool | None:
            await watcher.rollback()  # a fresh look at pg_locks each time
            found = await watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            return True if found else None

        try:
            await eventually(waiting, what="the request waiting for the row", within=15)
            await asyncio.sleep(HELD_S)  # the request's statement waits at least this long
        finally:
            await holder.rollback()
        response = await asyncio.wait_for(request, 15)
    assert response.status_code == 200, response.text
    timings = _timings(response.headers["server-timing"])
    assert timings["db"][0] >= HELD_S * 1000
    assert timings["app"][0] >= timings["db"][0] + timings["commit"][0]
