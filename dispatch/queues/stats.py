"""Queue statistics: counters per queue and 15-minute interval, kept from the queue log.

Every queue-log line that counts (enter, transfer to another queue, connect, abandon, complete,
ring-no-answer, wrap-up) adds to the counters of its queue and interval in the same transaction
(:func:`apply`); :func:`rebuild` throws the counters away and replays the whole log through the
same :func:`delta`, so both ways agree. A call counts in the interval where its wait ended
(connect or abandon). "Within T" means a wait of at most T seconds; the thresholds are the
service-level targets of every queue (so the centre-wide figure adds up over queues); after
adding a target, ``python -m dispatch queues rebuild-stats`` counts the past against it too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    Table,
    delete,
    func,
    literal_column,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from dispatch.audit import service as audit
from dispatch.core import kept
from dispatch.core.actor import Actor
from dispatch.queues.models import Queue, QueueLogEntry, QueueStat
from dispatch.queues.states import QueueEvent

INTERVAL_MINUTES = 15  # the reporting interval of call-centre statistics
COUNTERS = (
    "entered",
    "transferred",
    "answered",
    "abandoned",
    "completed",
    "ring_no_answer",
    "wrap_ups",
    "wait_sum",
    "abandon_wait_sum",
    "talk_sum",
    "wrap_sum",
)
_REPLAY_CHUNK = 5000
# The session's counters to write at its commit (:func:`apply`): (statement, values) in order.
_PENDING = "dispatch.queue_stats_pending"


@dataclass
class Delta:
    """What one queue-log line adds to its queue's counters."""

    counters: dict[str, float] = field(default_factory=dict)
    max_wait: float = 0.0
    answered_within: list[str] = field(default_factory=list)
    abandoned_within: list[str] = field(default_factory=list)


def interval_start(at: datetime) -> datetime:
    """The start of the reporting interval holding ``at`` (UTC, aligned to the hour)."""
    seconds = int(at.timestamp())
    return datetime.fromtimestamp(seconds - seconds % (INTERVAL_MINUTES * 60), UTC)


def delta(event: str, data: Mapping[str, Any], thresholds: Iterable[int]) -> Delta | None:
    """The counters a queue-log line changes, or None when it changes none."""
    kind = QueueEvent(event)
    if kind is QueueEvent.ENTER:
        return Delta({"entered": 1})
    if kind is QueueEvent.TRANSFER:
        # Out of the queue: to another queue, or out of the centre (a service's desk, a number).
        moved_out = data.get("to_queue") or data.get("to_number")
        return Delta({"transferred": 1}) if moved_out else None
    if kind is QueueEvent.RING_NO_ANSWER:
        return Delta({"ring_no_answer": 1})
    if kind is QueueEvent.COMPLETE:
        return Delta({"completed": 1, "talk_sum": float(data["talk_s"])})
    if kind is QueueEvent.WRAP_UP:
        return Delta({"wrap_ups": 1, "wrap_sum": float(data["wrap_s"])})
    if kind is QueueEvent.CONNECT:
        wait = float(data["wait_s"])
        within = [str(t) for t in thresholds if wait <= t]
        return Delta({"answered": 1, "wait_sum": wait}, max_wait=wait, answered_within=within)
    if kind is QueueEvent.ABANDON:
        wait = float(data["wait_s"])
        within = [str(t) for t in thresholds if wait <= t]
        return Delta({"abandoned": 1, "abandon_wait_sum": wait}, abandoned_within=within)
    return None


async def thresholds(session: AsyncSession) -> list[int]:
    """Every service-level threshold (seconds) of every queue, ascending, read now (the
    request path uses ``catalog.sl_thresholds``, remembered)."""
    targets = await session.scalars(select(Queue.sl_targets))
    return sorted({int(target["seconds"]) for row in targets for target in row})


def needs_thresholds(event: QueueEvent) -> bool:
    """True for the lines whose counters depend on the service-level thresholds."""
    return event in (QueueEvent.CONNECT, QueueEvent.ABANDON)


def blank(queue: str, start: datetime) -> QueueStat:
    """A row of zero counters."""
    row = QueueStat(queue=queue, interval_start=start, answered_within={}, abandoned_within={})
    for name in COUNTERS:
        setattr(row, name, 0)
    row.max_wait = 0.0
    return row


def add(row: QueueStat, change: Delta) -> None:
    """Add ``change`` to the counters of ``row``."""
    for name, amount in change.counters.items():
        setattr(row, name, (getattr(row, name) or 0) + amount)
    row.max_wait = max(row.max_wait or 0.0, change.max_wait)
    if change.answered_within:
        row.answered_within = _bump(row.answered_within, change.answered_within)
    if change.abandoned_within:
        row.abandoned_within = _bump(row.abandoned_within, change.abandoned_within)


def _bump(counts: Mapping[str, int], keys: Iterable[str]) -> dict[str, int]:
    # A new dict, so the JSON column sees the change.
    bumped = dict(counts)
    for key in keys:
        bumped[key] = bumped.get(key, 0) + 1
    return bumped


async def apply(session: AsyncSession, queue: str, at: datetime, change: Delta) -> None:
    """Add ``change`` to the counters of ``queue`` in the interval of ``at``: one statement,
    an insert of the interval's row that adds to it when it exists, run when the transaction
    commits (:func:`_write_pending`; a savepoint's rollback takes back what was kept in it,
    ``core.kept``).

    The interval's row is one per queue for a quarter of an hour: every call entering,
    answered or abandoned in that queue writes it, and the row stays locked from that write
    to the commit. Written where the line was, it held every other writer of the queue for
    the rest of the transaction (a saturated process's commonest lock wait in the surge
    benchmark); written last, for the commit alone."""
    values: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    values.update(change.counters)
    values.update(
        queue=queue,
        interval_start=interval_start(at),
        max_wait=change.max_wait,
        answered_within=dict.fromkeys(change.answered_within, 1),
        abandoned_within=dict.fromkeys(change.abandoned_within, 1),
    )
    statement = _upsert(
        session.get_bind().dialect.name,
        tuple(sorted(change.counters)),
        bool(change.max_wait),
        tuple(change.answered_within),
        tuple(change.abandoned_within),
    )
    session.info.setdefault(_PENDING, []).append((statement, values))


def _write_pending(session: Session, pending: list[tuple[Executable, dict[str, Any]]]) -> None:
    """The counters :func:`apply` kept for the commit, written just before it, in order."""
    connection = session.connection()
    for statement, values in pending:
        connection.execute(statement, values)


kept.write_at_commit(_PENDING, _write_pending)


@functools.lru_cache(maxsize=256)
def _upsert(
    dialect: str,
    counters: tuple[str, ...],
    max_wait: bool,
    answered_within: tuple[str, ...],
    abandoned_within: tuple[str, ...],
) -> Executable:
    """The statement of :func:`apply` for one kind of change, built once (the values bound)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, QueueStat.__table__)
    statement = insert(table)
    added: dict[str, Any] = {name: table.c[name] + statement.excluded[name] for name in counters}
    if max_wait:
        larger = func.greatest if dialect == "postgresql" else func.max  # SQLite: max(a, b)
        added["max_wait"] = larger(table.c.max_wait, statement.excluded.max_wait)
    for name, keys in (
        ("answered_within", answered_within),
        ("abandoned_within", abandoned_within),
    ):
        if keys:
            added[name] = _bumped(dialect, table.c[name], keys)
    return statement.on_conflict_do_update(index_elements=["queue", "interval_start"], set_=added)


def _bumped(dialect: str, column: ColumnElement[Any], keys: Iterable[str]) -> ColumnElement[Any]:
    """The JSON counts of ``column`` with each of ``keys`` one higher, in SQL."""
    # The keys are thresholds in seconds (digits, from the queues' integers): safe as literals.
    names = [str(int(key)) for key in keys]
    if dialect == "postgresql":
        pairs: list[Any] = []
        for name in names:
            current = sql_cast(column.op("->>")(literal_column(f"'{name}'")), Integer)
            pairs += [literal_column(f"'{name}'"), func.coalesce(current, 0) + 1]
        return column.op("||")(func.jsonb_build_object(*pairs))
    arguments: list[Any] = []
    for name in names:
        path: ColumnElement[str] = literal_column(f"'$.\"{name}\"'")
        arguments += [path, func.coalesce(func.json_extract(column, path), 0) + 1]
    return func.json_set(column, *arguments)


async def rebuild(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """Recompute every counter from the queue log; returns how many log lines were read."""
    limits = await thresholds(session)
    await session.execute(delete(QueueStat))
    rows: dict[tuple[str, datetime], QueueStat] = {}
    read, last_id = 0, 0
    while True:
        chunk = list(
            (
                await session.scalars(
                    select(QueueLogEntry)
                    .where(QueueLogEntry.id > last_id)
                    .order_by(QueueLogEntry.id)
                    .limit(_REPLAY_CHUNK)
                )
            ).all()
        )
        if not chunk:
            break
        for line in chunk:
            read += 1
            last_id = line.id
            change = delta(line.event, line.data, limits) if line.queue else None
            if change is None or line.queue is None:
                continue
            key = (line.queue, interval_start(line.at))
            if key not in rows:
                rows[key] = blank(*key)
            add(rows[key], change)
    session.add_all(rows.values())
    await audit.record(
        session,
        actor,
        "queue.stats.rebuild",
        "queue_stats",
        "all",
        {"log_lines": read, "rows": len(rows)},
        at=now,
    )
    return read
