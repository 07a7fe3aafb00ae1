"""The parent's side of the ACD worker processes of ``make bench-queues``
(``benchmarks/harness/acd_ticks.py`` is the child's): start them on a database (and Redis),
make every one tick at once at a given instant, stop them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.harness.report import ROOT


class Workers:
    """The ACD worker processes: one tick each, on command, at the given instant."""

    def __init__(self, processes: list[asyncio.subprocess.Process]) -> None:
        self.processes = processes

    async def tick(self, at: datetime) -> tuple[float, list[dict[str, Any]]]:
        """Every worker ticks at once; the wall time until the last answered, and answers."""
        line = json.dumps({"at": at.isoformat()}).encode() + b"\n"
        started = time.perf_counter()
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(line)
        answers = await asyncio.gather(*(read(p) for p in self.processes))
        return time.perf_counter() - started, answers


async def read(process: asyncio.subprocess.Process) -> dict[str, Any]:
    """One JSON line from a worker."""
    assert process.stdout is not None
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError("an ACD worker process stopped; its errors are above")
    answer: dict[str, Any] = json.loads(line)
    return answer


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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes: list[asyncio.subprocess.Process] = []
    try:
        for n in range(count):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.harness.acd_ticks",
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            processes.append(process)
            assert process.stdin is not None
            config = {"database_url": url, "redis_url": redis_url, "start": start.isoformat()}
            if profile_to and n == 0:
                config["profile_to"] = str(profile_to)
            process.stdin.write(json.dumps(config).encode() + b"\n")
        for process in processes:
            await read(process)
        yield Workers(processes)
    finally:
        for process in processes:
            if process.stdin is not None:
                process.stdin.write(b"\n")
                with contextlib.suppress(ConnectionError):
                    await process.stdin.drain()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
