"""Every wait on PostgreSQL has a bound (``db_lock_wait_s``, ``db_idle_transaction_s``): a
request stuck behind a row another transaction keeps is refused as busy, with nothing stored,
instead of hanging; a transaction whose process stopped sending is ended and its rows freed.
The leadership's own bound (``leader_stall_s``) is in tests/ops/test_frozen_leader.py."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import server_engine
from dispatch.core.settings import Settings
from dispatch.core.workers import finish
from tests.calls.conftest import GATEWAY
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio
ON_POSTGRESQL = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
_HOLD = text("SELECT id FROM calls WHERE id = :id FOR UPDATE")


@ON_POSTGRESQL
async def test_a_request_behind_a_row_held_too_long_is_refused_busy_and_stores_nothing(
    settings: Settings, engine: AsyncEngine
) -> None:
    bounded = settings.model_copy(update={"db_lock_wait_s": 0.5})
    async with running_api(bounded) as api:
        call_id = await _a_call(api, "+998901112233")
        event = {"event_id": "bounded-1", "type": "abandoned", "at": datetime.now(UTC).isoformat()}
        url = f"/api/v1/calls/{call_id}/events"
        async with engine.connect() as holder:
            await holder.execute(_HOLD, {"id": call_id})  # kept until the block ends
            refused = await asyncio.wait_for(
                api.client.post(url, json=event, headers=GATEWAY), timeout=30
            )
            await holder.rollback()
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "database_busy"
        assert "nothing was stored" in refused.json()["detail"]
        assert refused.headers["Retry-After"] == "2"
        async with engine.connect() as connection:
            stored = (
                await connection.execute(
                    text(
                        "SELECT status, (SELECT count(*) FROM call_events WHERE call_id = :id) "
                        "FROM calls WHERE id = :id"
                    ),
                    {"id": call_id},
                )
            ).one()
        assert stored[0] != "abandoned", stored
        assert stored[1] == 0, stored
        # Tried again once the row is free, as Retry-After says: taken.
        again = await api.client.post(url, json=event, headers=GATEWAY)
        assert again.status_code == 201, again.text
        assert again.json()["call_status"] == "abandoned"


@ON_POSTGRESQL
async def test_a_request_that_deadlocks_with_another_change_is_refused_busy(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with running_api(settings) as api:
        call_id = await _a_call(api, "+998901112244")
        event = {"event_id": "deadlock-1", "type": "abandoned", "at": datetime.now(UTC).isoformat()}
        async with engine.connect() as other:
            # Another change holds the call's queue entry, which the event locks after the call;
            # once the event holds the call and waits, the other change asks for the call too.
            await other.execute(
                text("SELECT id FROM queue_entries WHERE call_id = :id FOR UPDATE"), {"id": call_id}
            )
            request = asyncio.create_task(
                api.client.post(f"/api/v1/calls/{call_id}/events", json=event, headers=GATEWAY)
            )
            # Once the event waits (holding the call), the other change closes the circle well
            # within PostgreSQL's deadlock_timeout (1 s), so the event's own check finds it.
            await eventually(
                lambda: _waiting_on_a_lock(engine), what="the event waiting", within=20, every=0.02
            )
            await asyncio.wait_for(other.execute(_HOLD, {"id": call_id}), timeout=30)
            refused = await asyncio.wait_for(request, timeout=30)
            await other.rollback()
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "database_busy"
        again = await api.client.post(
            f"/api/v1/calls/{call_id}/events", json=event, headers=GATEWAY
        )
        assert again.status_code == 201, again.text


async def _a_call(api: Api, number: str) -> uuid.UUID:
    """A voice call from ``number``, posted by the demo gateway: waiting in its queue."""
    body = {"channel": "voice", "language": "uz", "caller_number": number}
    created = await api.client.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"])


async def _waiting_on_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


@ON_POSTGRESQL
async def test_a_transaction_left_idle_is_ended_and_the_rows_it_held_are_free(
    settings: Settings, engine: AsyncEngine
) -> None:
    stalled = server_engine(settings.model_copy(update={"db_idle_transaction_s": 0.5}))
    try:
        async with stalled.connect() as frozen:
            await frozen.execute(
                text("SELECT username FROM users WHERE username = 'operator1' FOR UPDATE")
            )
            await asyncio.sleep(2.0)  # sends nothing, as a stopped process would
            async with engine.connect() as other:
                await other.execute(text("SET lock_timeout = '5s'"))
                taken = await other.scalar(
                    text("SELECT username FROM users WHERE username = 'operator1' FOR UPDATE")
                )
                await other.rollback()
            assert taken == "operator1"
            with pytest.raises(DBAPIError):  # its session was ended: nothing it does counts
                await frozen.execute(text("SELECT 1"))
    finally:
        await finish(stalled.dispose(), name="stalled engine dispose", within=30)


@ON_POSTGRESQL
async def test_the_servers_engine_carries_its_bounds_and_zero_leaves_the_databases_own(
    settings: Settings,
) -> None:
    async def shown(bounds: Settings) -> tuple[str, str]:
        engine = server_engine(bounds)
        try:
            async with engine.connect() as connection:
                lock = await connection.scalar(text("SHOW lock_timeout"))
                idle = await connection.scalar(text("SHOW idle_in_transaction_session_timeout"))
                return str(lock), str(idle)
        finally:
            await finish(engine.dispose(), name="engine dispose", within=30)

    assert await shown(settings) == ("10s", "1min")  # the defaults
    unbounded = settings.model_copy(update={"db_lock_wait_s": 0, "db_idle_transaction_s": 0})
    assert await shown(unbounded) == ("0", "0")  # PostgreSQL's own defaults: none
