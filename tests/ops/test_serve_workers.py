"""``python -m dispatch serve --workers 2`` on PostgreSQL and Redis (issue 21): migrations run
once before the processes start, both processes answer on the one port, and between them every
singleton runs exactly once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import PostgresTemplate
from tests.fixtures.processes import SINGLETONS, dispatch_env, server_process
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres, pytest.mark.redis]


async def test_two_workers_share_the_port_and_lead_each_singleton_once(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    name, url = await postgres_template.clone()
    env = dispatch_env(
        DISPATCH_DATABASE_URL=url,
        DISPATCH_REDIS_URL=redis_url,
        DISPATCH_REDIS_CHANNEL=f"test:workers:{name}",
    )
    try:
        with server_process(env, tmp_path / "serve.log", args=["--workers", "2"]) as server:
            seen: dict[int, list[str]] = {}

            async def both_processes_leading_all() -> bool:
                # New connections each time: the kernel spreads them over the two processes.
                async with httpx.AsyncClient(base_url=server.http, timeout=5) as http:
                    body = (await http.get("/healthz")).json()
                seen[body["process"]] = body["leads"]
                led = sorted(lead for leads in seen.values() for lead in leads)
                return len(seen) == 2 and led == list(SINGLETONS)

            await eventually(
                both_processes_leading_all,
                what="two processes answering, each singleton led by one of them",
                within=30,
                every=0.1,
            )
            assert server.process.pid not in seen  # the supervisor serves nothing itself
        log = (tmp_path / "serve.log").read_text()
        assert log.count("reference data:") == 1  # migrated and seeded once, by the parent
        assert "2 processes" in log
    finally:
        await postgres_template.drop(name)
