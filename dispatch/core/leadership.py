"""Singletons across server processes: the background work the centre runs once, whichever
process runs it (the ACD with its timers and callback dialler, webhook delivery, the feeds'
Redis mirror, the audit sealer, the protocol flusher, the survey sender, the places drainer).

Each singleton is led by the process holding its PostgreSQL advisory lock; leadership never
depends on Redis and there is no consensus of our own:

- Each process keeps one connection of its own (autocommit, so never idle in a transaction)
  on which, every ``CHECK_S``, it tries to take the session-level lock of each singleton it
  does not lead (``pg_try_advisory_lock``) and, when it leads one, checks the connection
  (``SELECT 1``), each round bounded by ``ROUND_TIMEOUT_S``.
- A process that dies loses its connection and with it its locks: PostgreSQL frees them as the
  socket closes (at once for a killed process; for a machine that vanished when the session's
  TCP keepalives give up, ``KEEPALIVES``, about 4 s), and a follower takes over at its next round.
  A process alive but stopped (frozen, its event loop stuck) sends nothing: PostgreSQL ends its
  session once idle for ``stall_s`` (``idle_session_timeout``), with the same effect; when it
  runs again its next round fails, and it stands down as below.
- A leader whose connection fails or stalls stops its singletons and closes the connection
  (freeing any lock it still had) before it tries again. Until it notices, another process may
  already lead: every singleton is correct when two instances briefly overlap (row locks,
  per-transaction advisory locks, steps that can be repeated); leadership only keeps them from
  doing the work twice.
- On SQLite there is one process: it leads every singleton at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatch.core.logging import get_logger
from dispatch.core.workers import stop_tasks

log = get_logger(__name__)

# The first key of every singleton's advisory lock (``pg_advisory_lock(int, int)``): the
# second is the singleton's name hashed. Other advisory locks of the product use one key.
NAMESPACE = 112_112
# How often a follower tries to lead, and a leader checks its connection (wall seconds).
CHECK_S = 1.0
# A round that has not ended in this long counts as a lost connection.
ROUND_TIMEOUT_S = 2.0
# After an ended or failed singleton, wait this long before running it again.
RESTART_PAUSE_S = 1.0
# A leader's connection that sends nothing for this long is ended by PostgreSQL (its process
# is frozen or its event loop stuck), and its singletons are free for another process
# (``leader_stall_s`` in the settings; well above ``CHECK_S``).
STALL_S = 5.0
# PostgreSQL gives up on the connection of a machine that vanished after about
# idle + interval × count seconds (the session's own settings, not the server's defaults).
KEEPALIVES = {"tcp_keepalives_idle": 2, "tcp_keepalives_interval": 1, "tcp_keepalives_count": 2}

# Every lock not held yet, tried in one statement: which of ``keys`` were taken.
_TRY = text(
    "SELECT key FROM unnest(CAST(:keys AS integer[])) AS key "
    "WHERE pg_try_advisory_lock(CAST(:namespace AS integer), key)"
)


def lock_key(name: str) -> int:
    """The second key of ``name``'s advisory lock: a stable positive 31-bit hash."""
    return zlib.crc32(name.encode()) & 0x7FFF_FFFF


@dataclass
class _Lead:
    """One singleton's leadership in this process: set while led, cleared when lost."""

    name: str
    key: int
    held: asyncio.Event = field(default_factory=asyncio.Event)
    lost: asyncio.Event = field(default_factory=asyncio.Event)


class Leadership:
    """The singletons this process may lead, and the connection that holds their locks."""

    def __init__(
        self, engine: AsyncEngine, *, check_s: float = CHECK_S, stall_s: float = STALL_S
    ) -> None:
        self.engine = engine
        self.check_s = check_s
        self.stall_s = stall_s
        self.alone = engine.url.get_backend_name() == "sqlite"
        self._leads: dict[str, _Lead] = {}
        self._changed = asyncio.Event()  # a singleton was added: try it without waiting

    def leading(self) -> list[str]:
        """The singletons this process leads now, by name."""
        return sorted(name for name, lead in self._leads.items() if lead.held.is_set())

    def names(self) -> list[str]:
        """Every singleton this process runs or stands by for."""
        return sorted(self._leads)

    async def run(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        """Run ``body`` whenever this process leads ``name``, until cancelled: started when
        leadership is taken, cancelled when it is lost, started again after a pause if it
        ends or fails."""
        if name in self._leads:
            raise ValueError(f"singleton {name!r} is already run by this process")
        lead = _Lead(name, lock_key(name))
        self._leads[name] = lead
        if self.alone:
            lead.held.set()
        self._changed.set()
        try:
            while True:
                await lead.held.wait()
                log.info("leadership.taken", singleton=name)
                await self._while_led(lead, body)
        finally:
            del self._leads[name]

    async def _while_led(self, lead: _Lead, body: Callable[[], Awaitable[None]]) -> None:
        work = asyncio.ensure_future(body())
        lost = asyncio.ensure_future(lead.lost.wait())
        try:
            await asyncio.wait([work, lost], return_when=asyncio.FIRST_COMPLETED)
        finally:
            await stop_tasks([lost])
            if not work.done():
                await stop_tasks([work])
        if lead.lost.is_set():
            log.warning("leadership.lost", singleton=lead.name)
            lead.lost.clear()
            return
        error = None if work.cancelled() else work.exception()
        log.error("leadership.singleton_ended", singleton=lead.name, exc_info=error)
        await asyncio.sleep(RESTART_PAUSE_S)

    async def keep(self) -> None:
        """Take and keep the locks of the singletons, until cancelled (then every lock is
        freed with the connection). Not needed, and returns at once, on SQLite."""
        if self.alone:
            return
        while True:
            try:
                await self._hold()
            except asyncio.CancelledError:
                self._drop_all()
                raise
            except Exception as exc:  # the database is down or slow: stand down, try again
                log.warning("leadership.connection_lost", error=f"{type(exc).__name__}: {exc}")
                self._drop_all()
            await asyncio.sleep(self.check_s)

    async def _hold(self) -> None:
        connection = await self.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            # A process that stops sending (frozen, its event loop stuck) while it leads would
            # keep its locks, and the singletons with them, for as long as its socket stays
            # open: PostgreSQL ends a session idle for ``stall_s`` (a live leader checks every
            # ``check_s``), the locks go with it, and another process takes over.
            bounds = {**KEEPALIVES, "idle_session_timeout": round(self.stall_s * 1000)}
            for setting, value in bounds.items():
                await connection.execute(text(f"SET {setting} = {int(value)}"))
            while True:
                self._changed.clear()
                async with asyncio.timeout(ROUND_TIMEOUT_S):
                    await self._round(connection)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), self.check_s)
        finally:
            # Closed, never pooled: a connection that stalled may still hold locks, and
            # closing it is what frees them for the other processes.
            await asyncio.shield(_discard(connection))

    async def _round(self, connection: AsyncConnection) -> None:
        wanted = {lead.key: lead for lead in self._leads.values() if not lead.held.is_set()}
        if not wanted:
            await connection.execute(text("SELECT 1"))  # the connection holding them is alive
            return
        for key in (
            await connection.scalars(_TRY, {"keys": list(wanted), "namespace": NAMESPACE})
        ).all():
            wanted[key].held.set()

    def _drop_all(self) -> None:
        for lead in self._leads.values():
            if lead.held.is_set():
                lead.held.clear()
                lead.lost.set()


async def _discard(connection: AsyncConnection) -> None:
    try:
        await connection.invalidate()
        await connection.close()
    except Exception:  # already broken: nothing more to free
        log.debug("leadership.discard_failed", exc_info=True)


async def led_by(
    leadership: Leadership | None, name: str, body: Callable[[], Awaitable[None]]
) -> None:
    """Run ``body`` as singleton ``name`` under ``leadership``; without one (a test's runtime,
    a benchmark's worker process), simply run it."""
    if leadership is None:
        await body()
    else:
        await leadership.run(name, body)
