"""The places rollup (``analytics_places``): each call's and card's row agrees with placing it
directly from the call and its card, a card moved to another district moves its call, and
``rebuild`` recomputes every row. The server's background drain is off here: these are the
reports' own drain (``test_place_drain.py`` has the background's)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.analytics import places, sources
from dispatch.analytics.models import CallPlace, PlaceMark
from dispatch.calls.models import Call
from dispatch.cards.models import CardRow
from dispatch.core.settings import Settings
from tests.analytics.test_place_days import agree
from tests.analytics.test_territory import NUKUS, URL, around_today, by_code, made
from tests.cards.conftest import new_call, new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import TEST_SCRYPT_N
from tests.fixtures.processes import dispatch_env, run_cli

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The test settings, without the background drain."""
    return Settings(
        database_url=database_url,
        password_scrypt_n=TEST_SCRYPT_N,
        log_level="WARNING",
        analytics_drain_every_s=0,
    )


Row = tuple[Any, ...]


async def direct(session: AsyncSession) -> set[Row]:
    """Every call and card without a call placed from their own rows (no rollup)."""
    index = await sources.boundaries(session)
    calls = (await session.execute(select(Call))).scalars().all()
    cards = {c.call_id: c for c in (await session.execute(select(CardRow))).scalars().all()}
    placed: set[Row] = set()
    for call in calls:
        card = cards.get(call.id)
        where = (card.document.get("location") or {}) if card else {}
        region = (where.get("region") or {}).get("code")
        district = (where.get("district") or {}).get("code")
        if district is None and call.lat is not None and call.lon is not None:
            found = index.resolve(call.lat, call.lon)
            region = found.region.code if found.region else None
            district = found.district.code if found.district else None
        placed.add(
            (call.id, call.created_at, region, district, call.queue, call.operator,
             card.id if card else None, card.incident_type if card else None)
        )  # fmt: skip
    for card in (await session.execute(select(CardRow).where(CardRow.call_id.is_(None)))).scalars():
        where = card.document.get("location") or {}
        placed.add(
            (card.id, None, None, None, None, None, card.id, card.incident_type,
             (where.get("district") or {}).get("code"))
        )  # fmt: skip
    return placed


async def rolled_up(session: AsyncSession) -> set[Row]:
    """The rollup's rows, shaped like :func:`direct`'s."""
    rows = (await session.execute(select(CallPlace))).scalars().all()
    return {
        (r.id, r.started_at, r.region_code, r.district_code, r.queue, r.operator, r.card_id,
         r.incident_type)
        if r.call_id is not None
        else (r.id, None, None, None, None, None, r.card_id, r.incident_type, r.card_district)
        for r in rows
    }  # fmt: skip


async def test_the_rollup_agrees_with_placing_directly(api: Api, engine: AsyncEngine) -> None:
    await made(api)
    async with AsyncSession(engine) as session:
        assert await session.scalar(select(PlaceMark.id).limit(1)) is not None  # marked
        assert await places.bring_up_to_date(session, await sources.boundaries(session)) > 0
        await session.commit()
        assert await session.scalar(select(PlaceMark.id).limit(1)) is None  # all taken
        expected = await direct(session)
        assert await rolled_up(session) == expected
    assert len(expected) == 5  # three calls, two cards without a call
    placed = {row[3] for row in expected if row[1] is not None}
    assert None in placed
    assert len(placed) == 2


async def test_a_card_moved_to_another_district_moves_its_call(api: Api) -> None:
    call = await new_call(api, location={"lat": 39.6542, "lon": 66.9597, "radius_m": 20})
    card = await new_card(api, call_id=call["id"], incident={"type": "medical.stroke"})
    samarkand = card["location"]["district"]["code"]
    before = by_code((await api.get(f"{URL}?{around_today()}", user="analyst1")).json())
    assert before[samarkand]["calls"] == 1
    moved = await api.patch(f"/api/v1/cards/{card['id']}", user="operator1", json={
        "location": NUKUS})  # fmt: skip
    assert moved.status_code == 200, moved.text
    nukus = moved.json()["location"]["district"]["code"]
    assert nukus != samarkand
    after = by_code((await api.get(f"{URL}?{around_today()}", user="analyst1")).json())
    assert (after[samarkand]["calls"], after[nukus]["calls"]) == (0, 1)
    assert (after[samarkand]["incidents"], after[nukus]["incidents"]) == (0, 1)
    calls = await api.get(
        f"/api/v1/analytics/calls?{around_today()}&district={nukus}", user="analyst1"
    )
    assert calls.json()["total"]["offered"] == 1
    gone = await api.get(
        f"/api/v1/analytics/calls?{around_today()}&district={samarkand}", user="analyst1"
    )
    assert gone.json()["total"]["offered"] == 0


async def test_rebuild_recomputes_every_row(
    api: Api, engine: AsyncEngine, database_url: str
) -> None:
    await made(api)
    async with AsyncSession(engine) as session:
        await places.bring_up_to_date(session, await sources.boundaries(session))
        await session.commit()
        expected = await rolled_up(session)
        await session.execute(text("UPDATE analytics_places SET district_code = 'nowhere'"))
        await session.execute(text("DELETE FROM analytics_places WHERE call_id IS NULL"))
        await session.execute(text("DELETE FROM analytics_place_days WHERE kind = 'card'"))
        await session.commit()
        assert await rolled_up(session) != expected
    env = dispatch_env(DISPATCH_DATABASE_URL=database_url)
    done = await asyncio.to_thread(run_cli, ["analytics", "rebuild"], env)
    assert done.returncode == 0, done.stderr
    assert "places rebuilt: 5 call(s) and card(s)" in done.stderr
    async with AsyncSession(engine) as session:
        assert await rolled_up(session) == expected
        assert await rolled_up(session) == await direct(session)
        assert await agree(session) == 6  # three calls and three cards, each counted once
        audited = await session.scalar(
            text("SELECT count(*) FROM audit_log WHERE action = 'analytics.places.rebuild'")
        )
        assert audited == 1


async def test_the_marking_triggers_are_there_at_the_head(engine: AsyncEngine) -> None:
    """A migration that rebuilds ``calls`` or ``cards`` (SQLite's batch mode) drops them."""
    if engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%mark_places%'"
        wanted = {f"{t}_mark_places{s}" for t in ("calls", "cards") for s in ("", "_change")}
    else:
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%mark_places%'"
        )
        wanted = {
            f"{t}_mark_places{s}" for t in ("calls", "cards") for s in ("", "_gone", "_change")
        }
    async with engine.connect() as connection:
        assert set((await connection.execute(text(query))).scalars()) == wanted
