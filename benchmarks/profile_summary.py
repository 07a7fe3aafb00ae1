"""Where a profiled server's time went during the measured phase of ``make bench-cards``
(and of ``make bench-consoles``).

pyinstrument samples the server's main thread (wall time, so waits for the GIL count where
they happen). The session covers the whole process; only the samples inside the measured
window are kept (their offsets from the session's start add up to wall time). Each sample
goes to the library responsible for it: the innermost frame that is not Python's own
(built-ins, the standard library), so ``json.dumps`` called by Starlette counts as Starlette.
SQLAlchemy runs its ORM work in greenlets, which pyinstrument shows as separate roots: that
time counts under SQLAlchemy, not under the dispatch function that awaited it.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

IDLE = "event loop waiting (idle, sockets) and uvloop's own C work"
# (bucket, substrings of a frame's file path), first match wins.
LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "database driver and SQLAlchemy's adapter for it (aiosqlite's thread hand-off, asyncpg)",
        ("aiosqlite", "asyncpg"),
    ),
    ("SQLAlchemy (ORM, SQL compile, rows)", ("sqlalchemy", "greenlet")),
    ("pydantic (validation, serialisation)", ("pydantic",)),
    ("cardschema (card model, XML build and XSD check)", ("/cardschema/", "lxml")),
    ("dispatch's own code", ("/dispatch/",)),
    ("websockets (frames, permessage-deflate)", ("/websockets/",)),
    (
        "FastAPI, Starlette, uvicorn, anyio (HTTP, routing, dependencies)",
        (
            "fastapi",
            "starlette",
            "uvicorn",
            "anyio",
            "httptools",
            "h11",
            "multipart",
        ),
    ),
    ("auth (JWT, key hash)", ("jwt",)),
    ("logging and metrics (structlog, prometheus)", ("structlog", "prometheus_client")),
    ("geometry (shapely)", ("shapely",)),
)
OTHER = "other (Python itself: stdlib, built-ins)"


def summarise(
    session_file: Path, text_file: Path, window: tuple[float, float] | None = None
) -> dict[str, Any]:
    """Keep the samples inside ``window`` (wall-clock seconds), write the call tree to
    ``text_file``, and return the time per library."""
    session = Session.load(session_file)
    records = session.frame_records
    if window is not None:
        kept = []
        offset = session.start_time
        for record in records:
            if window[0] <= offset < window[1]:
                kept.append(record)
            offset += record[1]
        records = kept
    seconds = sum(t for _, t in records)
    measured = Session(
        frame_records=records,
        start_time=window[0] if window else session.start_time,
        duration=seconds,
        min_interval=session.min_interval,
        max_interval=session.max_interval,
        sample_count=len(records),
        start_call_stack=session.start_call_stack,
        target_description=f"{session.target_description} (measured phase only)",
        cpu_time=0.0,
        sys_path=session.sys_path,
        sys_prefixes=session.sys_prefixes,
    )
    renderer = ConsoleRenderer(
        unicode=True,
        color=False,
        show_all=False,
        time="percent_of_total",
        processor_options={"filter_threshold": 0.005},
    )
    text_file.write_text(renderer.render(measured))

    buckets: dict[str, float] = collections.defaultdict(float)
    for stack, duration in records:
        buckets[bucket(stack)] += duration
    ranked = [
        {"what": name, "seconds": round(value, 2), "share": round(value / seconds, 3)}
        for name, value in sorted(buckets.items(), key=lambda item: -item[1])
    ]
    lines = [f"{r['share']:6.1%}  {r['seconds']:6.2f} s  {r['what']}" for r in ranked]
    return {
        "seconds": round(seconds, 2),
        "samples": len(records),
        "by_library": ranked,
        "lines": lines,
    }


def bucket(stack: list[str]) -> str:
    """The library a sample's time belongs to."""
    leaf_function, leaf_path = _frame(stack[-1])
    if leaf_function == "run" and leaf_path.endswith(("asyncio/runners.py", "uvloop/__init__.py")):
        return IDLE
    for frame in reversed(stack):
        _, path = _frame(frame)
        for name, markers in LIBRARIES:
            if any(marker in path for marker in markers):
                return name
    return OTHER


def _frame(frame: str) -> tuple[str, str]:
    """(function, file path) of a pyinstrument frame identifier."""
    parts = frame.split("\x01", 1)[0].split("\x00")
    return parts[0], parts[1] if len(parts) > 1 else ""
