"""The console hub of one server process: bus events in, coalesced deltas out.

One subscription to every bus event (``remote=True``: with Redis, other processes' events too)
marks the parts an event may have changed as dirty. Two flush loops, each at most every
``interval_s``, recompute each dirty part once — the shared parts once for all consoles, a
personal part once per user, however many consoles that user has open — and hand every console
the parts that differ from what it already has. A part is encoded to JSON once, when computed
(``console.py``: a *fragment*); every console's message is spliced from those fragments, so a
shared part costs one encoding per change whether 1 or 500 consoles show it. Each console sends
from its own task, so a slow client delays only itself; while it is busy its changes merge into
one delta. Shared and personal parts flush in loops of their own: the floor's picture (the
queue) never waits behind users' personal parts, nor behind the pause that paces their
recomputation.

Every ``refresh_s`` all parts are recomputed anyway: the safety net for events that never came
(a full subscriber queue, Redis lost for a moment, a time-based change). The refresh is spread
over the period — shared parts once, each user's personal parts in their own slice — so it
never recomputes 500 users at once; it skips a personal part an event had recomputed within
half a period (so every part is recomputed at least every 1.5 periods). A part with ``every_s``
(the supervisor's alerts) is recomputed that often while a console shows it.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable

from dispatch.auth.events import CHANGED as AUTH_CHANGED
from dispatch.cards import store as cards
from dispatch.consoles import pacing
from dispatch.consoles.console import HEARTBEAT_S, NULL, Console, Fragment, Sink, encode
from dispatch.consoles.pacing import (
    INTERVAL_S,
    REFRESH_S,
    REFRESH_STEP_S,
    SLOW_FLUSH_S,
    refresh_slice,
)
from dispatch.consoles.views import (
    Beat,
    ConsoleUser,
    Lookups,
    PartContext,
    Ref,
    Touch,
    View,
    topic_touches,
)
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import one_snapshot, unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.errors import NotFound

__all__ = ["Console", "ConsoleHub", "Sink"]

log = get_logger(__name__)
Key = tuple[str, str]  # (view, part) of a shared part; (view, user) of a user's parts

PARALLEL_USERS = 8


class ConsoleHub:
    """Every console of this process, the parts' latest values, and the loops that feed them."""

    def __init__(
        self,
        runtime: Runtime,
        views: Iterable[View],
        *,
        interval_s: float = INTERVAL_S,
        refresh_s: float = REFRESH_S,
        slow_flush_s: float = SLOW_FLUSH_S,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        self.runtime = runtime
        self.views = {view.name: view for view in views}
        self.interval_s = interval_s
        self.heartbeat_s = heartbeat_s
        self.refresh_s = refresh_s
        self.slow_flush_s = slow_flush_s
        self.consoles: set[Console] = set()
        self.watching: dict[str, dict[str, set[Console]]] = {}  # view -> user -> consoles
        self.shared: dict[Key, Fragment] = {}  # (view, part) -> encoded value
        self.personal: dict[Key, dict[str, Fragment]] = {}  # (view, user) -> part -> encoded
        self.part_refs: dict[Key, dict[str, set[Ref]]] = {}  # (view, user) -> part -> refs
        # (view, user) -> part -> loop time its last computation began (the refresh skips
        # parts an event had recomputed lately).
        self.computed_at: dict[Key, dict[str, float]] = {}
        self.dirty_shared: set[Key] = set()
        self.dirty_personal: dict[Key, set[str]] = {}
        self.snapshots_due: set[Console] = set()
        self.refs: dict[Key, set[Ref]] = {}  # (view, user) -> refs
        self.showing: dict[Ref, set[str]] = {}  # ref -> users
        self.rounds = 0
        self.events_seen = 0
        self._wake_shared = asyncio.Event()
        self._wake_personal = asyncio.Event()
        self._last_heartbeat: dict[str, float] = {}

    # -- consoles -------------------------------------------------------------------------

    def attach(self, sink: Sink, user: ConsoleUser, view: str) -> Console:
        """Register a console; its snapshot goes out once its parts are computed."""
        console = Console(
            sink, user, self.views[view], interval_s=self.interval_s, heartbeat_s=self.heartbeat_s
        )
        if console.key not in self.personal:
            self.dirty_personal[console.key] = {part.name for part in console.view.personal}
        for part in console.view.shared:
            if (view, part.name) not in self.shared:
                self.dirty_shared.add((view, part.name))
                self._wake_shared.set()
        self.consoles.add(console)
        self.watching.setdefault(view, {}).setdefault(user.username, set()).add(console)
        self.snapshots_due.add(console)
        self._wake_personal.set()
        return console

    def detach(self, console: Console) -> None:
        """Forget a console; cached parts go with the last console that showed them (with
        nobody watching, events stop marking them, so they would go stale)."""
        console.close()
        if console not in self.consoles:
            return
        self.consoles.discard(console)
        self.snapshots_due.discard(console)
        view, user = console.key
        users = self.watching[view]
        mine = users[user]
        mine.discard(console)
        if not mine:
            del users[user]
            self.personal.pop(console.key, None)
            self.part_refs.pop(console.key, None)
            self.computed_at.pop(console.key, None)
            self.dirty_personal.pop(console.key, None)
            self._set_refs(console.key, set())
        if not users:
            del self.watching[view]
            for part in console.view.shared:
                self.shared.pop((view, part.name), None)
                self.dirty_shared.discard((view, part.name))

    def resync(self, console: Console) -> None:
        """The client asks for a new snapshot (it saw a gap)."""
        console.wants_snapshot = True
        self.snapshots_due.add(console)
        self._wake_personal.set()

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

    def _watched(self, key: Key) -> bool:
        return key[1] in self.watching.get(key[0], {})

    # -- events ---------------------------------------------------------------------------

    def mark(self, view: View, touches: Iterable[Touch]) -> None:
        """Mark parts dirty for the users with a console of ``view`` (or everyone)."""
        users = self.watching.get(view.name)
        if not users:
            return
        for touch in touches:
            part = view.by_name.get(touch.part)
            if part is None:
                continue
            if part.shared:
                self.dirty_shared.add((view.name, part.name))
                self._wake_shared.set()
            elif touch.user is None:
                for user in users:
                    self.dirty_personal.setdefault((view.name, user), set()).add(part.name)
                self._wake_personal.set()
            elif touch.user in users:
                self.dirty_personal.setdefault((view.name, touch.user), set()).add(part.name)
                self._wake_personal.set()

    def mark_everything(self) -> None:
        """Recompute every part of every console (refresh, or events may have been lost)."""
        for view in self.views.values():
            self.mark(view, [Touch(part.name) for part in view.parts])

    async def handle(self, event: Event) -> None:
        """Map one bus event to the parts it may have changed."""
        self.events_seen += 1
        if (changed := AUTH_CHANGED.of(event)) is not None:
            self.credentials_changed(str(changed.get("username") or ""))
        lookups = Lookups(self._showing, self._card_owner)
        for view in self.views.values():
            if view.name in self.watching:
                # A part's own topics change it in every view; the view's ``touches`` says the
                # rest (a person's parts, the calls and cards they show).
                by_topic = topic_touches(view.parts, event.topic)
                self.mark(view, [*by_topic, *await view.touches(event, lookups)])

    def credentials_changed(self, username: str) -> None:
        """Tell the consoles of ``username`` (every one, with no name) to check again."""
        for users in self.watching.values():
            for name, consoles in users.items():
                if not username or name == username:
                    for console in consoles:
                        console.sink.credentials_changed()

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
        """One round of both loops: the shared parts handed out, then the personal ones."""
        await self.flush_shared()
        await self.flush_personal()

    async def flush_shared(self) -> None:
        """Recompute the dirty shared parts and give every console the changed ones."""
        self.rounds += 1
        dirty, self.dirty_shared = self.dirty_shared, set()
        changed = await self._compute_shared(dirty)
        by_view: dict[str, dict[str, Fragment]] = {}
        for (view, name), text in changed.items():
            by_view.setdefault(view, {})[name] = text
        for view, fragments in by_view.items():
            for consoles in self.watching.get(view, {}).values():
                for console in consoles:
                    if not console.wants_snapshot:
                        console.give(fragments)
        self._give_snapshots()

    async def flush_personal(self) -> None:
        """Recompute the users' dirty personal parts, give their consoles the changed ones,
        and send the snapshots that are due."""
        dirty, self.dirty_personal = self.dirty_personal, {}
        changed = await self._compute_personal(dirty)
        for (view, user), fragments in changed.items():
            if not fragments:
                continue
            for console in self.watching.get(view, {}).get(user, ()):
                if not console.wants_snapshot:
                    console.give(fragments)
        self._give_snapshots()

    def _give_snapshots(self) -> None:
        for console in list(self.snapshots_due):
            fragments = self._all_fragments(console)
            if fragments is not None:
                self.snapshots_due.discard(console)
                console.give_snapshot(fragments)

    def _all_fragments(self, console: Console) -> dict[str, Fragment] | None:
        """Every part of the console's view, or None while one is not computed yet."""
        view = console.view
        mine = self.personal.get(console.key)
        if mine is None:
            return None
        fragments: dict[str, Fragment] = {}
        for part in view.parts:
            text = self.shared.get((view.name, part.name)) if part.shared else mine.get(part.name)
            if text is None:
                return None
            fragments[part.name] = text
        return fragments

    async def _compute_shared(self, dirty: set[Key]) -> dict[Key, Fragment]:
        """Recompute ``dirty`` shared parts; the ones whose encoded value changed."""
        wanted = [
            (view, self.views[view].by_name[name])
            for view, name in sorted(dirty)
            if view in self.watching
        ]
        if not wanted:
            return {}
        changed: dict[Key, Fragment] = {}
        async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
            await one_snapshot(session)  # the parts of one update agree with each other
            context = PartContext(session, self.runtime, None, self.runtime.clock.now())
            for view, part in wanted:
                key = (view, part.name)
                try:
                    text = encode(await part.compute(context))
                except Exception:
                    log.exception("consoles.part_failed", part=part.name)
                    if key in self.shared:
                        continue  # the last good value stays
                    text = NULL  # consoles still get their snapshot
                if view in self.watching and self.shared.get(key) != text:
                    self.shared[key] = changed[key] = text
        return changed

    async def _compute_personal(self, dirty: dict[Key, set[str]]) -> dict[Key, dict[str, Fragment]]:
        jobs = []
        for (view, user), names in dirty.items():
            consoles = self.watching.get(view, {}).get(user)
            if consoles:
                jobs.append(((view, user), next(iter(consoles)).user, names))
        changed: dict[Key, dict[str, Fragment]] = {}
        limit = asyncio.Semaphore(PARALLEL_USERS)

        async def one(key: Key, user: ConsoleUser, names: set[str]) -> None:
            async with limit:
                changed[key] = await self._compute_user(key, user, names)

        await asyncio.gather(*(one(*job) for job in jobs))
        return changed

    async def _compute_user(
        self, key: Key, user: ConsoleUser, names: set[str]
    ) -> dict[str, Fragment]:
        """Recompute ``names`` of one user's parts; the ones whose encoded value changed."""
        view = self.views[key[0]]
        before = self.personal.get(key, {})
        computed: dict[str, Fragment] = {}
        refs = dict(self.part_refs.get(key, {}))
        began, done = asyncio.get_running_loop().time(), []
        try:
            async with unit_of_work(self.runtime.sessions, self.runtime.bus) as session:
                await one_snapshot(session)
                context = PartContext(session, self.runtime, user, self.runtime.clock.now())
                for part in view.personal:
                    if part.name not in names:
                        continue
                    try:
                        value = await part.compute(context)
                    except Exception:
                        log.exception("consoles.part_failed", part=part.name, user=user.username)
                        continue
                    computed[part.name] = encode(value)
                    refs[part.name] = set(part.refs(value))
                    done.append(part.name)
        except Exception:
            log.exception("consoles.user_failed", user=user.username)
        for name in names:  # a part that never had a value shows null until it has one
            if name not in computed and name not in before and name in view.by_name:
                computed[name] = NULL
        if not self._watched(key):  # the user left while their parts were computed
            self.personal.pop(key, None)
            self.part_refs.pop(key, None)
            self.computed_at.pop(key, None)
            self._set_refs(key, set())
            return {}
        self.computed_at.setdefault(key, {}).update(dict.fromkeys(done, began))
        # Stored whole once computed: a snapshot never sees a user's parts half done.
        self.personal[key] = {**self.personal.get(key, {}), **computed}
        self.part_refs[key] = refs
        self._set_refs(key, set().union(*refs.values()))
        return {name: text for name, text in computed.items() if before.get(name) != text}

    def stale(self, key: Key) -> list[str]:
        """The user's personal parts the refresh should recompute: all but those an event had
        recomputed within half a period. Each part is still recomputed at least once every
        1.5 × ``refresh_s``; the parts of active operators, which events keep recomputing,
        are not recomputed again for nothing."""
        since = self.computed_at.get(key, {})
        now = asyncio.get_running_loop().time()
        fresh = self.refresh_s / 2
        return [
            part.name
            for part in self.views[key[0]].personal
            if now - since.get(part.name, -math.inf) >= fresh
        ]

    def _set_refs(self, key: Key, refs: set[Ref]) -> None:
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
            asyncio.create_task(
                self._flushes(self.flush_shared, self._wake_shared), name="consoles.flush_shared"
            ),
            asyncio.create_task(
                self._flushes(self.flush_personal, self._wake_personal),
                name="consoles.flush_personal",
            ),
            asyncio.create_task(self._refreshes(), name="consoles.refresh"),
            asyncio.create_task(self._ticks(), name="consoles.ticks"),
            asyncio.create_task(pacing.watch_loop(self.slow_flush_s), name="consoles.lag"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            await stop_tasks(tasks)

    async def _events(self, subscription: Subscription) -> None:
        async for event in subscription:
            pacing.note_late(event, self.slow_flush_s)
            try:
                await self.handle(event)
            except Exception:  # one bad event must not stop the consoles
                log.exception("consoles.event_failed", topic=event.topic)
            if getattr(subscription, "dropped", 0):
                # Events were lost while the hub was busy: trust nothing, recompute all.
                subscription.dropped = 0  # type: ignore[attr-defined]
                self.mark_everything()

    async def _flushes(self, flush: Callable[[], Awaitable[None]], wake: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await wake.wait()
            wake.clear()
            started = loop.time()
            marked = len(self.dirty_shared), len(self.dirty_personal)
            try:
                await flush()
            except Exception:
                log.exception("consoles.flush_failed")
            took = loop.time() - started
            if took > self.slow_flush_s:
                log.warning(
                    "consoles.flush_slow",
                    flush=getattr(flush, "__name__", "flush"),
                    seconds=round(took, 3),
                    shared_parts=marked[0],  # dirty when it began
                    users=marked[1],  # whose personal parts were dirty when it began
                    consoles=len(self.consoles),
                )
            # At most one round per interval: events meanwhile merge into the next.
            await asyncio.sleep(max(0.0, self.interval_s - (loop.time() - started)))

    async def _refreshes(self) -> None:
        """Recompute everything once per ``refresh_s``: the shared parts at the period's end,
        the users' personal parts a slice at a time over the period."""
        step = min(REFRESH_STEP_S, self.refresh_s)
        elapsed, cursor = 0.0, 0
        while True:
            await asyncio.sleep(step)
            elapsed += step
            users = sorted((view, user) for view, mine in self.watching.items() for user in mine)
            batch, cursor = refresh_slice(users, cursor, step_s=step, refresh_s=self.refresh_s)
            for key in batch:
                self.mark(self.views[key[0]], [Touch(name, key[1]) for name in self.stale(key)])
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
        due: dict[Key, float] = {}
        while True:
            await asyncio.sleep(min(every for _, _, every in timed))
            now = loop.time()
            for view, part, every in timed:
                if now < due.get((view.name, part.name), 0.0) - 0.05:  # timers may fire early
                    continue
                due[(view.name, part.name)] = now + every
                self.mark(view, [Touch(part.name)])
