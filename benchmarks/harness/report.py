"""What every report names: the machine, the commit, the client's event loop, a table."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import subprocess
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def uvloop_runner() -> Iterator[asyncio.Runner]:
    """The client's event loop (uvloop, like the server's): the client should cost little."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        yield runner


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory, kernel, Python."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024**2, 1)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory_gib": memory_gib,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def commit() -> str:
    """``git rev-parse --short HEAD``, plus "+ uncommitted" when the tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} + uncommitted" if dirty else head


def print_rows(rows: Sequence[Sequence[str]]) -> None:
    """A blank line, then the rows as left-aligned columns two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def ms(value: float | None) -> str:
    """Milliseconds as the tables show them ("-" when there is no figure)."""
    return "-" if value is None else f"{value:g} ms"


def new_report(script: str, settings: dict[str, Any], argv: Sequence[str]) -> dict[str, Any]:
    """The head every benchmark's report starts with: when, where, which commit, the command."""
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": commit(),
        "command": " ".join([script, *argv]),
        "settings": settings,
    }


def emit(report: dict[str, Any], *, as_json: bool, table: Callable[[dict[str, Any]], None]) -> int:
    """Print the report as JSON or as the benchmark's table; the exit status."""
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        table(report)
    return 0
