"""The ceiling of ``make bench-cards``: a bare FastAPI ``GET /ping`` (benchmarks/ping_app.py)
served by uvicorn as the product is served, hammered by the same client set-up."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.harness.http import clients
from benchmarks.harness.servers import ROOT, free_port, process_cpu_s, served
from benchmarks.harness.stats import Latencies


@dataclass
class CeilingResult:
    """The bare endpoint: requests answered per second and their latency."""

    requests: int
    seconds: float
    requests_per_s: float
    latency: dict[str, float | int | None]
    errors: int
    server_cpu_s: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        """The bare server's CPU per request answered: the floor a request costs."""
        return round(1000 * self.server_cpu_s / self.requests, 3) if self.requests else 0.0


async def http_ceiling(workers: int, duration: float) -> CeilingResult:
    """Hammer ``GET /ping`` of the bare app with ``workers`` keep-alive clients: one second of
    warm-up, then ``duration`` seconds measured."""
    port = free_port()
    command = [sys.executable, str(ROOT / "benchmarks" / "ping_app.py"), "--port", str(port)]
    with (
        tempfile.TemporaryDirectory(prefix="bench-ping-") as folder,
        served(command, os.environ.copy(), Path(folder), port, "/ping") as pid,
    ):
        base = f"http://127.0.0.1:{port}"
        latency = Latencies()
        errors = 0
        async with clients(base, workers) as pool:

            async def worker(http: httpx.AsyncClient, deadline: float) -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    before = time.perf_counter()
                    response = await http.get("/ping")
                    latency.values.append(time.perf_counter() - before)
                    if response.status_code != 200:
                        errors += 1

            warm = time.perf_counter() + 1
            await asyncio.gather(*(worker(http, warm) for http in pool))
            latency.values.clear()
            errors = 0
            cpu_before = process_cpu_s(pid)
            started = time.perf_counter()
            deadline = started + duration
            await asyncio.gather(*(worker(http, deadline) for http in pool))
            seconds = time.perf_counter() - started
            cpu = process_cpu_s(pid) - cpu_before
    count = len(latency.values)
    return CeilingResult(
        count, round(seconds, 2), round(count / seconds), latency.summary(), errors, round(cpu, 3)
    )
