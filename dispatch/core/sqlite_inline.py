"""SQLite for the async engine without a thread per connection: the DBAPI adapter SQLAlchemy's
asyncio extension drives, running each statement at once on the event loop's thread, and one
asyncio lock per database file that write transactions queue on.

Why: aiosqlite runs every cursor call on a thread of its own and wakes the event loop for each
answer; SQLAlchemy's adapter then crosses from its greenlet to the event loop and back for
every call (cursor, execute, fetch, commit). A statement of this product takes SQLite tens of
microseconds; those hand-offs cost the server ten times that (BENCHMARKS.md, "A simulated
day"). Here the adapter calls sqlite3 directly; only ``BEGIN`` may wait, on the asyncio lock.
Running SQLite inline is safe because nothing here waits inside SQLite:

- Every transaction starts with ``BEGIN IMMEDIATE`` (``core/database.py``). Before issuing it a
  connection takes the database's asyncio lock, and gives it back at ``COMMIT``/``ROLLBACK``
  (or when the connection closes), so two transactions of this process never meet inside
  SQLite; the next one gets the lock the moment the last one ends (no busy-handler sleeping).
  A transaction that waits longer than ``LOCK_TIMEOUT_S`` for the lock fails with SQLite's own
  "database is locked".
- Another process (a CLI command, a second server in a test) may hold SQLite's write lock.
  SQLite's busy timeout is zero here, so ``BEGIN IMMEDIATE`` answers "busy" at once and is
  tried again after an asyncio sleep (the event loop keeps serving) until the same deadline.
  Inside a transaction begun this way, WAL mode makes nothing else wait.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
import weakref
from collections.abc import Generator
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

LOCK_TIMEOUT_S = 30.0
_RETRY_FIRST_S = 0.001
_RETRY_MAX_S = 0.05

# One lock per database file and event loop (a CLI command runs its own loop).
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _lock_for(path: str) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    per_loop = _locks.setdefault(loop, {})
    lock = per_loop.get(path)
    if lock is None:
        lock = per_loop[path] = asyncio.Lock()
    return lock


def _is_begin(sql: str) -> bool:
    return sql.lstrip()[:5].upper() == "BEGIN"


class _Done:
    """An awaitable that is already finished. SQLAlchemy's async connection checks that a
    statement went through the event loop (to catch sync drivers); this is that passage, at
    the cost of two greenlet switches and no wait."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield  # pragma: no cover - makes this a generator that finishes at once


_DONE = _Done()


class InlineConnection:
    """A sqlite3 connection and its hold on the database's asyncio lock."""

    def __init__(self, raw: sqlite3.Connection, path: str) -> None:
        self.raw: sqlite3.Connection | None = raw
        self._lock = _lock_for(path)
        self._holding = False

    # what SQLAlchemy's aiosqlite adapter reads of a driver connection
    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self.raw

    @property
    def _conn(self) -> sqlite3.Connection:
        if self.raw is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self.raw

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction handling (None: the statements we send decide)."""
        return self._conn.isolation_level

    async def begin(self, sql: str) -> None:
        """Take the database's lock, then begin (SQLite's own write lock, retried while
        another process holds it)."""
        if self._holding:
            self._conn.execute(sql)  # SQLite itself refuses a transaction within one
            return
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        try:
            async with asyncio.timeout(LOCK_TIMEOUT_S):
                await self._lock.acquire()
        except TimeoutError as exc:
            raise sqlite3.OperationalError("database is locked") from exc
        self._holding = True
        wait = _RETRY_FIRST_S
        while True:
            try:
                self._conn.execute(sql)
                return
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() >= deadline:
                    self.release()
                    raise
            await asyncio.sleep(wait)
            wait = min(wait * 2, _RETRY_MAX_S)

    def settle(self) -> None:
        """After a statement: with no transaction left open (ended by SQL, or never begun),
        the lock goes back."""
        if self.raw is None or not self.raw.in_transaction:
            self.release()

    def commit(self) -> None:
        """End the transaction, keeping its work."""
        try:
            if self._conn.in_transaction:
                self._conn.commit()
        finally:
            self.release()

    def rollback(self) -> None:
        """End the transaction, dropping its work."""
        try:
            if self.raw is not None and self.raw.in_transaction:
                self.raw.rollback()
        finally:
            self.release()

    def close(self) -> None:
        """Close the connection (SQLite rolls an open transaction back)."""
        try:
            if self.raw is not None:
                self.raw.close()
        finally:
            self.raw = None
            self.release()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        self.close()

    def release(self) -> None:
        """Give the database's lock back, if held."""
        if self._holding:
            self._holding = False
            self._lock.release()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's cursor adapter, with every call made at once on a sqlite3 cursor."""

    __slots__ = ()
    _awaitable_cursor_close = False  # closing is a plain call, nothing to await
    _connection: InlineConnection  # type: ignore[assignment]
    _cursor: sqlite3.Cursor  # type: ignore[assignment]

    def _make_new_cursor(self, connection: Any) -> Any:
        return connection._conn.cursor()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._connection
        try:
            if _is_begin(operation):
                await_(connection.begin(operation))
                return None
            await_(_DONE)
            try:
                if parameters is None:
                    self._cursor.execute(operation)
                else:
                    self._cursor.execute(operation, parameters)
            finally:
                connection.settle()
            if self._cursor.description:
                self._rows = collections.deque(self._cursor.fetchall())
            return None
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return self._cursor.executemany(operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class _Connection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's connection adapter over an :class:`InlineConnection`, without awaits."""

    __slots__ = ()
    _cursor_cls = _Cursor
    _connection: InlineConnection  # type: ignore[assignment]

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection._conn.isolation_level = value  # type: ignore[assignment]

    def cursor(self, server_side: bool = False) -> Any:
        return _Cursor(self)

    def create_function(self, *args: Any, **kw: Any) -> None:
        try:
            self._connection._conn.create_function(*args, **kw)
        except Exception as error:
            self._handle_exception(error)

    def rollback(self) -> None:
        try:
            self._connection.rollback()
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        try:
            self._connection.commit()
        except Exception as error:
            self._handle_exception(error)

    def close(self) -> None:
        self._connection.close()

    def terminate(self) -> None:
        self._connection.close()


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given (``module=``): connections
    are made by ``connector`` and adapted without a thread."""

    def __init__(self, path: str) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.path = path

    def connect(self, *arg: Any, **kw: Any) -> _Connection:
        raw = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
        return _Connection(self, InlineConnection(raw, self.path))  # type: ignore[arg-type]


def dbapi(path: str) -> InlineDBAPI:
    """The ``module`` of an engine on the SQLite file ``path``."""
    return InlineDBAPI(path)
