"""The ACD worker started with the server: it sleeps until its next timer falls due or an event
says a call or an operator changed, then ticks (:func:`assignment.tick`).

- Each tick begins with one look (one statement) at when each timer falls due (offer expiry,
  wrap-up end, a silent console's grace, a callback's due time or lease, a decliner's rest) and
  at whether anything waits; it sweeps only the timers that fell due, offers, and says when
  the next one falls due (with those it started: its offers' expiry, a held call's window).
  The worker sleeps until then — wall time: a scaled simulation clock's due times are divided
  by its scale.
- Events wake it at once, also those of other processes (``remote``: with Redis), except the
  ones its own offers cause (``queue.offer``, an operator reserved or put on a call); a burst
  of events makes one tick (``COALESCE_S``).
- At least every ``DISPATCH_QUEUE_POLL_S`` (clock seconds) it ticks anyway: the safety net
  for what another process changed without an event reaching this one.
- Every ``DISPATCH_SURGE_RECHECK_S`` (clock seconds), and at once after ``surge.changed`` (a
  supervisor's switch), it judges whether the centre is in surge (``surge.rejudge``, stored for
  the consoles) and ticks under that judgement.

An idle server therefore costs nothing here between events and timers. The server also runs,
worker or not, the batched write of console heartbeats (``heartbeats.flush_loop``) and the
forgetting of remembered queues when another process changes one (``catalog``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dispatch.callbacks import events as callback_events
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.leadership import led_by
from dispatch.core.logging import get_logger
from dispatch.core.redis_bus import RESYNC
from dispatch.core.runtime import Runtime
from dispatch.core.workers import finish, stop_tasks
from dispatch.queues import catalog, events, heartbeats, surge
from dispatch.queues.assignment import tick
from dispatch.queues.states import OperatorState
from dispatch.queues.timers import Due

log = get_logger(__name__)
# Topics after which a tick may have work: a call entered, left or moved, an operator or a
# queue changed, a callback task was made or is due again; or Redis came back after events
# were lost (``bus.resync``).
WAKE_ON = (events.QUEUE, events.SURGE, callback_events.CALLBACK, RESYNC)
# The shortest wall-clock pause before a tick (a timer due now, a tick that failed: no spin).
MIN_WAIT_S = 0.05
# Events within this long after the first make one tick (wall seconds).
COALESCE_S = 0.005
# After a failing tick, wait this long (wall seconds) before the next.
FAILURE_PAUSE_S = 1.0
# Operator states an offer or a dial puts an operator in: nobody came free.
_TAKEN = frozenset({OperatorState.RESERVED.value, OperatorState.ON_CALL.value})


def wakes(event: Event) -> bool:
    """Whether ``event`` may give a tick work (the worker's own offers and dials do not)."""
    if events.OFFER.of(event) is not None:
        return False
    if (closed := events.OFFER_CLOSED.of(event)) is not None:
        return closed.get("status") != "accepted"
    if (operator := events.OPERATOR_STATE.of(event)) is not None:
        return not (operator.get("changed") == "state" and operator.get("state") in _TAKEN)
    if (callback := callback_events.CHANGED.of(event)) is not None:
        return callback.get("change") != "dialing"
    return True


class AcdWorker:
    """Runs ticks until cancelled; one failing tick is logged and the next one tries again."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._wake = asyncio.Event()
        self.ticks = 0
        self.due: Due | None = None  # when the last tick said the next timer falls due
        self.surge = False  # the centre is in surge (the latest judgement)
        self._judge_after = 0.0  # monotonic wall time of the next surge judgement

    async def run(self) -> None:
        """Tick, then sleep until a timer, an event or the safety poll; forever."""
        # remote: with Redis, a call that enters through another process wakes this one too.
        subscriptions = [self.runtime.bus.subscribe(t, remote=True) for t in WAKE_ON]
        wakers = [asyncio.create_task(self._wake_on(s)) for s in subscriptions]
        try:
            while True:
                self._wake.clear()
                pause = 0.0
                try:
                    await self.judge_surge()
                    self.due = (await tick(self.runtime, surge=self.surge)).due
                except Exception:  # the worker must outlive any single failure
                    log.exception("queues.worker_error")
                    self.due, pause = None, FAILURE_PAUSE_S
                self.ticks += 1
                await self._idle(pause)
        finally:
            await stop_tasks(wakers)
            for subscription in subscriptions:
                await subscription.close()

    async def _wake_on(self, subscription: Subscription) -> None:
        async for event in subscription:
            if events.SURGE.of(event) is not None:
                # A supervisor switched it: judge before the next tick. (The worker's own
                # judgements publish it too: one more judgement, which finds nothing new.)
                self._judge_after = 0.0
            if wakes(event):
                self._wake.set()

    async def judge_surge(self) -> None:
        """Judge the surge when due (a judgement that fails keeps the last one)."""
        if time.monotonic() < self._judge_after:
            return
        scale = float(getattr(self.runtime.clock, "scale", 1.0))
        self._judge_after = time.monotonic() + self.runtime.settings.surge_recheck_s / scale
        try:
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                found = await surge.rejudge(
                    session, self.runtime.settings, now=self.runtime.clock.now()
                )
                self.surge = found.active
        except Exception:  # judged again at the next recheck; the ACD goes on meanwhile
            log.exception("queues.surge_judgement_failed")

    async def _idle(self, pause: float) -> None:
        """Wait for the next timer (clock time, converted to wall time), an event, or the
        safety poll, whichever comes first."""
        clock = self.runtime.clock
        # Waiting in wall time (not clock.sleep) never moves a ManualClock, which the test that
        # owns it drives; a scaled simulation clock's seconds pass ``scale`` times faster.
        scale = float(getattr(clock, "scale", 1.0))
        poll_s = self.runtime.settings.queue_poll_s
        until_s = poll_s
        first = self.due.first() if self.due is not None else None
        if first is not None:
            until_s = min(until_s, (first - clock.now()).total_seconds())
        wait_s = max(until_s / scale, MIN_WAIT_S, pause)
        try:
            await asyncio.wait_for(self._wake.wait(), wait_s)
        except TimeoutError:
            return  # a timer fell due, or the safety poll
        await asyncio.sleep(COALESCE_S)  # the rest of a burst joins this tick


@asynccontextmanager
async def acd_worker(runtime: Runtime) -> AsyncIterator[AcdWorker | None]:
    """Run the ACD worker for the lifetime of the app (unless ``DISPATCH_QUEUE_WORKER=false``),
    and in any case the heartbeat writer and the forgetting of changed queues."""
    tasks = [
        asyncio.create_task(heartbeats.flush_loop(runtime), name="queues.heartbeats"),
        asyncio.create_task(
            catalog.forget_on_changes(runtime.bus, runtime.engine.sync_engine),
            name="queues.catalog",
        ),
    ]
    worker = AcdWorker(runtime) if runtime.settings.queue_worker else None
    if worker is not None:
        # One ACD in the centre (a singleton): its timers and the callback dialler with it.
        tasks.append(
            asyncio.create_task(
                led_by(runtime.leadership, "queues.acd", worker.run), name="queues.acd"
            )
        )
    try:
        yield worker
    finally:
        await stop_tasks(tasks)
        await finish(_last_heartbeats(runtime), name="queues.last_heartbeats")


async def _last_heartbeats(runtime: Runtime) -> None:
    """Write the pings still noted as the server stops (a restart then loses none)."""
    if not heartbeats.book(runtime.engine).pending:
        return
    try:
        async with unit_of_work(runtime.sessions, runtime.bus) as session:
            await heartbeats.flush(session)
    except Exception:  # stopping goes on; the consoles ping the next server anyway
        log.warning("queues.heartbeat_flush_failed", exc_info=True)
