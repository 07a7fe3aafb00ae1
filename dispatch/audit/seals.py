"""The queries of the audit chain: the seal table and the rows as the chain reads them. The
sealer (``sealing.py``) and ``audit verify`` (``verify.py``) both read rows through
:func:`digests`, so both hash exactly the same content."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Row, Table, Text, bindparam, func, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatch.audit.chain import COLUMNS, Link, canonical, row_digest
from dispatch.audit.models import AuditEntry, AuditSeal

_LOG = cast(Table, AuditEntry.__table__)
_SEALS = cast(Table, AuditSeal.__table__)

_ROWS = (
    select(*(_LOG.c[name] for name in COLUMNS))
    .where(_LOG.c.id > bindparam("after"), _LOG.c.id <= bindparam("upto"))
    .order_by(_LOG.c.id)
    .limit(bindparam("limit"))
)
_RAW = select(*(sql_cast(_LOG.c[name], Text) for name in COLUMNS)).where(
    _LOG.c.id == bindparam("row_id")
)
_IDS = (
    select(_LOG.c.id)
    .where(_LOG.c.id > bindparam("after"), _LOG.c.id <= bindparam("upto"))
    .order_by(_LOG.c.id)
)
_TOP = select(func.coalesce(func.max(_LOG.c.id), 0))
_AFTER = select(func.count()).select_from(_LOG).where(_LOG.c.id > bindparam("after"))
_BEFORE = select(func.min(_LOG.c.id)).where(_LOG.c.id <= bindparam("upto"))
_HEAD = select(_SEALS).order_by(_SEALS.c.seq.desc()).limit(1)
_LINKS = (
    select(_SEALS)
    .where(_SEALS.c.seq > bindparam("after"))
    .order_by(_SEALS.c.seq)
    .limit(bindparam("limit"))
)
_GENESIS = select(_SEALS).where(_SEALS.c.seq == 0)
_INSERT = insert(_SEALS)
# The key of PostgreSQL's advisory transaction lock that sealers take before adding a link.
SEAL_LOCK_KEY = 0x112A_0D17
_LOCK = select(func.pg_advisory_xact_lock(bindparam("key")))


def _link(row: Row[Any]) -> Link:
    return Link(**row._asdict())


async def digests(
    connection: AsyncConnection, after: int, upto: int, limit: int
) -> list[tuple[int, bytes]]:
    """Id and digest of each row with ``after < id <= upto``, at most ``limit``, in id order.
    A row whose stored values cannot be read as their types (written around the server)
    is hashed from its raw text, so verify reports it as changed rather than failing."""
    params = {"after": after, "upto": upto, "limit": limit}
    try:
        rows = (await connection.execute(_ROWS, params)).mappings().all()
        return [(row["id"], row_digest(canonical(row))) for row in rows]
    except (ValueError, TypeError):
        pass
    ids = (await connection.execute(_IDS.limit(limit), params)).scalars().all()
    found: list[tuple[int, bytes]] = []
    for row_id in ids:
        try:
            one = {**params, "after": row_id - 1, "limit": 1}
            row = (await connection.execute(_ROWS, one)).mappings().first()
            found.append((row_id, row_digest(canonical(row or {}))))
        except (ValueError, TypeError, KeyError):
            raw = (await connection.execute(_RAW, {"row_id": row_id})).one()
            found.append((row_id, row_digest(repr(("unreadable", tuple(raw))).encode())))
    return found


async def top_id(connection: AsyncConnection) -> int:
    """The highest audit id committed (0 when the log is empty)."""
    return int((await connection.execute(_TOP)).scalar_one())


async def count_after(connection: AsyncConnection, last_id: int) -> int:
    """How many rows have ids above ``last_id`` (not sealed yet)."""
    return int((await connection.execute(_AFTER, {"after": last_id})).scalar_one())


async def first_at_or_below(connection: AsyncConnection, upto: int) -> int | None:
    """The lowest id at or below ``upto``, if any (rows before the chain's start)."""
    found = (await connection.execute(_BEFORE, {"upto": upto})).scalar_one_or_none()
    return None if found is None else int(found)


async def head(connection: AsyncConnection) -> Link | None:
    """The newest link (seal 0 on a chain that has sealed nothing yet)."""
    row = (await connection.execute(_HEAD)).first()
    return None if row is None else _link(row)


async def genesis(connection: AsyncConnection) -> Link | None:
    """Seal 0, whose random hash starts the chain and names its checkpoint file."""
    row = (await connection.execute(_GENESIS)).first()
    return None if row is None else _link(row)


async def links(connection: AsyncConnection, after_seq: int, limit: int) -> list[Link]:
    """Up to ``limit`` links after ``after_seq``, in order."""
    rows = await connection.execute(_LINKS, {"after": after_seq, "limit": limit})
    return [_link(row) for row in rows]


async def lock_chain(connection: AsyncConnection) -> None:
    """Hold the chain for this transaction against other sealers: PostgreSQL's advisory
    transaction lock (requests never take it); SQLite's immediate transaction already does."""
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK, {"key": SEAL_LOCK_KEY})


async def add(connection: AsyncConnection, link: Link) -> None:
    """Store a new link."""
    await connection.execute(_INSERT, [link.as_row()])
