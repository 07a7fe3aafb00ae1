"""The places rollup counted per day (``analytics_place_days``): its rows are the places rollup's
rows counted by hand, and the territorial report read from them is the report counted from the
places rollup itself, on a generated history across a summer-time change, for the country, a
region and an incident type, in zones whose hours fall on UTC hours (and one that does not)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch import migrations
from dispatch.analytics import days, places, sources, territory
from dispatch.analytics.models import HOUR_COLUMNS, PLACE_DAYS, CallPlace
from dispatch.calls.models import Call
from dispatch.cards.models import CardRow

pytestmark = pytest.mark.asyncio

TASHKENT, BERLIN, KOLKATA = (
    ZoneInfo(z) for z in ("Asia/Tashkent", "Europe/Berlin", "Asia/Kolkata")
)
FIRST = datetime(2025, 3, 28, tzinfo=UTC)  # Berlin moves its clocks on 30 March 2025
POINTS = [
    (39.6542, 66.9597),  # Samarkand
    (42.4619, 59.6003),  # Nukus
    (41.3111, 69.2797),  # Tashkent
    (34.5553, 69.2075),  # Kabul: outside every district
    None,
]
TYPES = ["medical.stroke", "fire.residential", "crime.theft"]


async def generated(
    engine: AsyncEngine, count: int = 240, seed: int = 27, *, drained: bool = True
) -> None:
    """Calls with and without cards and cards without calls over five days: placed by the
    card, by the call's point, outside every district, nowhere; their rows computed in the
    rollups unless ``drained`` is off (then only marked)."""
    rng = random.Random(seed)
    async with AsyncSession(engine) as session:
        areas = [(d.region, d.code) for d in await sources.districts(session, None)]
        for n in range(count):
            at = FIRST + timedelta(seconds=rng.randrange(5 * 86_400))
            call_id = None
            if rng.random() < 0.8:
                call_id = uuid.uuid4()
                point = rng.choice(POINTS)
                session.add(
                    Call(
                        id=call_id, channel="voice", caller_number=f"+99890{n:07d}",
                        language="uz", status="ended", queue="voice-uz", created_at=at,
                        created_by="gateway1", lat=point[0] if point else None,
                        lon=point[1] if point else None,
                    )
                )  # fmt: skip
                await session.flush()
                if rng.random() < 0.3:
                    continue  # a call without a card
            location: dict[str, Any] = {}
            shape = rng.random()
            region, district = rng.choice(areas)
            if shape < 0.6:
                location = {"region": {"code": region}, "district": {"code": district}}
            elif shape < 0.75:
                location = {"region": {"code": region}}
            kind = rng.choice(TYPES)
            created = at + timedelta(seconds=rng.randrange(600))
            session.add(
                CardRow(
                    id=uuid.uuid4(), number=f"PD-{n:08d}", version=1, status="closed",
                    call_id=call_id, incident_type=kind, priority=2, operator_id="operator1",
                    created_at=created, updated_at=created,
                    document={"incident": {"type": kind}, "location": location},
                )
            )  # fmt: skip
        await session.commit()
        if drained:
            assert await places.bring_up_to_date(session, await sources.boundaries(session)) > 0
            await session.commit()


def counted_by_hand(rows: list[CallPlace]) -> Counter[tuple[Any, ...]]:
    """The days' rows, counted from the places rollup's rows one by one."""
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        if row.started_at is not None:
            if row.district_code is None:
                placed = "outside" if row.located else "none"
            else:
                placed = "card" if row.card_district is not None else "point"
            at = row.started_at.astimezone(UTC)
            key = ("call", at.date(), row.region_code, row.district_code, row.incident_type)
            counts[(*key, placed, at.hour)] += 1
        if row.card_at is not None:
            at = row.card_at.astimezone(UTC)
            key = ("card", at.date(), row.card_region, row.card_district, row.incident_type)
            counts[(*key, None, at.hour)] += 1
    for (kind, day, region, district, incident, placed, hour), count in list(counts.items()):
        if (kind, placed) == ("call", "card") or (kind == "card" and district is not None):
            regional = "creg" if kind == "call" else "kreg"
            counts[(regional, day, region, None, incident, None, hour)] += count
    return counts


async def days_as_counted(session: AsyncSession) -> Counter[tuple[Any, ...]]:
    """The days' rows, shaped like :func:`counted_by_hand` (the per-region ones too); each
    row's total is its hours'."""
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in (await session.execute(select(PLACE_DAYS))).mappings():
        key = tuple(row[k] for k in ("kind", "day", "region_code", "district_code",
                                     "incident_type", "placed"))  # fmt: skip
        hours = [row[name] for name in HOUR_COLUMNS]
        assert row["total"] == sum(hours) > 0
        for hour, count in enumerate(hours):
            if count:
                counts[(*key, hour)] += count
    return counts


async def agree(session: AsyncSession) -> int:
    """The days' rows are the places rollup's rows counted by hand; how many calls and cards
    were counted."""
    rows = list((await session.execute(select(CallPlace))).scalars())
    expected = counted_by_hand(rows)
    assert await days_as_counted(session) == expected
    return sum(count for key, count in expected.items() if key[0] in ("call", "card"))


async def test_the_days_are_the_places_counted(engine: AsyncEngine) -> None:
    await generated(engine)
    async with AsyncSession(engine) as session:
        counted = await agree(session)
        kinds = set((await session.execute(select(PLACE_DAYS.c.placed))).scalars())
    assert counted > 240  # a call and its card count once each
    assert kinds == {"card", "point", "outside", "none", None}


async def test_the_migration_counts_the_places_already_there(
    engine: AsyncEngine, database_url: str
) -> None:
    """Migration 0030 fills the days from the places rollup as it stands (its own SQL)."""
    await generated(engine)
    await asyncio.to_thread(migrations.downgrade, database_url, "0029")
    await asyncio.to_thread(migrations.upgrade, database_url)
    async with AsyncSession(engine) as session:
        assert await agree(session) > 240


@pytest.mark.parametrize(
    ("zone", "date_from", "date_to"),
    [
        (TASHKENT, date(2025, 3, 28), date(2025, 4, 1)),
        (TASHKENT, date(2025, 3, 29), date(2025, 3, 29)),
        (BERLIN, date(2025, 3, 29), date(2025, 3, 31)),  # across the change to summer time
        (BERLIN, date(2025, 3, 30), date(2025, 3, 30)),
        (KOLKATA, date(2025, 3, 28), date(2025, 4, 1)),  # +05:30: counted from the places
    ],
)
async def test_the_territory_read_from_the_days_is_the_one_counted_from_the_places(
    engine: AsyncEngine, zone: ZoneInfo, date_from: date, date_to: date
) -> None:
    await generated(engine)
    async with AsyncSession(engine) as session:
        start = datetime.combine(date_from, datetime.min.time(), zone)
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), zone)
        assert (days.runs(start, end, zone) is None) == (zone is KOLKATA)
        seen = 0
        for region in (None, "UZ-SA", "UZ-TO", "UZ-QR"):
            for kind in (None, "fire.residential"):
                asked: dict[str, Any] = {
                    "region": region, "incident_type": kind, "service": None, "tz": zone,
                }  # fmt: skip
                by_days = await territory.build(session, date_from, date_to, **asked)
                by_places = await territory.build(
                    session, date_from, date_to, **asked, by_days=False
                )
                assert by_days == by_places
                seen += by_days.calls + by_days.elsewhere.calls + by_days.elsewhere.incidents
    assert seen > 0


async def test_a_period_falls_into_runs_of_days() -> None:
    start = datetime(2025, 3, 29, tzinfo=BERLIN)
    runs = days.runs(start, start + timedelta(days=3), BERLIN)
    assert runs is not None
    assert [(r.first, r.last) for r in runs] == [
        (date(2025, 3, 28), date(2025, 3, 28)),  # from 23:00 UTC (midnight in Berlin)
        (date(2025, 3, 29), date(2025, 3, 29)),  # winter time: UTC hour h is h + 1 in Berlin
        (date(2025, 3, 30), date(2025, 3, 30)),  # the clocks move at 01:00 UTC
        (date(2025, 3, 31), date(2025, 3, 31)),  # summer time, to 22:00 UTC
    ]
    assert runs[0].hours == (None,) * 23 + (0,)
    assert runs[1].hours == (*range(1, 24), 0)
    assert runs[2].hours[:3] == (1, 3, 4)
    assert runs[3].hours == (*range(2, 24), None, None)
    tashkent = datetime(2025, 1, 1, tzinfo=TASHKENT)
    year = days.runs(tashkent, datetime(2026, 1, 1, tzinfo=TASHKENT), TASHKENT)
    assert year is not None
    assert [(r.first, r.last) for r in year] == [
        (date(2024, 12, 31), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 12, 30)),
        (date(2025, 12, 31), date(2025, 12, 31)),
    ]
    assert days.runs(datetime(2025, 1, 1, tzinfo=KOLKATA), datetime(2025, 1, 2, tzinfo=KOLKATA),
                     KOLKATA) is None  # fmt: skip
