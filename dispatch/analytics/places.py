"""The places rollup kept up to date: where and what each call and card was (``models.CallPlace``).

The database marks every call and card that changed (triggers, migration 0020) in the same
transaction as the change; before a report reads the rollup, :func:`bring_up_to_date`
recomputes the marked rows (usually a handful) with ``sources.place_rows``, the same placing as
the reports used before the rollup; :func:`rebuild` throws every row away and computes them all
(``python -m dispatch analytics rebuild``). Marks are deleted by id, so a mark written while
rows are being computed stays for the next report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import sources
from dispatch.analytics.models import CallPlace, PlaceMark
from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.geo.index import GeoIndex

_MARKS_AT_ONCE = 2000


async def bring_up_to_date(session: AsyncSession, index: GeoIndex) -> int:
    """Recompute the rows of the calls and cards marked as changed; how many marks were read."""
    last = await session.scalar(select(func.max(PlaceMark.id)))
    if last is None:
        return 0
    read, after = 0, 0
    while True:
        marks = (
            await session.execute(
                select(PlaceMark.id, PlaceMark.subject, PlaceMark.kind)
                .where(PlaceMark.id > after, PlaceMark.id <= last)
                .order_by(PlaceMark.id)
                .limit(_MARKS_AT_ONCE)
            )
        ).all()
        if not marks:
            return read
        read += len(marks)
        after = marks[-1][0]
        calls = {subject for _, subject, kind in marks if kind == "call"}
        cards = {subject for _, subject, kind in marks if kind == "card"}
        rows, gone = await sources.place_rows(session, calls, cards, index)
        if gone:
            await session.execute(delete(CallPlace).where(CallPlace.id.in_(gone)))
        await _upsert(session, rows)
        await session.execute(delete(PlaceMark).where(PlaceMark.id.in_([m[0] for m in marks])))


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Write ``rows``, replacing those with the same key (two reports may compute one row;
    both write in key order, so neither waits for the other in a circle)."""
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
    """Recompute every row from the calls and cards; how many rows."""
    await session.execute(delete(PlaceMark))
    await session.execute(delete(CallPlace))
    rows = await sources.fill_places(session, index)
    await audit.record(
        session, actor, "analytics.places.rebuild", "analytics_places", "all", {"rows": rows},
        at=now,
    )  # fmt: skip
    return rows
