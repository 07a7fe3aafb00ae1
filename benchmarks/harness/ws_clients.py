"""A process of websocket consoles for ``make bench-consoles``: one uvloop, many sockets.

Run as ``python -m benchmarks.harness.ws_clients`` from the checkout, by console_fanout.py. It
reads one JSON line on stdin, ``{"urls": [...], "results": PATH, "ping_s": S,
"compression": bool, "connect_parallel": N, "value": "waiting"}``, opens one websocket per URL
(a console), and prints ``{"ready": n, "failed": k, "first_error": ...}`` once every console has
had its first message (the snapshot). From then on every message that carries the ``queue``
part is kept as (arrival time, ``parts.queue.overall.<value>``: ``waiting`` by default, or a
sum of its counts such as ``answered_today+abandoned_today``, which only grows, for a run where
calls also leave the queue); ``time.monotonic()`` is CLOCK_MONOTONIC, one
clock for every process of the machine, so the parent compares it with the time it made each
change. Each console sends ``{"type": "ping"}`` every ``ping_s`` as the real console does. A
line ``stop`` on stdin ends the run: the arrivals go to ``results`` as JSON and the process
prints ``{"done": true}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


@dataclass
class Console:
    """One socket and what arrived on it."""

    url: str
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    messages: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None
    close_code: int | None = None


def waiting_of(text: str | bytes, value: str = "waiting") -> int | None:
    """``parts.queue.overall.waiting`` of a snapshot or delta (or the sum of the counts
    ``value`` names, joined by ``+``), None when it has no queue."""
    message = json.loads(text)
    queue = (message.get("parts") or {}).get("queue")
    if not isinstance(queue, dict):
        return None
    overall = queue.get("overall") or {}
    found = [overall.get(key) for key in value.split("+")]
    if not all(isinstance(count, int) for count in found):
        return None
    return sum(count for count in found if isinstance(count, int))


async def run_console(
    console: Console,
    gate: asyncio.Semaphore,
    ping_s: float,
    compression: bool,
    value: str = "waiting",
) -> None:
    """Connect (at most ``gate`` at once), then read and ping until cancelled."""
    try:
        async with gate:
            socket: ClientConnection = await connect(
                console.url,
                compression="deflate" if compression else None,
                proxy=None,
                open_timeout=120,
                ping_interval=None,  # a browser sends no protocol pings; the server does
                max_size=None,
                max_queue=None,
            )
            first = await socket.recv()
            arrived = time.monotonic()
            console.messages += 1
            found = waiting_of(first, value)
            if found is not None:
                console.arrivals.append((arrived, found))
            console.ready.set()
        pinger = asyncio.create_task(ping(socket, ping_s))
        try:
            async for text in socket:
                arrived = time.monotonic()
                console.messages += 1
                found = waiting_of(text, value)
                if found is not None:
                    console.arrivals.append((arrived, found))
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
        console.close_code = socket.close_code
        console.error = f"closed by the server: {socket.close_code} {socket.close_reason}"
    except asyncio.CancelledError:
        raise
    except (OSError, ConnectionClosed, TimeoutError, ValueError) as exc:
        console.error = f"{type(exc).__name__}: {exc}"
    finally:
        console.ready.set()


async def ping(socket: ClientConnection, every_s: float) -> None:
    """The console's heartbeat, starting at a random point of the period."""
    await asyncio.sleep(random.uniform(0, every_s))  # noqa: S311 - spreading, not secrets
    while True:
        with contextlib.suppress(ConnectionClosed):
            await socket.send('{"type":"ping"}')
        await asyncio.sleep(every_s)


async def main() -> int:
    """Open the consoles, report ready, record until ``stop``, write the arrivals."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config: dict[str, Any] = json.loads(await reader.readline())
    consoles = [Console(url) for url in config["urls"]]
    gate = asyncio.Semaphore(int(config.get("connect_parallel", 16)))
    tasks = [
        asyncio.create_task(
            run_console(
                c,
                gate,
                float(config["ping_s"]),
                bool(config.get("compression", True)),
                str(config.get("value", "waiting")),
            )
        )
        for c in consoles
    ]
    await asyncio.gather(*(c.ready.wait() for c in consoles))
    failed = [c for c in consoles if c.error is not None]
    say(
        {
            "ready": len(consoles) - len(failed),
            "failed": len(failed),
            "first_error": failed[0].error if failed else None,
        }
    )
    cpu_at_ready = time.process_time()
    while (line := await reader.readline()) and line.strip() != b"stop":
        if line.strip() == b"mark":  # the measured phase starts: CPU from here
            cpu_at_ready = time.process_time()
    cpu = time.process_time() - cpu_at_ready
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with open(config["results"], "w") as out:  # noqa: ASYNC230 - once, at the end
        json.dump(
            {
                "arrivals": [c.arrivals for c in consoles],
                "messages": sum(c.messages for c in consoles),
                "errors": [c.error for c in consoles if c.error and c.close_code != 1000],
                "cpu_s": cpu,
            },
            out,
        )
    say({"done": True})
    return 0


def say(message: dict[str, Any]) -> None:
    """One JSON line to the parent."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(uvloop.run(main()))
