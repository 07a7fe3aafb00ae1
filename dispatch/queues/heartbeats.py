"""Operators' console heartbeats: noted in memory, written in batches.

A console pings every 15 s; writing each ping cost a transaction per operator (500 consoles: 33
a second). Each process notes the latest ping of each operator per database (:func:`note`) and
writes the pings it holds in one statement (:func:`flush`): at most ``flush_s`` (clock time)
after the first unwritten one (:func:`flush_loop`, started with the server), and before its ACD
worker looks for silent operators (``timers.sweep``). So the stored time is never more than
``flush_s`` behind the last ping a process received, and an available operator whose console
is gone is signed out ``DISPATCH_OPERATOR_GRACE_S`` after their last ping (up to ``flush_s``
sooner when that ping went to another process, which wrote it later). A restart loses at most
``flush_s`` of pings; the consoles ping again as they reconnect.
"""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, Table, and_, bindparam, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.queues.models import Operator
from dispatch.queues.states import OperatorState

log = get_logger(__name__)
# The longest a noted ping waits to be written (clock seconds), and its share of the grace.
MAX_FLUSH_S = 5.0
GRACE_SHARE = 1 / 6

_operators = cast(Table, Operator.__table__)
# Later pings only, and nothing for someone signed out (signing in stamps the time anyway).
_WRITE = (
    update(_operators)
    .where(
        and_(
            _operators.c.username == bindparam("who"),
            _operators.c.state != OperatorState.SIGNED_OUT.value,
            or_(
                _operators.c.last_heartbeat_at.is_(None),
                _operators.c.last_heartbeat_at < bindparam("at"),
            ),
        )
    )
    .values(last_heartbeat_at=bindparam("at"))
)


class Book:
    """The pings one process received for one database and has not written yet."""

    def __init__(self) -> None:
        self.pending: dict[str, datetime] = {}
        self.noted = asyncio.Event()

    def note(self, username: str, at: datetime) -> None:
        """Remember the operator's latest ping."""
        known = self.pending.get(username)
        if known is None or known < at:
            self.pending[username] = at
        self.noted.set()

    def take(self) -> dict[str, datetime]:
        """Everything noted so far (the book is empty afterwards)."""
        taken, self.pending = self.pending, {}
        self.noted.clear()
        return taken

    def give_back(self, pings: dict[str, datetime]) -> None:
        """Pings a failed write did not store: noted again."""
        for username, at in pings.items():
            self.note(username, at)


_books: weakref.WeakKeyDictionary[Engine, Book] = weakref.WeakKeyDictionary()


def book(bind: Engine | AsyncEngine | AsyncSession) -> Book:
    """This process's book of pings for the database of ``bind``."""
    if isinstance(bind, AsyncSession):
        found = bind.get_bind()
        engine = found if isinstance(found, Engine) else found.engine
    elif isinstance(bind, AsyncEngine):
        engine = bind.sync_engine
    else:
        engine = bind
    noted = _books.get(engine)
    if noted is None:
        noted = _books[engine] = Book()
    return noted


def note(session: AsyncSession, username: str, at: datetime) -> None:
    """The operator's console is there at ``at`` (written within ``flush_s``)."""
    book(session).note(username, at)


async def flush(session: AsyncSession) -> dict[str, datetime]:
    """Write every noted ping in one statement, in the caller's transaction; the pings."""
    noted = book(session)
    pings = noted.take()
    if not pings:
        return pings
    try:
        await session.execute(_WRITE, [{"who": who, "at": at} for who, at in pings.items()])
    except BaseException:
        noted.give_back(pings)
        raise
    return pings


def flush_s(grace_s: float) -> float:
    """How long (clock seconds) a noted ping may wait to be written."""
    return min(MAX_FLUSH_S, grace_s * GRACE_SHARE)


async def flush_loop(runtime: Runtime) -> None:
    """Write the noted pings at most ``flush_s`` after the first of them; until cancelled."""
    noted = book(runtime.engine)
    scale = float(getattr(runtime.clock, "scale", 1.0))
    wait_s = flush_s(runtime.settings.operator_grace_s) / scale
    while True:
        await noted.noted.wait()
        await asyncio.sleep(wait_s)
        written: dict[str, datetime] = {}
        try:
            async with unit_of_work(runtime.sessions, runtime.bus) as session:
                written = await flush(session)
        except Exception:  # the loop outlives a failed write; its pings wait for the next
            noted.give_back(written)
            log.warning("queues.heartbeat_flush_failed", exc_info=True)
            await asyncio.sleep(1.0)
