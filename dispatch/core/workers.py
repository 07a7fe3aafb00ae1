"""Background tasks: a loop that works whenever an event arrives (and at least every
``idle_s``), and the bounded stop every background task of the server ends with."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from dispatch.core.bus import Bus, Pattern, Subscription
from dispatch.core.clock import Clock
from dispatch.core.logging import get_logger

log = get_logger(__name__)

# How long a stopping server waits for a cancelled task to end. A task stuck in a driver call
# that ignores cancellation (a known class of asyncpg/aiosqlite hangs) is logged with its stack
# and left behind: the server, and the rest of its stop, go on.
STOP_S = 5.0


async def stop_tasks(
    tasks: Iterable[asyncio.Future[Any]],
    *,
    within: float | None = None,
    expected: tuple[type[BaseException], ...] = (),
) -> None:
    """Cancel ``tasks`` and wait at most ``within`` seconds (in all) for them to end. A task
    that ended with an error (other than ``expected`` ones, such as a closed socket's) is
    logged and stopping goes on; one still running is logged with the place it is stuck in
    and abandoned. ``within`` defaults to ``STOP_S``."""
    within = STOP_S if within is None else within
    waiting = list(tasks)
    for task in waiting:
        task.cancel()
    if not waiting:
        return
    done, stuck = await asyncio.wait(waiting, timeout=within)
    for task in done:
        error = None if task.cancelled() else task.exception()
        if error is not None and not isinstance(error, expected):
            log.error("tasks.failed_stopping", task=_name(task), exc_info=error)
    for task in stuck:
        log.error("tasks.stuck", task=_name(task), within_s=within, awaiting=awaiting(task))


async def finish(step: Awaitable[object], *, name: str, within: float | None = None) -> None:
    """Let a last step of stopping (writing what is noted, closing a pool) run at most
    ``within`` seconds (``STOP_S``); one that fails or hangs is logged and the stop goes on."""
    within = STOP_S if within is None else within
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait([task], timeout=within)
    if not done:
        log.error("tasks.stuck", task=name, within_s=within, awaiting=awaiting(task))
        task.cancel()
    elif not task.cancelled() and task.exception() is not None:
        log.error("tasks.failed_stopping", task=name, exc_info=task.exception())


def _name(future: asyncio.Future[Any]) -> str:
    return future.get_name() if isinstance(future, asyncio.Task) else repr(future)


def awaiting(future: asyncio.Future[Any]) -> list[str]:
    """Where a task waits: its chain of awaits, outermost first (``file:line function``)."""
    places: list[str] = []
    step: Any = future.get_coro() if isinstance(future, asyncio.Task) else None
    while step is not None:
        frame = getattr(step, "cr_frame", None) or getattr(step, "gi_frame", None)
        if frame is not None:
            places.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        step = getattr(step, "cr_await", None) or getattr(step, "gi_yieldfrom", None)
    return places


async def _set_on_events(subscription: Subscription, wake: asyncio.Event) -> None:
    async for _ in subscription:
        wake.set()


async def run_on_events(
    bus: Bus,
    pattern: Pattern,
    work: Callable[[], Awaitable[object]],
    *,
    idle_s: float,
    name: str,
    remote: bool = False,
    clock: Clock | None = None,
) -> None:
    """Call ``work`` now, on every event matching ``pattern`` (``remote``: also another
    process's, with Redis), and every ``idle_s`` (the poll catches what another process did
    while Redis was away); with ``clock``, a ``datetime`` that ``work`` returns is when it is
    next due, and it is called again then if sooner. Runs until cancelled and outlives any
    single failure."""
    wake = asyncio.Event()
    subscription = bus.subscribe(pattern, remote=remote)
    waker = asyncio.create_task(_set_on_events(subscription, wake))
    try:
        while True:
            wake.clear()
            due = None
            try:
                due = await work()
            except Exception:  # a worker must outlive any single failure
                log.exception("worker.error", worker=name)
            wait = idle_s
            if clock is not None and isinstance(due, datetime):
                wait = min(idle_s, max(0.05, (due - clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
    finally:
        await subscription.close()
        await stop_tasks([waker])
