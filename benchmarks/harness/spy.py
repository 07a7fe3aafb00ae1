"""A server's CPU profile without slowing it: py-spy samples the process from outside (only
on-CPU samples of every thread), and the collapsed stacks are summed per library and per
function of this project.

``record(pid, path)`` around the measured window; ``summary(path)`` afterwards.
"""

from __future__ import annotations

import collections
import contextlib
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.profile_summary import LIBRARIES, OTHER

RATE_HZ = 100


@contextlib.contextmanager
def record(pid: int, path: Path) -> Iterator[None]:
    """Sample ``pid`` (all threads, on-CPU only) into ``path`` as collapsed stacks."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [binary, "record", "-p", str(pid), "-r", str(RATE_HZ)]
    process = subprocess.Popen(  # noqa: S603 - py-spy from this environment
        [*command, "-f", "raw", "-o", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _library(frame: str) -> str | None:
    for bucket, needles in LIBRARIES:
        if any(needle in frame for needle in needles):
            return bucket
    return None


def summary(path: Path, top: int = 25) -> dict[str, Any]:
    """Samples per library (the innermost frame not in Python's own library decides) and the
    project's functions by inclusive samples; shares of all on-CPU samples."""
    libraries: collections.Counter[str] = collections.Counter()
    ours: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    with contextlib.suppress(FileNotFoundError):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            # py-spy names files relative to sys.path ("dispatch/cards/service.py"): a leading
            # slash lets the same needles as pyinstrument's summary match.
            frames = stack.replace(" (", " (/").split(";")
            bucket = next((b for b in map(_library, reversed(frames)) if b is not None), OTHER)
            libraries[bucket] += count
            leaves[frames[-1]] += count
            seen: set[str] = set()
            for frame in frames:
                if ("(/dispatch/" in frame or "(/cardschema/" in frame) and frame not in seen:
                    seen.add(frame)
                    ours[frame] += count

    def share(counter: collections.Counter[str]) -> dict[str, float]:
        return {k: round(100 * v / total, 1) for k, v in counter.most_common(top)} if total else {}

    return {
        "samples": total,
        "libraries_pct": share(libraries),
        "project_inclusive_pct": share(ours),
        "leaf_pct": share(leaves),
    }
