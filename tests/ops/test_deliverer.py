"""``python -m dispatch deliver`` (issue 22): the services' deliveries in a process of their own.
Started before the server it leads the delivery singletons and the cards reach the service
through it; killed, the server takes delivery over and nothing is lost."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from dispatch.core.database import opened_engine
from dispatch.core.leadership import NAMESPACE, lock_key
from tests.feeds.conftest import receiving
from tests.fixtures.databases import PostgresTemplate
from tests.fixtures.processes import ROOT, attach_log, dispatch_env, server_process, stop
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres, pytest.mark.redis]


@contextlib.contextmanager
def deliverer(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    attach_log("deliverer", log)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "dispatch", "deliver"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        stop(process)


async def webhook_leader(url: str) -> str | None:
    """The application name of the session holding the webhook delivery's lock."""
    async with opened_engine(url) as engine, engine.connect() as connection:
        found: str | None = await connection.scalar(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :namespace "
                "AND l.objid = :key"
            ),
            {"namespace": NAMESPACE, "key": lock_key("feeds.webhook")},
        )
        return found


async def test_the_deliverer_process_delivers_and_the_server_takes_over_when_it_dies(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    name, url = await postgres_template.clone()
    env = dispatch_env(
        DISPATCH_DATABASE_URL=url,
        DISPATCH_REDIS_URL=redis_url,
        DISPATCH_REDIS_CHANNEL=f"test:deliver:{uuid.uuid4().hex}",
        DISPATCH_FEED_RETRY_BASE_S="0.2",
    )
    try:
        with (
            receiving() as police,
            deliverer(env, tmp_path / "deliver.log") as process,
        ):
            mine = f"dispatch112:{process.pid}"
            await eventually(lambda: leads(url, mine), what="the deliverer leading", within=30)
            with server_process(env, tmp_path / "serve.log", args=["--no-migrate"]) as server:
                async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
                    cards = await _route(http, police.url, 3)
                    await eventually(lambda: len(police.bodies()) == 3, what="3 cards delivered")
                    assert await webhook_leader(url) == mine  # through the deliverer

                    os.kill(process.pid, signal.SIGKILL)
                    killed = time.monotonic()
                    serving = f"dispatch112:{server.process.pid}"
                    await eventually(
                        lambda: leads(url, serving),
                        what="the server leading delivery",
                        within=10,
                    )
                    assert time.monotonic() - killed < 5.0
                    cards += await _route(http, police.url, 2, set_hook=False)
                    await eventually(lambda: len(police.bodies()) == 5, what="5 cards delivered")
            got = [r.headers["X-Card-Id"] for r in police.bodies()]
            assert got == cards  # every card, once, in order
    finally:
        await postgres_template.drop(name)


async def leads(url: str, expected: str) -> bool:
    return await webhook_leader(url) == expected


async def _route(
    http: httpx.AsyncClient, hook: str, count: int, *, set_hook: bool = True
) -> list[str]:
    token = (
        await http.post("/api/v1/auth/token", data={"username": "admin", "password": "admin"})
    ).json()["access_token"]
    if set_hook:
        changed = await http.patch(
            "/api/v1/services/102",
            headers={"Authorization": f"Bearer {token}"},
            json={"webhook_url": hook},
        )
        assert changed.status_code == 200, changed.text
    operator = (
        await http.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        )
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {operator}"}
    ids = []
    for _ in range(count):
        card = await http.post(
            "/api/v1/cards",
            headers=headers,
            json={"incident": {"type": "road.accident_injuries", "victims": 1}},
        )
        assert card.status_code == 201, card.text
        routed = await http.post(
            f"/api/v1/cards/{card.json()['id']}/route", headers=headers, json={"services": ["102"]}
        )
        assert routed.status_code == 200, routed.text
        ids.append(card.json()["id"])
    return ids
