"""The sealer: the server seals what it audits in the background, two sealers at once make one
chain, and only rows old enough are sealed (PostgreSQL commits out of id order)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatch.audit import seals
from dispatch.audit.sealing import Sealer, seal_up_to
from dispatch.core.clock import SystemClock
from dispatch.core.database import create_engine
from dispatch.core.settings import Settings
from dispatch.core.workers import finish
from tests.fixtures.api import running_api
from tests.fixtures.audit import add_entries, audit_ids, check
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio


async def _sealed_up_to(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        head = await seals.head(connection)
    assert head is not None
    return head.last_id


async def test_a_row_audited_through_the_api_is_sealed_and_signed(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    quick = settings.model_copy(
        update={
            "audit_seal_every_s": 0.05,
            "audit_seal_margin_s": 0.1,
            "audit_checkpoint_dir": tmp_path,
        }
    )
    async with running_api(quick) as api:
        made = await api.post(
            "/api/v1/cards", user="operator1", json={"incident": {"description": "smoke"}}
        )
        assert made.status_code == 201, made.text
        log = await api.get(f"/api/v1/audit?target_id={made.json()['id']}", user="admin")
        entry = log.json()["items"][0]["id"]

        async def sealed() -> int | None:
            last = await _sealed_up_to(engine)
            return last if last >= entry else None

        await eventually(sealed, what=f"audit row {entry} sealed by the server")
        report = await check(engine, tmp_path)
    assert report.intact, report.summary()
    assert report.vouched == report.seals >= 1


async def test_two_sealers_at_once_make_one_chain(settings: Settings, engine: AsyncEngine) -> None:
    other = create_engine(settings.database_url)
    await add_entries(engine, 30)
    writing = asyncio.Event()

    async def write() -> None:
        for _ in range(10):
            await add_entries(engine, 3)
        writing.set()

    async def seal(on: AsyncEngine) -> int:
        made = 0
        while True:
            done = writing.is_set()
            async with on.connect() as connection:
                top = await seals.top_id(connection)
            made += len(await seal_up_to(on, top, SystemClock(), batch=4))
            if done:
                return made

    try:
        _, first, second = await asyncio.gather(write(), seal(engine), seal(other))
    finally:
        await finish(other.dispose(), name="second engine dispose", within=30)
    async with engine.connect() as connection:
        numbers = (await connection.execute(text("SELECT seq FROM audit_seals ORDER BY seq"))).all()
    assert [n for (n,) in numbers] == list(range(len(numbers)))
    assert first + second == len(numbers) - 1
    report = await check(engine)
    assert report.intact, report.summary()
    assert report.rows == len(await audit_ids(engine))
    assert report.unsealed == 0


class _Time:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_row_committed_after_a_higher_id_is_sealed_in_its_place(
    engine: AsyncEngine,
) -> None:
    time = _Time()
    sealer = Sealer(engine, SystemClock(), margin_s=5.0, every_s=1.0, monotonic=time)
    slow = await engine.connect()
    try:
        await _insert_uncommitted(slow)
        await add_entries(engine, 2)  # higher ids, committed first
        assert await sealer.round() == []  # noted, not yet old enough
        time.now += 1.0
        assert await sealer.round() == []
        await slow.commit()
    finally:
        await slow.close()
    time.now += 5.0
    made = await sealer.round()
    assert made
    assert made[-1].last_id == (await audit_ids(engine))[-1]
    report = await check(engine)
    assert report.intact, report.summary()
    assert "slow" in await _actors(engine)


async def _insert_uncommitted(slow: AsyncConnection) -> None:
    """An audit row by ``slow``, whose transaction stays open (its id drawn, not committed)."""
    await slow.execute(
        text(
            "INSERT INTO audit_log (at, actor, role, action, target_type, target_id, detail)"
            " VALUES (now(), 'slow', 'operator', 'x', 'x', 'x', '{}')"
        )
    )


async def _actors(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(text("SELECT actor FROM audit_log"))).scalars())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_without_the_margin_a_late_commit_would_look_inserted(engine: AsyncEngine) -> None:
    """Why the margin exists: sealing past an id whose transaction has not committed yet."""
    sealer = Sealer(engine, SystemClock(), margin_s=0.0, every_s=1.0)
    slow = await engine.connect()
    try:
        await _insert_uncommitted(slow)
        await add_entries(engine, 2)
        assert await sealer.round()
        await slow.commit()
    finally:
        await slow.close()
    report = await check(engine)
    assert report.finding is not None
    assert report.finding.kind == "inserted"
