"""The sealer: a background task of every server process that chains the committed audit rows,
in id order, into ``audit_seals`` (``chain.py``) and signs each new link into the checkpoint
file (``checkpoints.py``). Requests never wait for it: the audit insert is unchanged, and the
sealer takes no lock a request takes (on SQLite its short transactions queue like any other).

Which rows are safe to seal. On PostgreSQL a row's id is drawn at insert, just before its
transaction commits, and transactions commit out of order: a lower id may become visible after
a higher one; a rolled-back transaction leaves its ids unused for ever. So the sealer notes the
highest committed id every ``audit_seal_every_s`` and seals only up to an id it noted at least
``audit_seal_margin_s`` (wall seconds) ago: every transaction holding a lower id was then
between its insert and its commit, and has committed (or rolled back) since. Ids still empty
by then are gaps, sealed as gaps; a row that appears in one later (a transaction that took
longer than the margin to commit, or a forgery) is reported by ``audit verify`` as inserted.

Two sealers at once (several server processes): each reads the head and the rows after it,
hashes them outside any transaction, then adds its link under PostgreSQL's advisory transaction
lock (SQLite's immediate transaction serialises writers anyway) only if the head is still the
one it built on; otherwise it starts again from the new head. The seal's primary key (its
number) keeps the chain single whatever happens.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.audit import chain, seals
from dispatch.audit.checkpoints import append, checkpoint_key, checkpoint_path, signed_line
from dispatch.core.clock import Clock
from dispatch.core.leadership import led_by
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.core.workers import stop_tasks

log = get_logger(__name__)

# Rows per link: a link's hashing (a few milliseconds on the event loop) and its row stay small.
BATCH = 500


class ChainMissing(RuntimeError):
    """The seal table has no seal 0: the migration did not run, or the table was emptied."""


@dataclass(frozen=True)
class CheckpointWriter:
    """Appends a signed line for each new link to the chain's file in ``folder``."""

    folder: Path
    key: bytes

    def write(self, chain_id: str, link: chain.Link) -> None:
        """Sign ``link`` into the file; a failure is logged, the seal stays."""
        line = signed_line(self.key, "seal", chain_id, link, link.sealed_at)
        try:
            append(checkpoint_path(self.folder, chain_id), line)
        except OSError:
            log.exception("audit.checkpoint_failed", folder=str(self.folder), seq=link.seq)


def checkpoint_writer(settings: Settings) -> CheckpointWriter | None:
    """The writer the settings ask for, or None when checkpoint files are off."""
    if settings.audit_checkpoint_dir is None:
        return None
    return CheckpointWriter(settings.audit_checkpoint_dir, checkpoint_key(settings))


async def seal_up_to(
    engine: AsyncEngine,
    horizon: int,
    clock: Clock,
    writer: CheckpointWriter | None = None,
    *,
    batch: int = BATCH,
) -> list[chain.Link]:
    """Seal the committed rows up to id ``horizon`` (ids without a row are gaps) onto the
    chain, ``batch`` rows a link; returns the links this call added."""
    made: list[chain.Link] = []
    chain_id: str | None = None
    while True:
        async with engine.connect() as connection:
            previous = await seals.head(connection)
            if previous is None:
                raise ChainMissing("audit_seals has no seal 0: run `python -m dispatch migrate`")
            if previous.last_id >= horizon:
                return made
            if chain_id is None and writer is not None:
                start = await seals.genesis(connection)
                chain_id = start.hash if start is not None else None
            rows = await seals.digests(connection, previous.last_id, horizon, batch)
        if not rows:
            return made
        last_id = rows[-1][0] if len(rows) == batch else horizon
        link = chain.link(previous, rows, last_id, clock.now())
        async with engine.begin() as connection:
            await seals.lock_chain(connection)
            current = await seals.head(connection)
            if current is None or (current.seq, current.hash) != (previous.seq, previous.hash):
                continue  # another sealer went first: build on its link
            await seals.add(connection, link)
        made.append(link)
        log.debug("audit.sealed", seq=link.seq, rows=link.row_count, last_id=link.last_id)
        if writer is not None and chain_id is not None:
            writer.write(chain_id, link)
        if len(rows) < batch:
            return made


class Sealer:
    """Notes the highest committed id every round and seals up to the newest id noted at
    least ``margin_s`` ago (see the module's docstring)."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        margin_s: float,
        every_s: float,
        writer: CheckpointWriter | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.margin_s = margin_s
        self.every_s = every_s
        self.writer = writer
        self._monotonic = monotonic
        self._seen: deque[tuple[float, int]] = deque()

    async def round(self) -> list[chain.Link]:
        """One look: note the highest id, seal what is old enough; returns the new links."""
        async with self.engine.connect() as connection:
            top = await seals.top_id(connection)
        now = self._monotonic()
        self._seen.append((now, top))
        horizon: int | None = None
        while self._seen and now - self._seen[0][0] >= self.margin_s:
            horizon = self._seen.popleft()[1]
        if horizon is None:
            return []
        return await seal_up_to(self.engine, horizon, self.clock, self.writer)

    async def run(self) -> None:
        """Seal every ``every_s`` until cancelled; a failed round is logged and the next goes on."""
        while True:
            try:
                await self.round()
            except Exception:  # the sealer must outlive any single failure
                log.exception("audit.seal_failed")
            await asyncio.sleep(self.every_s)


async def note_restore(engine: AsyncEngine, folder: Path, key: bytes, at: datetime) -> str:
    """Sign into the chain's checkpoint file that this restored database continues the chain
    from its last seal (the lines of later seals, written before, describe no database now);
    returns what was done, for the operator."""
    try:
        async with engine.connect() as connection:
            start = await seals.genesis(connection)
            last = await seals.head(connection)
    except DBAPIError:
        return "audit: the restored database has no seals yet (an older backup): not noted"
    if start is None or last is None:
        return "audit: the restored database has no seal 0: not noted (`audit verify` says why)"
    path = checkpoint_path(folder, start.hash)
    append(path, signed_line(key, "restore", start.hash, last, at))
    return (
        f"audit: the restore is signed into {path}: the chain goes on from seal {last.seq} "
        f"(id {last.last_id})"
    )


@asynccontextmanager
async def audit_sealer(runtime: Runtime) -> AsyncIterator[Sealer | None]:
    """Run the sealer for the lifetime of the app (unless ``DISPATCH_AUDIT_SEALER=false``)."""
    settings = runtime.settings
    if not settings.audit_sealer:
        yield None
        return
    sealer = Sealer(
        runtime.engine,
        runtime.clock,
        margin_s=settings.audit_seal_margin_s,
        every_s=settings.audit_seal_every_s,
        writer=checkpoint_writer(settings),
    )
    task = asyncio.create_task(
        led_by(runtime.leadership, "audit.sealer", sealer.run), name="audit.sealer"
    )
    try:
        yield sealer
    finally:
        await stop_tasks([task])
