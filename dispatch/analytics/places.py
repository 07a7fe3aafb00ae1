"""The places rollup kept up to date: where and what each call and card was (``models.CallPlace``).

The database marks every call and card that changed (triggers, migration 0020) in the same
transaction as the change; the marked rows are recomputed with ``sources.place_rows`` (the same
placing as the reports used before the rollup), and the days they count in with them
(``days.recompute``), by a background task in bounded batches (:func:`drain`, ``drainer.py``)
and, for what is left, before a report reads the rollup (:func:`bring_up_to_date`), so a
report is never stale. :func:`rebuild` throws every row away and computes them all (``python
-m dispatch analytics rebuild``). Marks are deleted by id, so a mark written while rows are
being computed stays for the next drain.

Two drains never interleave: on PostgreSQL each holds a transaction-level advisory lock (the
background one gives way when it is taken), so a row computed earlier is never written over
one computed later, and a day is counted by one drain at a time; SQLite runs one writing
transaction at a time anyway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import days, sources
from dispatch.analytics.models import CallPlace, PlaceMark
from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.geo.index import GeoIndex

_MARKS_AT_ONCE = 2000
# The advisory lock a drain holds on PostgreSQL (until its transaction ends).
DRAIN_LOCK = 2_027_112


async def bring_up_to_date(session: AsyncSession, index: GeoIndex) -> int:
    """Recompute the rows of the calls and cards marked as changed (waiting for a drain
    running elsewhere to end first); how many marks were read."""
    last = await session.scalar(select(func.max(PlaceMark.id)))
    if last is None:
        return 0
    await _lock(session, wait=True)
    read = 0
    while True:
        done = await _batch(session, index, up_to=last, limit=_MARKS_AT_ONCE)
        read += done
        if done < _MARKS_AT_ONCE:
            return read


async def drain(
    session: AsyncSession,
    boundaries: Callable[[AsyncSession], Awaitable[GeoIndex]],
    *,
    limit: int,
) -> int:
    """Recompute the rows of the oldest ``limit`` marks (the background's bounded step); how
    many marks were read: 0 when none are left or another drain is running."""
    if await session.scalar(select(PlaceMark.id).limit(1)) is None:
        return 0
    if not await _lock(session, wait=False):
        return 0
    return await _batch(session, await boundaries(session), up_to=None, limit=limit)


async def _lock(session: AsyncSession, *, wait: bool) -> bool:
    """Take the drains' lock for this transaction (PostgreSQL); False when ``wait`` is off and
    another transaction holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(DRAIN_LOCK)))
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(DRAIN_LOCK))))


async def _batch(session: AsyncSession, index: GeoIndex, *, up_to: int | None, limit: int) -> int:
    """Recompute the rows of the oldest ``limit`` marks (at most ``up_to``) and the days they
    count in, then delete those marks; how many were read."""
    query = select(PlaceMark.id, PlaceMark.subject, PlaceMark.kind)
    if up_to is not None:
        query = query.where(PlaceMark.id <= up_to)
    marks = (await session.execute(query.order_by(PlaceMark.id).limit(limit))).all()
    if not marks:
        return 0
    calls = {subject for _, subject, kind in marks if kind == "call"}
    cards = {subject for _, subject, kind in marks if kind == "card"}
    rows, gone = await sources.place_rows(session, calls, cards, index)
    touched = days.Touched()
    await days.touched_by(session, [row["id"] for row in rows] + list(gone), touched)
    if gone:
        await session.execute(delete(CallPlace).where(CallPlace.id.in_(gone)))
    await _upsert(session, rows)
    for row in rows:
        touched.add(row["started_at"], row["card_at"])
    await days.recompute(session, touched)
    await session.execute(delete(PlaceMark).where(PlaceMark.id.in_([m[0] for m in marks])))
    return len(marks)


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Write ``rows``, replacing those with the same key."""
    if not rows:
        return
    rows = sorted(rows, key=lambda row: str(row["id"]))
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CallPlace)
    others = {name: statement.excluded[name] for name in sources.PLACE_FIELDS if name != "id"}
    await session.execute(
        statement.on_conflict_do_update(index_elements=[CallPlace.id], set_=others), rows
    )


async def rebuild(session: AsyncSession, actor: Actor, *, index: GeoIndex, now: datetime) -> int:
    """Recompute every row from the calls and cards, and every day; how many rows."""
    await _lock(session, wait=True)
    await session.execute(delete(PlaceMark))
    await session.execute(delete(CallPlace))
    rows = await sources.fill_places(session, index)
    await days.fill(session)
    await audit.record(
        session, actor, "analytics.places.rebuild", "analytics_places", "all", {"rows": rows},
        at=now,
    )  # fmt: skip
    return rows
