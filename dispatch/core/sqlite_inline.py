"""SQLite for the async engine without a thread per connection: the connection object that
SQLAlchemy's aiosqlite dialect drives, running each statement at once on the event loop's
thread, and one asyncio lock per database file that write transactions queue on.

Why: aiosqlite runs every cursor call on a thread of its own and wakes the event loop for each
answer. A statement of this product takes SQLite tens of microseconds; the hand-offs around it
(three to five per statement) cost the server ten times that (measured: see BENCHMARKS.md,
"A simulated day"). Running SQLite inline is safe because nothing here waits inside SQLite:

- Every transaction starts with ``BEGIN IMMEDIATE`` (``core/database.py``). Before issuing it a
  connection takes the database's asyncio lock, and gives it back at ``COMMIT``/``ROLLBACK``,
  so two transactions of this process never meet inside SQLite; the next one gets the lock
  the moment the last one ends (no busy-handler sleeping). A transaction that waits longer
  than ``LOCK_TIMEOUT_S`` for the lock fails with SQLite's own "database is locked".
- Another process (a CLI command, a second server in a test) may hold SQLite's write lock.
  SQLite's busy timeout is zero here, so ``BEGIN IMMEDIATE`` answers "busy" at once and is
  tried again after an asyncio sleep (the event loop keeps serving) until the same deadline.
  Inside a transaction begun this way, WAL mode makes nothing else wait.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

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


class _Queue:
    """What SQLAlchemy's adapter puts work on (``_tx.put_nowait((future, fn))``): run it now."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting side, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineCursor:
    """A sqlite3 cursor behind aiosqlite's awaitable cursor API."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        """The DBAPI description of the last statement."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows ``fetchmany`` returns by default."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement (``BEGIN`` takes the database's lock first)."""
        if _is_begin(sql):
            await self._connection.begin(sql)
            return self
        try:
            self._cursor.execute(sql, parameters)
        finally:
            self._connection.settle()
        return self

    async def executemany(self, sql: str, rows: Iterable[Any]) -> InlineCursor:
        """Run one statement for each parameter set."""
        self._cursor.executemany(sql, rows)
        return self

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Release the cursor."""
        self._cursor.close()

    async def nextset(self) -> None:
        """SQLite has one result set per statement."""
        return

    async def setinputsizes(self, *_: object) -> None:
        """Nothing to do for SQLite."""
        return


class InlineConnection:
    """A sqlite3 connection behind the part of aiosqlite's API SQLAlchemy uses, statements run
    inline, write transactions serialised by the database's asyncio lock."""

    def __init__(self, raw: sqlite3.Connection, path: str) -> None:
        self.raw: sqlite3.Connection | None = raw
        self._path = path
        self._lock = _lock_for(path)
        self._holding = False
        self._tx = _Queue(self)

    # aiosqlite's attributes SQLAlchemy's adapter reads
    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self.raw

    @property
    def _conn(self) -> sqlite3.Connection:
        if self.raw is None:
            raise ValueError("no active connection")
        return self.raw

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction handling (None: the statements we send decide)."""
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """A new cursor."""
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        """Run one statement on a new cursor."""
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        """End the transaction, keeping its work."""
        try:
            if self._conn.in_transaction:
                self._conn.commit()
        finally:
            self._release()

    async def rollback(self) -> None:
        """End the transaction, dropping its work."""
        try:
            if self.raw is not None and self.raw.in_transaction:
                self.raw.rollback()
        finally:
            self._release()

    async def close(self) -> None:
        """Close the connection (an open transaction is rolled back)."""
        if self.raw is None:
            return
        try:
            self.raw.close()
        finally:
            self.raw = None
            self._release()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self.raw is not None:
            self.raw.close()
            self.raw = None
        self._release()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function (SQLAlchemy adds REGEXP)."""
        self._conn.create_function(*args, **kwargs)

    # the database lock around write transactions
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
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    self._release()
                    raise
                if time.monotonic() >= deadline:
                    self._release()
                    raise
                await asyncio.sleep(wait)
                wait = min(wait * 2, _RETRY_MAX_S)
                continue
            return

    def settle(self) -> None:
        """After a statement: with no transaction left open (ended by SQL, or never begun),
        the lock goes back."""
        if self.raw is None or not self.raw.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            self._lock.release()


def _is_begin(sql: str) -> bool:
    return sql.lstrip()[:5].upper() == "BEGIN"


def connector(path: str) -> Callable[[], Any]:
    """The ``async_creator`` of an engine on the SQLite file ``path``."""

    async def connect() -> InlineConnection:
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        return InlineConnection(raw, path)

    return connect
