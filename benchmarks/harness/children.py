"""Child processes of a benchmark that speak JSON lines on stdin and stdout (the ACD ticks of
``acd_ticks.py``, the consoles of ``ws_clients.py``): start one, send it a line, read one."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from benchmarks.harness.report import ROOT


async def spawn(module: str) -> asyncio.subprocess.Process:
    """``python -m module`` of this checkout, with pipes for its JSON lines."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


def send(process: asyncio.subprocess.Process, message: dict[str, Any] | str) -> None:
    """One line to the child: a JSON object, or a plain word."""
    assert process.stdin is not None
    line = message if isinstance(message, str) else json.dumps(message)
    process.stdin.write(line.encode() + b"\n")


async def read(process: asyncio.subprocess.Process, what: str) -> dict[str, Any]:
    """One JSON line from the child (``what`` names it if it stopped instead)."""
    assert process.stdout is not None
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError(f"{what} stopped; its errors are above")
    answer: dict[str, Any] = json.loads(line)
    return answer
