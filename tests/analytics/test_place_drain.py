"""The places rollup's marks drained in the background, in bounded batches: what the server
drains by itself agrees with placing directly, a batch takes at most its share, two drains at
once leave every row and every day counted once, and a drain that finds another running gives
way while a report waits for it and then recomputes what changed meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.analytics import places, sources
from dispatch.analytics.models import PlaceMark
from dispatch.cards.models import CardRow
from dispatch.core.settings import Settings
from tests.analytics.test_place_days import agree, generated
from tests.analytics.test_places import direct, rolled_up
from tests.analytics.test_territory import made
from tests.fixtures.api import Api
from tests.fixtures.databases import TEST_SCRYPT_N
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The server drains every 0.1 s, two marks per transaction."""
    return Settings(
        database_url=database_url,
        password_scrypt_n=TEST_SCRYPT_N,
        log_level="WARNING",
        analytics_drain_every_s=0.1,
        analytics_drain_batch=2,
    )


async def marks(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(PlaceMark)) or 0)


async def settled(engine: AsyncEngine) -> None:
    """The rollup is what placing directly gives, and its days are its rows counted."""
    async with AsyncSession(engine) as session:
        assert await rolled_up(session) == await direct(session)
        await agree(session)


async def test_the_server_drains_the_marks_by_itself(api: Api, engine: AsyncEngine) -> None:
    await made(api)  # five calls and cards without a call, each marked more than once
    await eventually(lambda: _none_left(engine), what="the marks drained in the background")
    await settled(engine)


async def _none_left(engine: AsyncEngine) -> bool:
    return await marks(engine) == 0


async def test_a_drain_takes_at_most_its_batch(engine: AsyncEngine) -> None:
    await generated(engine, count=30, drained=False)
    left = await marks(engine)
    assert left > 30
    taken = []
    while left:
        async with AsyncSession(engine) as session:
            taken.append(await places.drain(session, sources.boundaries, limit=7))
            await session.commit()
        left = await marks(engine)
    assert taken[:-1] == [7] * (len(taken) - 1)
    assert 0 < taken[-1] <= 7
    await settled(engine)


async def test_two_drains_at_once_count_everything_once(engine: AsyncEngine) -> None:
    await generated(engine, count=60, drained=False)

    async def draining(limit: int) -> int:
        async with AsyncSession(engine) as session:
            done = await places.bring_up_to_date(session, await sources.boundaries(session))
            done += await places.drain(session, sources.boundaries, limit=limit)
            await session.commit()
            return done

    await asyncio.gather(draining(5), draining(50), draining(500))
    assert await marks(engine) == 0
    await settled(engine)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: one writer
async def test_a_drain_gives_way_and_a_report_waits_for_the_one_running(
    engine: AsyncEngine,
) -> None:
    await generated(engine, count=40, drained=False)
    async with AsyncSession(engine) as first, AsyncSession(engine) as second:
        assert await places.drain(first, sources.boundaries, limit=10_000) > 0  # holds the lock
        assert await places.drain(second, sources.boundaries, limit=10_000) == 0  # gives way
        await second.rollback()
        moved = await _move_a_card(engine)  # committed while the first drain runs: marked
        report = asyncio.create_task(_report_drain(engine))
        await asyncio.sleep(0.3)
        assert not report.done()  # waiting for the first drain's lock
        await first.commit()
        assert await report >= 1  # the moved card's mark, computed after the first drain
    assert await marks(engine) == 0
    await settled(engine)
    async with AsyncSession(engine) as session:
        row = await session.get(CardRow, moved)
        assert row is not None
        assert row.document["location"]["district"]["code"] == "UZ-SA-urgut"


async def _report_drain(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        done = await places.bring_up_to_date(session, await sources.boundaries(session))
        await session.commit()
        return done


async def _move_a_card(engine: AsyncEngine) -> Any:
    """A placed card moved to Urgut, in its own transaction."""
    async with AsyncSession(engine) as session:
        card = await session.scalar(
            select(CardRow).where(CardRow.call_id.is_not(None)).order_by(CardRow.number).limit(1)
        )
        assert card is not None
        key = card.id
        place = {"region": {"code": "UZ-SA"}, "district": {"code": "UZ-SA-urgut"}}
        document = {**card.document, "location": place}
        await session.execute(update(CardRow).where(CardRow.id == key).values(document=document))
        await session.commit()
        return key
