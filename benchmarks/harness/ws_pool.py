"""The client processes holding a benchmark's consoles (``ws_clients.py`` is the child's
side): open every console split over them, tell them what to do, collect their arrivals."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness.children import read, send, spawn

WHAT = "a console process"


class ConsoleProcesses:
    """The client processes holding the consoles (benchmarks/harness/ws_clients.py)."""

    def __init__(self, processes: list[asyncio.subprocess.Process], results: list[Path]) -> None:
        self.processes = processes
        self.results = results

    async def tell(self, line: str) -> None:
        """Send a line to every process."""
        for process in self.processes:
            send(process, line)
            assert process.stdin is not None
            await process.stdin.drain()

    async def hear(self) -> list[dict[str, Any]]:
        """One JSON line from every process."""
        return [await read(process, WHAT) for process in self.processes]

    async def stop(self) -> dict[str, Any]:
        """End the run; every console's arrivals, the messages, errors and CPU, merged."""
        await self.tell("stop")
        await self.hear()
        merged: dict[str, Any] = {"arrivals": [], "messages": 0, "errors": [], "cpu_s": 0.0}
        for path in self.results:
            part = json.loads(path.read_text())
            merged["arrivals"] += part["arrivals"]
            merged["messages"] += part["messages"]
            merged["errors"] += part["errors"]
            merged["cpu_s"] += part["cpu_s"]
        return merged


@contextlib.asynccontextmanager
async def consoles(
    urls: Sequence[str],
    processes_wanted: int,
    compression: bool,
    workdir: Path,
    value: str = "waiting",
) -> AsyncIterator[tuple[ConsoleProcesses, int, list[str]]]:
    """Open every console (split over the client processes) and wait for their snapshots;
    yields the processes, how many consoles are connected, and the first errors. ``value``:
    what each keeps of a queue message (``ws_clients.waiting_of``)."""
    count = min(processes_wanted, len(urls))
    processes: list[asyncio.subprocess.Process] = []
    results = [workdir / f"consoles-{n}.json" for n in range(count)]
    try:
        for n in range(count):
            process = await spawn("benchmarks.harness.ws_clients")
            processes.append(process)
            config = {
                "urls": list(urls[n::count]),
                "results": str(results[n]),
                "ping_s": 15,
                "compression": compression,
                "connect_parallel": 16,
                "value": value,
            }
            send(process, config)
        group = ConsoleProcesses(processes, results)
        ready = await group.hear()
        errors = [r["first_error"] for r in ready if r["first_error"]]
        yield group, sum(r["ready"] for r in ready), errors
    finally:
        for process in processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
