"""The parent's side of the ACD worker processes of ``make bench-queues``
(``benchmarks/harness/acd_ticks.py`` is the child's): start them on a database (and Redis),
make every one tick at once at a given instant, stop them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.harness.children import read, send, spawn

WHAT = "an ACD worker process"


class Workers:
    """The ACD worker processes: one tick each, on command, at the given instant."""

    def __init__(self, processes: list[asyncio.subprocess.Process]) -> None:
        self.processes = processes

    async def tick(self, at: datetime) -> tuple[float, list[dict[str, Any]]]:
        """Every worker ticks at once; the wall time until the last answered, and answers."""
        started = time.perf_counter()
        for process in self.processes:
            send(process, {"at": at.isoformat()})
        answers = await asyncio.gather(*(read(p, WHAT) for p in self.processes))
        return time.perf_counter() - started, answers


@contextlib.asynccontextmanager
async def workers(
    count: int,
    url: str,
    redis_url: str | None,
    start: datetime,
    profile_to: Path | None = None,
) -> AsyncIterator[Workers]:
    """Start ``count`` worker processes on the database (and Redis); stop them afterwards. The
    first samples its ticks with pyinstrument when ``profile_to`` is given."""
    processes: list[asyncio.subprocess.Process] = []
    try:
        for n in range(count):
            process = await spawn("benchmarks.harness.acd_ticks")
            processes.append(process)
            config = {"database_url": url, "redis_url": redis_url, "start": start.isoformat()}
            if profile_to and n == 0:
                config["profile_to"] = str(profile_to)
            send(process, config)
        for process in processes:
            await read(process, WHAT)
        yield Workers(processes)
    finally:
        for process in processes:
            if process.stdin is not None:
                send(process, "")
                with contextlib.suppress(ConnectionError):
                    await process.stdin.drain()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
