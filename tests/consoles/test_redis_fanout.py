"""Two server processes, one database, real Redis: a console sees what the other process did.

Each process's console hub recomputes only on events (the periodic refresh is set to an hour),
so a change made through one process can reach a console on the other only through Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.consoles.conftest import open_console, post_call, sign_in, waiting
from tests.fixtures.databases import SqliteTemplate
from tests.fixtures.live import Live
from tests.fixtures.processes import dispatch_env
from tests.fixtures.processes import server_process as serve

pytestmark = [pytest.mark.asyncio, pytest.mark.redis]


@contextlib.contextmanager
def server_process(database_url: str, redis_url: str, logs: Path) -> Iterator[Live]:
    """``python -m dispatch serve`` as its own process, until the block ends."""
    env = dispatch_env(
        DISPATCH_DATABASE_URL=database_url,
        DISPATCH_REDIS_URL=redis_url,
        DISPATCH_CONSOLE_REFRESH_S="3600",
    )
    with serve(env, logs, args=["--no-migrate"]) as server:
        yield Live(app=None, http=server.http, ws=server.ws)  # type: ignore[arg-type]


async def test_two_processes_fan_out_the_same_stream_through_redis(
    sqlite_template: SqliteTemplate, redis_url: str, tmp_path: Path
) -> None:
    database = sqlite_template.clone()
    with (
        server_process(database, redis_url, tmp_path / "a.log") as a,
        server_process(database, redis_url, tmp_path / "b.log") as b,
    ):
        async with (
            httpx.AsyncClient(base_url=a.http, timeout=30) as http_a,
            httpx.AsyncClient(base_url=b.http, timeout=30) as http_b,
        ):
            token = await sign_in(http_a, "operator1")  # one secret: valid on both
            auth = {"Authorization": f"Bearer {token}"}
            on_a = await open_console(a, token)
            on_b = await open_console(b, token)

            await post_call(http_b)  # made in process B ...
            await on_a.until(lambda parts: waiting(parts) == 1)  # ... seen on A's console
            await on_b.until(lambda parts: waiting(parts) == 1)

            state = await http_a.post(
                "/api/v1/operators/me/state",
                json={"state": "on_break", "reason": "Dam olish"},
                headers=auth,
            )
            assert state.status_code == 200, state.text
            for console in (on_a, on_b):  # a personal part, changed through A
                await console.until(lambda parts: parts["state"]["state"] == "on_break")

            card = await http_b.post("/api/v1/cards", json={}, headers=auth)
            assert card.status_code == 201, card.text
            for console in (on_a, on_b):  # made through B, owner looked up in A
                await console.until(lambda p: [c["id"] for c in p["cards"]] == [card.json()["id"]])
            # Same state on both; the queue summary only differs by when each process computed it.
            timeless = ("at", "longest_wait_s")
            for parts in (on_a.parts, on_b.parts):
                parts["queue"]["overall"] = {
                    k: v for k, v in parts["queue"]["overall"].items() if k not in timeless
                }
                parts["queue"] = {"overall": parts["queue"]["overall"]}
            assert on_a.parts == on_b.parts
            assert waiting(on_a.parts) == 1
            await asyncio.gather(on_a.socket.close(), on_b.socket.close())
