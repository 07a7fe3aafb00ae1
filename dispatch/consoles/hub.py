"""The console hub of one server process: bus events in, coalesced deltas out.

One subscription to every bus event (``remote=True``: with Redis, other processes' events too)
marks the parts an event may have changed as dirty. A flush loop, at most every
``interval_s``, recomputes each dirty part once — a shared part once for all consoles, a
personal part once per user, however many consoles that user has open — and hands every
console the values that differ from what it already has. Each console sends from its own task,
so a slow client delays only itself; while it is busy its changes merge into one delta.

Every ``refresh_s`` all parts are recomputed anyway: the safety net for events that never came
(a full subscriber queue, Redis lost for a moment, a time-based change). The refresh is spread
over the period — shared parts once, each user's personal parts in their own slice — so that
it never holds an event's delta back behind 500 users' recomputation; and within a flush the
shared parts (the queue) go out before the personal ones are computed. A part with ``every_s``
(the supervisor's alerts) is recomputed that often while a console shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from dispatch.cards import store as cards
from dispatch.consoles.views import Beat, ConsoleUser, Lookups, PartContext, Ref, Touch, View
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.errors import NotFound

log = get_logger(__name__)
T = TypeVar("T")

INTERVAL_S = 0.1
REFRESH_S = 30.0
# The refresh marks a slice of the users this often (each user once per ``refresh_s``).
REFRESH_STEP_S = 1.0
HEARTBEAT_S = 15.0
PARALLEL_USERS = 8


class Sink(Protocol):
    """Where a console's messages go (the websocket)."""

    async def send_text(self, data: str) -> None: ...


class Console:
    """One connected console: what its client has, what it still needs, its sequence."""

    def __init__(self, sink: Sink, user: ConsoleUser, view: View, *, interval_s: float) -> None:
        self.id = uuid.uuid4().hex
        self.sink = sink
        self.user = user
        self.view = view
        self.interval_s = interval_s
        self.seq = 0
        self.known: dict[str, Any] = {}  # what the client holds once everything queued is sent
        self.pending: dict[str, Any] = {}
        self.snapshot: dict[str, Any] | None = None
        self.wants_snapshot = True
        self.sent_messages = 0
        self.news = asyncio.Event()
        self.closed = asyncio.Event()

    def give(self, values: Mapping[str, Any]) -> None:
        """Queue the values that differ from what the client has (or will have)."""
        for name, value in values.items():
            if name not in self.known or self.known[name] != value:
                self.known[name] = value
                self.pending[name] = value
        if self.pending:
            self.news.set()

    def give_snapshot(self, values: Mapping[str, Any]) -> None:
        """Replace everything: the next message is a snapshot of ``values``."""
        self.known = dict(values)
        self.pending = {}
        self.snapshot = dict(values)
        self.wants_snapshot = False
        self.news.set()

    async def run(self, clock_now: Callable[[], datetime]) -> None:
        """Send snapshots and deltas until the sink fails or the console closes."""
        try:
            while not self.closed.is_set():
                await self.news.wait()
                self.news.clear()
                message = self._next_message(clock_now())
                if message is None:
                    continue
                await self.sink.send_text(message)
                self.sent_messages += 1
                # At most one message per interval: changes meanwhile merge into the next.
                await asyncio.sleep(self.interval_s)
        finally:
            self.closed.set()

    def _next_message(self, now: datetime) -> str | None:
        if self.snapshot is not None:
            parts = {**self.snapshot, **self.pending}
            self.snapshot, self.pending = None, {}
            self.seq += 1
            return _dumps(
                {
                    "type": "snapshot",
                    "seq": self.seq,
                    "view": self.view.name,
                    "server_time": now.isoformat(),
                    "heartbeat_s": HEARTBEAT_S,
                    "parts": parts,
                }
            )
        if not self.pending:
            return None
        parts, self.pending = self.pending, {}
        self.seq += 1
        return _dumps(
            {"type": "delta", "seq": self.seq, "server_time": now.isoformat(), "parts": parts}
        )


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str)


class ConsoleHub:
    """Every console of this process, the parts' latest values, and the loops that feed them."""

    def __init__(
        self,
        runtime: Runtime,
        views: Iterable[View],
        *,
        interval_s: float = INTERVAL_S,
        refresh_s: float = REFRESH_S,
    ) -> None:
        self.runtime = runtime
        self.views = {view.name: view for view in views}
        self.interval_s = interval_s
        self.refresh_s = refresh_s
        self.consoles: set[Console] = set()
        self.shared: dict[tuple[str, str], Any] = {}  # (view, part) -> value
        self.personal: dict[tuple[str, str], dict[str, Any]] = {}  # (view, user) -> values
        self.dirty_shared: set[tuple[str, str]] = set()
        self.dirty_personal: dict[tuple[str, str], set[str]] = {}
        self.refs: dict[tuple[str, str], set[Ref]] = {}  # (view, user) -> refs
        self.showing: dict[Ref, set[str]] = {}  # ref -> users
        self.rounds = 0
        self.events_seen = 0
        self._wake = asyncio.Event()
        self._last_heartbeat: dict[str, float] = {}

    # -- consoles -------------------------------------------------------------------------

    def attach(self, sink: Sink, user: ConsoleUser, view: str) -> Console:
        """Register a console; its snapshot goes out with the next flush."""
        console = Console(sink, user, self.views[view], interval_s=self.interval_s)
        key = (view, user.username)
        if key not in self.personal:
            self.dirty_personal[key] = {part.name for part in console.view.personal}
        for part in console.view.shared:
            if (view, part.name) not in self.shared:
                self.dirty_shared.add((view, part.name))
        self.consoles.add(console)
        self._wake.set()
        return console

    def detach(self, console: Console) -> None:
        """Forget a console; cached parts go with the last console that showed them (with
        nobody watching, events stop marking them, so they would go stale)."""
        console.closed.set()
        console.news.set()
        self.consoles.discard(console)
        view, user = console.view.name, console.user.username
        if not any(c.view.name == view and c.user.username == user for c in self.consoles):
            self.personal.pop((view, user), None)
            self.dirty_personal.pop((view, user), None)
            self._set_refs((view, user), set())
        if not any(c.view.name == view for c in self.consoles):
            for part in console.view.shared:
                self.shared.pop((view, part.name), None)
                self.dirty_shared.discard((view, part.name))

    def resync(self, console: Console) -> None:
        """The client asks for a new snapshot (it saw a gap)."""
        console.wants_snapshot = True
        self._wake.set()

    async def heartbeat(self, user: ConsoleUser, beat: Beat) -> None:
        """A console's ping: tell the ACD the operator is there (at most every 5 s per user)."""
        now = time.monotonic()
        if now - self._last_heartbeat.get(user.username, -1e9) < 5.0:
            return
        self._last_heartbeat[user.username] = now
        try:
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                await beat(session, user.username, now=self.runtime.clock.now())
        except Exception:  # a heartbeat that fails must not close the console
            log.warning("consoles.heartbeat_failed", user=user.username, exc_info=True)

    # -- events ---------------------------------------------------------------------------

    def mark(self, view: View, touches: Iterable[Touch]) -> None:
        """Mark parts dirty for the users with a console of ``view`` (or everyone)."""
        users = {c.user.username for c in self.consoles if c.view is view}
        for touch in touches:
            part = view.by_name.get(touch.part)
            if part is None:
                continue
            if part.shared:
                self.dirty_shared.add((view.name, part.name))
            elif touch.user is None:
                for user in users:
                    self.dirty_personal.setdefault((view.name, user), set()).add(part.name)
            elif touch.user in users:
                self.dirty_personal.setdefault((view.name, touch.user), set()).add(part.name)
        if self.dirty_shared or self.dirty_personal:
            self._wake.set()

    def mark_everything(self) -> None:
        """Recompute every part of every console (refresh, or events may have been lost)."""
        for view in self.views.values():
            self.mark(view, [Touch(part.name) for part in view.parts])

    async def handle(self, event: Event) -> None:
        """Map one bus event to the parts it may have changed."""
        self.events_seen += 1
        lookups = Lookups(self._showing, self._card_owner)
        for view in self.views.values():
            if any(c.view is view for c in self.consoles):
                self.mark(view, await view.touches(event, lookups))

    def _showing(self, ref: Ref) -> set[str]:
        return set(self.showing.get(ref, ()))

    async def _card_owner(self, card_id: str) -> str | None:
        try:
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                row = await cards.load(session, uuid.UUID(card_id))
        except (NotFound, ValueError):
            return None
        return row.operator_id

    # -- flushing -------------------------------------------------------------------------

    async def flush(self) -> None:
        """Recompute what is dirty and give every console what changed (one round)."""
        self.rounds += 1
        shared, self.dirty_shared = self.dirty_shared, set()
        personal, self.dirty_personal = self.dirty_personal, {}
        changed_shared = await self._compute_shared(shared)
        # The shared parts (the queue every console shows) go out before the personal ones
        # are computed: one user's slow parts never hold the floor's picture back.
        if changed_shared:
            self._hand_out(changed_shared, {}, snapshots=False)
        changed_personal = await self._compute_personal(personal)
        self._hand_out({}, changed_personal, snapshots=True)

    def _hand_out(
        self,
        changed_shared: Mapping[tuple[str, str], Any],
        changed_personal: Mapping[tuple[str, str], Mapping[str, Any]],
        *,
        snapshots: bool,
    ) -> None:
        for console in list(self.consoles):
            view = console.view.name
            key = (view, console.user.username)
            if console.wants_snapshot:
                values = self._all_values(console) if snapshots else None
                if values is not None:
                    console.give_snapshot(values)
                continue
            news = {name: value for (v, name), value in changed_shared.items() if v == view}
            news.update(changed_personal.get(key, {}))
            if news:
                console.give(news)

    def _all_values(self, console: Console) -> dict[str, Any] | None:
        view = console.view
        mine = self.personal.get((view.name, console.user.username))
        if mine is None:
            return None
        values: dict[str, Any] = {}
        for part in view.parts:
            source = self.shared.get((view.name, part.name)) if part.shared else mine.get(part.name)
            values[part.name] = source
        return values

    async def _compute_shared(self, dirty: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        wanted = [
            (view, self.views[view].by_name[name])
            for view, name in sorted(dirty)
            if any(c.view.name == view for c in self.consoles)
        ]
        if not wanted:
            return {}
        changed: dict[tuple[str, str], Any] = {}
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            context = PartContext(session, self.runtime, None, self.runtime.clock.now())
            for view, part in wanted:
                try:
                    value = await part.compute(context)
                except Exception:
                    log.exception("consoles.part_failed", part=part.name)
                    continue
                self.shared[(view, part.name)] = value
                changed[(view, part.name)] = value
        return changed

    async def _compute_personal(
        self, dirty: dict[tuple[str, str], set[str]]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        users = {(c.view.name, c.user.username): c.user for c in self.consoles}
        jobs = [(key, users[key], names) for key, names in dirty.items() if key in users]
        changed: dict[tuple[str, str], dict[str, Any]] = {}
        limit = asyncio.Semaphore(PARALLEL_USERS)

        async def one(key: tuple[str, str], user: ConsoleUser, names: set[str]) -> None:
            async with limit:
                changed[key] = await self._compute_user(key, user, names)

        await asyncio.gather(*(one(*job) for job in jobs))
        return changed

    async def _compute_user(
        self, key: tuple[str, str], user: ConsoleUser, names: set[str]
    ) -> dict[str, Any]:
        view = self.views[key[0]]
        values = self.personal.setdefault(key, {})
        changed: dict[str, Any] = {}
        try:
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                context = PartContext(session, self.runtime, user, self.runtime.clock.now())
                for part in view.personal:
                    if part.name not in names:
                        continue
                    try:
                        value = await part.compute(context)
                    except Exception:
                        log.exception("consoles.part_failed", part=part.name, user=user.username)
                        values.setdefault(part.name, None)
                        continue
                    values[part.name] = changed[part.name] = value
        except Exception:
            log.exception("consoles.user_failed", user=user.username)
        if any((c.view.name, c.user.username) == key for c in self.consoles):
            refs: set[Ref] = set()
            for part in view.personal:
                refs.update(part.refs(values.get(part.name)))
            self._set_refs(key, refs)
        else:  # the user left while their parts were computed
            self.personal.pop(key, None)
            self._set_refs(key, set())
        return changed

    def _set_refs(self, key: tuple[str, str], refs: set[Ref]) -> None:
        user = key[1]
        for ref in self.refs.pop(key, set()) - refs:
            holders = self.showing.get(ref)
            if holders is not None:
                holders.discard(user)
                if not holders:
                    del self.showing[ref]
        if refs:
            self.refs[key] = refs
            for ref in refs:
                self.showing.setdefault(ref, set()).add(user)

    # -- loops ----------------------------------------------------------------------------

    async def run(self, subscription: Subscription) -> None:
        """Run the event, flush and refresh loops until cancelled."""
        tasks = [
            asyncio.create_task(self._events(subscription), name="consoles.events"),
            asyncio.create_task(self._flushes(), name="consoles.flush"),
            asyncio.create_task(self._refreshes(), name="consoles.refresh"),
            asyncio.create_task(self._ticks(), name="consoles.ticks"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _events(self, subscription: Subscription) -> None:
        async for event in subscription:
            try:
                await self.handle(event)
            except Exception:  # one bad event must not stop the consoles
                log.exception("consoles.event_failed", topic=event.topic)
            if getattr(subscription, "dropped", 0):
                # Events were lost while the hub was busy: trust nothing, recompute all.
                subscription.dropped = 0  # type: ignore[attr-defined]
                self.mark_everything()

    async def _flushes(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = loop.time()
            try:
                await self.flush()
            except Exception:
                log.exception("consoles.flush_failed")
            await asyncio.sleep(max(0.0, self.interval_s - (loop.time() - started)))

    async def _refreshes(self) -> None:
        """Recompute everything once per ``refresh_s``: the shared parts at the period's end,
        the users' personal parts a slice at a time over the period."""
        step = min(REFRESH_STEP_S, self.refresh_s)
        elapsed, cursor = 0.0, 0
        while True:
            await asyncio.sleep(step)
            elapsed += step
            users = sorted({(c.view.name, c.user.username) for c in self.consoles})
            batch, cursor = refresh_slice(users, cursor, step_s=step, refresh_s=self.refresh_s)
            for view_name, user in batch:
                personal = self.views[view_name].personal
                self.mark(self.views[view_name], [Touch(p.name, user) for p in personal])
            if elapsed >= self.refresh_s - 1e-9:
                elapsed = 0.0
                for each in self.views.values():
                    self.mark(each, [Touch(part.name) for part in each.shared])

    async def _ticks(self) -> None:
        timed = [
            (view, part, part.every_s)
            for view in self.views.values()
            for part in view.parts
            if part.every_s is not None
        ]
        if not timed:
            return
        loop = asyncio.get_running_loop()
        due: dict[tuple[str, str], float] = {}
        while True:
            await asyncio.sleep(min(every for _, _, every in timed))
            now = loop.time()
            for view, part, every in timed:
                if now < due.get((view.name, part.name), 0.0) - 0.05:  # timers may fire early
                    continue
                due[(view.name, part.name)] = now + every
                if any(c.view is view for c in self.consoles):
                    self.mark(view, [Touch(part.name)])


def refresh_slice(
    users: Sequence[T], cursor: int, *, step_s: float, refresh_s: float
) -> tuple[list[T], int]:
    """The users whose parts one refresh step recomputes, from ``cursor`` on, so that every
    user comes round once per ``refresh_s``; and where the next step starts."""
    if not users:
        return [], 0
    share = min(len(users), max(1, math.ceil(len(users) * step_s / refresh_s)))
    start = cursor % len(users)
    return [users[(start + n) % len(users)] for n in range(share)], (start + share) % len(users)


@asynccontextmanager
async def console_hub(runtime: Runtime, views: Iterable[View]) -> AsyncIterator[ConsoleHub]:
    """Run a hub for as long as the app runs."""
    hub = ConsoleHub(runtime, views, refresh_s=runtime.settings.console_refresh_s)
    subscription = runtime.bus.subscribe("*", remote=True, max_queue=100_000)
    task = asyncio.create_task(hub.run(subscription), name="consoles.hub")
    try:
        yield hub
    finally:
        await subscription.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
