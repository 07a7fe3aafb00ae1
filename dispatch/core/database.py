"""Storage: the declarative base, column types that behave alike on SQLite and PostgreSQL,
the engine with SQLite's WAL set-up, and sessions whose events go out only after commit."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import JSON, DateTime, MetaData, event, exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from dispatch.core import kept, metrics, sqlite_inline
from dispatch.core.bus import Bus, InProcessBus, take_pending_events

if TYPE_CHECKING:
    from dispatch.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON documents: JSONB on PostgreSQL (indexable), JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def server_engine(settings: Settings) -> AsyncEngine:
    """The engine of a server's or the deliverer's process: its waits on PostgreSQL bounded as
    the settings say (``db_lock_wait_s``, ``db_idle_transaction_s``)."""
    return create_engine(
        settings.database_url,
        echo=settings.db_echo,
        lock_wait_s=settings.db_lock_wait_s,
        idle_transaction_s=settings.db_idle_transaction_s,
    )


def create_engine(
    url: str, *, echo: bool = False, lock_wait_s: float = 0.0, idle_transaction_s: float = 0.0
) -> AsyncEngine:
    """Create the async engine; on SQLite make the folder, run statements inline on the event
    loop (``core/sqlite_inline.py``), use WAL and immediate transactions. On PostgreSQL a
    statement waits at most ``lock_wait_s`` for a lock (``lock_timeout``), and a transaction
    idle for ``idle_transaction_s`` is ended (``idle_in_transaction_session_timeout``); 0 keeps
    the database's own setting. SQLite's one wait, for its write lock, has its own bound
    (``sqlite_inline.LOCK_TIMEOUT_S``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # Which process a session belongs to, in pg_stat_activity and pg_locks (several server
        # processes: who waits, who leads).
        server_settings = {"application_name": f"dispatch112:{os.getpid()}"}
        for name, seconds in (
            ("lock_timeout", lock_wait_s),
            ("idle_in_transaction_session_timeout", idle_transaction_s),
        ):
            if seconds > 0:
                server_settings[name] = str(max(1, round(seconds * 1000)))  # milliseconds
        engine = create_async_engine(
            url, echo=echo, pool_size=10, connect_args={"server_settings": server_settings}
        )
        _time_statements(engine)
        _ping_when_idle(engine)
        return engine
    database = parsed.database or ""
    if not database or database == ":memory:":
        raise ValueError("SQLite needs a database file (WAL); ':memory:' is not supported")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        parsed.set(drivername="sqlite+aiosqlite"),
        echo=echo,
        module=sqlite_inline.dbapi(database),
        pool_size=10,
        max_overflow=20,
    )
    _configure_sqlite(engine)
    _time_statements(engine)
    return engine


T = TypeVar("T")
_SENT_KEY = "dispatch_statement_sent"
_IDLE_SINCE_KEY = "dispatch.idle_since"
# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection before use only when it has sat in the pool for more than
    ``PING_AFTER_IDLE_S``; one dead by then is replaced, and the request never sees it.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout, and asyncpg's ping is three round
    trips (BEGIN, an empty statement, ROLLBACK): in a surge, where connections go back and
    forth many times a second, that was three round trips more for every request, flush and
    pass of the ACD, on a process whose CPU is the bound (BENCHMARKS.md, "Fewer round trips
    per transaction"). A connection used a moment ago was alive a moment ago; if the server
    went away in between, the statement fails as it would have just after a ping: the
    connection and every other pooled one from before are replaced (SQLAlchemy invalidates
    the pool on a disconnect) and the client gets 503 with ``Retry-After`` (``refusals.py``),
    nothing half-written."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE_KEY] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE_KEY)  # none yet: connected for this checkout
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool closes this one and checks out another (three tries).
            raise exc.DisconnectionError(f"a pooled connection was lost: {error}") from error


def _time_statements(engine: AsyncEngine) -> None:
    """Each statement's time, from being sent to its answer being read, into the current
    request's tally (``Server-Timing: db``; ``core.metrics``)."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _sent(connection: Any, *_: Any) -> None:
        connection.info[_SENT_KEY] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _answered(connection: Any, *_: Any) -> None:
        sent = connection.info.pop(_SENT_KEY, None)
        if sent is not None:
            metrics.statement_took(time.perf_counter() - sent)

    @event.listens_for(engine.sync_engine, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        if context.connection is not None:
            _answered(context.connection)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # No waiting inside SQLite: the statements run on the event loop's thread, and a busy
        # BEGIN is retried asynchronously (sqlite_inline).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Immediate: a transaction that reads then writes cannot fail half-way with
        # SQLITE_BUSY; in this process writers queue on the database's asyncio lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


_AFTER_COMMIT_KEY = kept.until_commit("dispatch.after_commit")
_CONNECTION_KEY = "dispatch.plain_connection"


async def plain_connection(session: AsyncSession) -> AsyncConnection:
    """The connection of the session's current transaction (begun if none is), for the hot
    paths' plain statements built once: no ORM object stands for the rows they touch, and
    nothing pending in the session must be flushed first. Asking the session for its
    connection costs a hand-off to SQLAlchemy's synchronous side each time, so it is asked
    once per transaction and kept on the session.

    Inside a savepoint (``begin_nested``) the session is asked each time: the savepoint is
    begun on the connection only when the session is first asked for it, so the connection
    kept from before would run the statements outside the savepoint, and its rollback would
    not take them back."""
    if session.in_nested_transaction():
        return await session.connection()
    cached = session.info.get(_CONNECTION_KEY)
    if isinstance(cached, AsyncConnection) and not cached.closed and cached.in_transaction():
        return cached
    found = await session.connection()
    session.info[_CONNECTION_KEY] = found
    return found


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``session``'s transaction has committed (never after a rollback);
    for what may only be believed once stored, such as a cache of written rows."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], bus: Bus
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit, then publish its events; on error roll back and drop them."""
    async with sessions() as session:
        try:
            yield session
            # A request that touched nothing (the account came from the cache) has no
            # transaction to end; objects, audit entries or events left pending do commit.
            if session.in_transaction() or session.new or session.dirty or session.info:
                with metrics.commit_timed():
                    await session.commit()
        except BaseException:
            await session.rollback()
            take_pending_events(session)
            session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
        for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
            callback()
        for pending in take_pending_events(session):
            await bus.publish(pending)


_KEPT_ROWS_KEY = "dispatch.snapshot_rows"
_MEMO_KEY = "dispatch.snapshot_memo"


async def one_snapshot(session: AsyncSession) -> None:
    """Read the rest of this transaction from one snapshot, so that several reads making one
    picture agree: PostgreSQL's REPEATABLE READ (at READ COMMITTED each statement sees the
    newest commit, and a row read twice can differ); SQLite's transactions already are one
    snapshot. Call it before the session's first statement.

    Every row the session loads from then on is also kept until the session ends. The
    session's identity map holds rows weakly, so a row one reader read and let go (the
    operator's, for a console's state part) was read again by the next ``session.get`` of
    it (the call part, the wellbeing part): three reads of one row in each recomputation of
    a console. In one snapshot the second read could only return what the first did, so
    the kept row answers instead of a round trip."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    if _KEPT_ROWS_KEY not in session.info:
        rows: list[object] = []
        session.info[_KEPT_ROWS_KEY] = rows
        session.info[_MEMO_KEY] = {}
        event.listen(session.sync_session, "loaded_as_persistent", lambda _s, row: rows.append(row))


async def once_per_snapshot(
    session: AsyncSession, key: Hashable, read: Callable[[], Awaitable[T]]
) -> T:
    """``read()``'s answer, asked once per key in a transaction reading one snapshot
    (:func:`one_snapshot`, the consoles' rounds), a row not found included — which the
    identity map cannot keep, so a console of someone who never used the ACD read their
    missing operator row once per part. In one snapshot a second lookup could only answer the
    same. In any other transaction ``read()`` runs every time: there a second lookup may see a
    newer commit, and must."""
    memo = session.info.get(_MEMO_KEY)
    if not isinstance(memo, dict):
        return await read()
    if key not in memo:
        memo[key] = await read()
    return cast(T, memo[key])


@asynccontextmanager
async def opened_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine for a one-off command (the command line, a test's set-up), disposed after."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def one_transaction(url: str) -> AsyncIterator[AsyncSession]:
    """One unit of work on its own engine, events on an in-process bus (a one-off command)."""
    async with (
        opened_engine(url) as engine,
        unit_of_work(session_factory(engine), InProcessBus()) as session,
    ):
        yield session
