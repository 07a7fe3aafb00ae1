"""HAProxy balances the requests apart from the websockets: with consoles open unevenly on two
processes, the requests still go to both (in one backend, least connections counted every open
console and sent every request to the process with fewer of them). Both configurations are
checked, ``make run-cluster``'s and the benchmarks'; the processes are two small servers that
answer with their name, so what is measured is the balancer alone."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from benchmarks.harness.cluster import haproxy_binary, run_cluster_services
from benchmarks.harness.cluster import haproxy_config as bench_config
from tests.fixtures.servers import free_port
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio


def _cluster_config(port: int, servers: list[tuple[str, int]], folder: Path) -> str:
    config: str = run_cluster_services().haproxy_config(
        "127.0.0.1", port, servers, folder / "stats.sock"
    )
    return config


def _bench_config(port: int, servers: list[tuple[str, int]], folder: Path) -> str:
    return bench_config(port, servers)


def _named(name: str) -> Callable[..., Any]:
    """An ASGI app answering every request with ``name`` and holding websockets open."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": name.encode()})
        elif scope["type"] == "websocket":
            await receive()  # the connect
            await send({"type": "websocket.accept"})
            while (await receive())["type"] != "websocket.disconnect":
                pass

    return app


@asynccontextmanager
async def _serving(name: str, port: int) -> AsyncIterator[None]:
    config = uvicorn.Config(_named(name), port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, what=f"{name} listening", within=10)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def _stop(balancer: asyncio.subprocess.Process) -> None:
    balancer.kill()
    await asyncio.wait_for(balancer.wait(), 10)


@pytest.mark.parametrize("make_config", [_cluster_config, _bench_config])
async def test_requests_reach_both_processes_whatever_websockets_are_open(
    make_config: Callable[[int, list[tuple[str, int]], Path], str], tmp_path: Path
) -> None:
    if shutil.which("haproxy", path="/usr/bin:/usr/sbin:/usr/local/sbin") is None:
        pytest.skip("haproxy is not installed (make system-deps installs it)")
    servers = [("server-1", free_port()), ("server-2", free_port())]
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(make_config(port, servers, tmp_path))
    async with AsyncExitStack() as stack:
        for name, server_port in servers:
            await stack.enter_async_context(_serving(name, server_port))
        balancer = await asyncio.create_subprocess_exec(
            haproxy_binary(), "-f", str(config), stdout=DEVNULL, stderr=DEVNULL
        )
        stack.push_async_callback(_stop, balancer)
        url = f"http://127.0.0.1:{port}"
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))

        async def up() -> bool:
            return (await http.get("/healthz")).status_code == 200

        await eventually(up, what="HAProxy answering", within=10, retry_on=(httpx.TransportError,))
        # Three consoles: two on one process, one on the other.
        for _ in range(3):
            await stack.enter_async_context(websockets.connect(f"ws://127.0.0.1:{port}/socket"))
        answered = Counter([(await http.get("/api/v1/anything")).text for _ in range(20)])
    assert set(answered) == {"server-1", "server-2"}, answered
    assert min(answered.values()) >= 5, answered
