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
from websockets.asyncio.client import ClientConnection
from websockets.protocol import State

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


# The processes whose /healthz answers 503 (as one frozen or dying fails its checks).
_FAILING: set[str] = set()


def _named(name: str) -> Callable[..., Any]:
    """An ASGI app answering every request with ``name`` (``/healthz`` 503 while it is in
    ``_FAILING``) and holding websockets open, its name their first message."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            failing = scope["path"] == "/healthz" and name in _FAILING
            await send({"type": "http.response.start", "status": 503 if failing else 200})
            await send({"type": "http.response.body", "body": name.encode()})
        elif scope["type"] == "websocket":
            await receive()  # the connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": name})
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


Config = Callable[[int, list[tuple[str, int]], Path], str]
CONFIGS = pytest.mark.parametrize("make_config", [_cluster_config, _bench_config])


@asynccontextmanager
async def _balanced(
    make_config: Config, tmp_path: Path
) -> AsyncIterator[tuple[AsyncExitStack, str, httpx.AsyncClient]]:
    """server-1 and server-2 behind HAProxy configured by ``make_config``, answering: the
    block's exit stack (what it enters ends with it), HAProxy's address and a client of it."""
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
        url = f"127.0.0.1:{port}"
        http = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://{url}", timeout=10)
        )

        async def up() -> bool:
            return (await http.get("/healthz")).status_code == 200

        await eventually(up, what="HAProxy answering", within=10, retry_on=(httpx.TransportError,))
        yield stack, url, http


@CONFIGS
async def test_requests_reach_both_processes_whatever_websockets_are_open(
    make_config: Config, tmp_path: Path
) -> None:
    async with _balanced(make_config, tmp_path) as (stack, url, http):
        # Three consoles: two on one process, one on the other.
        for _ in range(3):
            await stack.enter_async_context(websockets.connect(f"ws://{url}/socket"))
        answered = Counter([(await http.get("/api/v1/anything")).text for _ in range(20)])
    assert set(answered) == {"server-1", "server-2"}, answered
    assert min(answered.values()) >= 5, answered


@CONFIGS
async def test_a_process_marked_down_has_its_websockets_closed_to_open_again_elsewhere(
    make_config: Config, tmp_path: Path
) -> None:
    # Frozen with its sockets open, a process fails its checks: its consoles must not wait for
    # their heartbeats to give up (common/js/stream.js) to reach a live one.
    async with _balanced(make_config, tmp_path) as (stack, url, _):
        on: dict[str, ClientConnection] = {}
        for _ in range(2):  # least connections: one on each
            socket = await stack.enter_async_context(websockets.connect(f"ws://{url}/socket"))
            on[str(await asyncio.wait_for(socket.recv(), 10))] = socket
        assert set(on) == {"server-1", "server-2"}
        _FAILING.add("server-1")
        try:
            await asyncio.wait_for(on["server-1"].wait_closed(), 30)
            again = await stack.enter_async_context(websockets.connect(f"ws://{url}/socket"))
            assert await asyncio.wait_for(again.recv(), 10) == "server-2"
            assert on["server-2"].state is State.OPEN
        finally:
            _FAILING.discard("server-1")
