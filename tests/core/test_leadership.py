"""Singletons across processes (``core/leadership``): on PostgreSQL one process at a time runs
each, another takes over when the leader's connection goes; on SQLite the process runs it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import create_engine
from dispatch.core.leadership import NAMESPACE, Leadership, lock_key
from dispatch.core.workers import stop_tasks
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


class Process:
    """One server process's leadership and the singleton it would run, with a record of
    when its instance runs."""

    def __init__(self, name: str, engine: AsyncEngine) -> None:
        self.name = name
        self.leadership = Leadership(engine, check_s=0.2)
        self.running = False
        self.starts = 0
        self.tasks: list[asyncio.Task[None]] = []

    async def body(self) -> None:
        self.running, self.starts = True, self.starts + 1
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self.leadership.keep()),
            asyncio.create_task(self.leadership.run("test.single", self.body)),
        ]

    async def stop(self) -> None:
        await stop_tasks(self.tasks)


@contextlib.asynccontextmanager
async def processes(url: str, count: int) -> AsyncIterator[list[Process]]:
    engines = [create_engine(url) for _ in range(count)]
    started = [Process(f"p{i}", engine) for i, engine in enumerate(engines)]
    for process in started:
        process.start()
    try:
        yield started
    finally:
        for process in started:
            await process.stop()
        for engine in engines:
            await engine.dispose()


def only_leader(group: list[Process]) -> Process | None:
    running = [p for p in group if p.running]
    assert len(running) <= 1, f"two instances at once: {[p.name for p in running]}"
    return running[0] if running else None


@ON_SQLITE
async def test_alone_on_sqlite_the_process_runs_every_singleton(database_url: str) -> None:
    async with processes(database_url, 1) as (process,):
        await eventually(lambda: process.running, what="the singleton running", within=5)
        assert process.leadership.leading() == ["test.single"]


@ON_POSTGRESQL
async def test_one_process_runs_the_singleton_and_another_takes_over(
    database_url: str, engine: AsyncEngine
) -> None:
    async with processes(database_url, 3) as group:
        leader = await eventually(lambda: only_leader(group), what="a leader", within=10)
        # It stays alone: the others try every round and are refused.
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            assert only_leader(group) is leader
            await asyncio.sleep(0.05)
        held = await _holders(engine)
        assert len(held) == 1, held

        # The leader's connection goes (as when its process is killed): its instance stops,
        # another process runs the singleton within a few rounds.
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": held[0]})
            await connection.commit()
        lost = time.monotonic()
        successor = await eventually(
            lambda: next((p for p in group if p.running and p is not leader), None),
            what="another process leading",
            within=10,
        )
        assert time.monotonic() - lost < 5.0
        # The old leader stops at its next round (dispatch/core/leadership.py: until it notices,
        # another may already lead; the singletons are correct when two briefly overlap). Which
        # comes first is the rounds' phase: run 71 saw the successor start before it.
        await eventually(lambda: not leader.running, what="the old leader stopped", within=5)
        assert only_leader(group) is successor
        assert leader.leadership.leading() == []
        assert successor.leadership.leading() == ["test.single"]


@ON_POSTGRESQL
async def test_a_stopped_process_frees_its_singletons(
    database_url: str, engine: AsyncEngine
) -> None:
    async with processes(database_url, 2) as group:
        leader = await eventually(lambda: only_leader(group), what="a leader", within=10)
        await leader.stop()  # an orderly stop closes the connection holding the lock
        other = next(p for p in group if p is not leader)
        await eventually(lambda: other.running, what="the other process leading", within=5)
        assert not leader.running


async def _holders(engine: AsyncEngine) -> list[int]:
    """The backends holding the test singleton's advisory lock."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :namespace AND objid = :key"
            ),
            {"namespace": NAMESPACE, "key": lock_key("test.single")},
        )
        return [row.pid for row in rows]
