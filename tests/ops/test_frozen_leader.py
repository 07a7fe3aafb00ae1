"""A server process that stops without dying (frozen by its machine, its event loop stuck in a
defect) keeps its sockets open: PostgreSQL would keep its leadership's locks, and the centre
its singletons (the ACD offering calls among them), for as long as it stays stopped. The
leadership connection is ended once idle for ``leader_stall_s``; another process takes every
singleton over and the calls are offered again; the stopped process, when it runs again,
stands down (core/leadership.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx
import pytest

from dispatch.core.leadership import CHECK_S
from tests.fixtures.databases import PostgresTemplate
from tests.fixtures.processes import SINGLETONS, ServerProcess
from tests.fixtures.waiting import eventually
from tests.ops.test_cluster_kill import (
    GATEWAY,
    available,
    cluster_env,
    database,
    gateway_offers,
    held_locks,
    leads,
    leads_all,
    two_processes,
)

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(240),
]

STALL_S = 3.0


async def _leads_none(found: Awaitable[list[str] | None]) -> bool:
    return await found == []


async def test_a_frozen_leader_loses_its_singletons_and_stands_down_when_it_runs_again(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    async with database(postgres_template) as url:
        env = cluster_env(url, redis_url, LEADER_STALL_S=str(STALL_S))
        async with two_processes(env, tmp_path) as (first, second):
            os.kill(first.process.pid, signal.SIGSTOP)
            try:
                stopped = time.monotonic()
                await eventually(
                    lambda: leads_all(leads(second)),
                    what="the running process leading every singleton",
                    within=STALL_S + 15,
                )
                take_over = time.monotonic() - stopped
                await _a_call_is_offered(second)
            finally:
                os.kill(first.process.pid, signal.SIGCONT)
            # Running again, the first finds its leadership connection ended and stands
            # down: each singleton is led once, by the second.
            await eventually(
                lambda: _leads_none(leads(first)),
                what="the process that ran again leading nothing",
                within=15,
            )
            assert await leads_all(leads(second))
            assert await held_locks(url) == dict.fromkeys(SINGLETONS, 1)
        # Not before the bound: the stopped leader's connection was last used at its last round,
        # at most a check before it stopped (``within`` above bounds the other side).
        assert take_over >= STALL_S - CHECK_S, f"taken over after {take_over:.1f} s"


async def _a_call_is_offered(server: ServerProcess) -> None:
    """The centre still answers: a call posted now is offered by the running process's ACD."""
    offered: dict[str, str] = {}
    done = asyncio.Event()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        await available(http, "operator1")
        gateway = asyncio.create_task(gateway_offers(server, offered, done))
        try:
            body = {"channel": "voice", "language": "uz", "caller_number": "+998911234567"}
            response = await http.post("/api/v1/calls", json=body, headers=GATEWAY)
            assert response.status_code == 201, response.text
            call_id = response.json()["id"]
            await eventually(
                lambda: offered.get(call_id) == "operator1",
                what="the call offered to operator1",
                within=15,
            )
        finally:
            done.set()
            await asyncio.wait_for(gateway, 10)
