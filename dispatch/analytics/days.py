"""The places rollup counted per day (``analytics_place_days``): what the territorial report reads.

One row per kind, UTC day and group: calls by the place they were placed in (region, district,
how: by the card, by their point, a point outside every district, nowhere) and their incident
type (``call``), cards by the place on them and their type (``card``), each with its count per
UTC hour (``h00`` to ``h23``) and in all; and the same summed per region for what a card's
district placed (``creg``, ``kreg``: what a region's report counts as placed elsewhere, without
reading every district's rows). The rows of a day are recomputed from ``analytics_places``
whenever a drain changed a row of that day (``recompute``: delete the day's rows, count them
again), so two drains counting one day both leave the same rows; ``fill`` counts every day
(``analytics rebuild``).

The report asks for local days; a UTC day's hours fall into local hours whenever the zone's
offset is a whole number of hours (``runs`` cuts the period into runs of days whose hours fall
the same way: the two ends and, with summer time, its changes). Otherwise, or to narrow by a
service (routing is not in the rollup), the report counts ``analytics_places`` instead: the two
answers are the same (``tests/analytics/test_place_days.py``).
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics.facts import HourCount, Placed
from dispatch.analytics.models import (
    BY_CARD,
    BY_POINT,
    HOUR_COLUMNS,
    HOURS,
    NOWHERE,
    OUTSIDE,
    PLACE_DAYS,
)
from dispatch.analytics.models import CallPlace as P

D = PLACE_DAYS.c
CALL, CARD = "call", "card"
# Per region, what a card's district placed: calls (by their card), cards.
REGION_OF = {CALL: "creg", CARD: "kreg"}
_HOUR = timedelta(hours=1)
# Days recomputed by one statement (a bulk change touches many; the live ones touch today).
_DAYS_AT_ONCE = 31


@dataclass
class Touched:
    """The UTC days whose counts a drain changed: calls by their start, cards by creation."""

    calls: set[date] = field(default_factory=set)
    cards: set[date] = field(default_factory=set)

    def add(self, started_at: datetime | None, card_at: datetime | None) -> None:
        """Note the days one row of the places rollup counts in."""
        if started_at is not None:
            self.calls.add(started_at.astimezone(UTC).date())
        if card_at is not None:
            self.cards.add(card_at.astimezone(UTC).date())


async def touched_by(session: AsyncSession, keys: Collection[Any], into: Touched) -> None:
    """Note the days the places rows ``keys`` count in now (before they change)."""
    ordered = sorted(keys, key=str)
    for first in range(0, len(ordered), 1000):
        query = select(P.started_at, P.card_at).where(P.id.in_(ordered[first : first + 1000]))
        for started_at, card_at in (await session.execute(query)).all():
            into.add(started_at, card_at)


def _utc(session: AsyncSession, column: Any) -> tuple[Any, Any]:
    """The UTC day and hour of a timestamp column, in the session's SQL."""
    if session.get_bind().dialect.name == "postgresql":
        naive = func.timezone(literal_column("'UTC'"), column)
        return cast(naive, Date), cast(func.extract("hour", naive), Integer)
    # SQLite keeps UTC timestamps as text, 'YYYY-MM-DD HH:MM:SS...'
    return func.date(column), cast(func.strftime(literal_column("'%H'"), column), Integer)


def _counted(session: AsyncSession, kind: str) -> Any:
    """The rows of ``kind`` counted from the places rollup (every day; narrow with where)."""
    if kind == CALL:
        at = P.started_at
        region, district = P.region_code, P.district_code
        placed: Any = case(
            (and_(P.district_code.is_(None), P.located), literal_column(f"'{OUTSIDE}'")),
            (P.district_code.is_(None), literal_column(f"'{NOWHERE}'")),
            (P.card_district.is_not(None), literal_column(f"'{BY_CARD}'")),
            else_=literal_column(f"'{BY_POINT}'"),
        )
    else:
        at = P.card_at
        region, district, placed = P.card_region, P.card_district, None
    day, hour = _utc(session, at)
    keys = [day, region, district, P.incident_type, *([placed] if placed is not None else [])]
    hours = [func.sum(case((hour == h, 1), else_=0)) for h in range(HOURS)]
    query = select(
        literal_column(f"'{kind}'"), *keys, *([] if placed is not None else [null()]),
        func.count(), *hours,
    ).where(at.is_not(None)).group_by(*keys)  # fmt: skip
    return query, at


_FIELDS = (
    "kind", "day", "region_code", "district_code", "incident_type", "placed", "total",
    *HOUR_COLUMNS,
)  # fmt: skip


async def recompute(session: AsyncSession, touched: Touched) -> None:
    """Count the touched days again from the places rollup (their old rows deleted first)."""
    for kind, days in ((CALL, touched.calls), (CARD, touched.cards)):
        ordered = sorted(days)
        for first in range(0, len(ordered), _DAYS_AT_ONCE):
            chunk = ordered[first : first + _DAYS_AT_ONCE]
            await session.execute(delete(PLACE_DAYS).where(D.kind == kind, D.day.in_(chunk)))
            query, at = _counted(session, kind)
            spans = [and_(at >= start, at < end) for start, end in _spans(chunk)]
            await session.execute(insert(PLACE_DAYS).from_select(_FIELDS, query.where(or_(*spans))))
            await session.execute(
                delete(PLACE_DAYS).where(D.kind == REGION_OF[kind], D.day.in_(chunk))
            )
            await session.execute(_per_region(kind, D.day.in_(chunk)))


async def fill(session: AsyncSession) -> None:
    """Count every day again (after the places rollup was rebuilt)."""
    await session.execute(delete(PLACE_DAYS))
    for kind in (CALL, CARD):
        query, _ = _counted(session, kind)
        await session.execute(insert(PLACE_DAYS).from_select(_FIELDS, query))
        await session.execute(_per_region(kind, D.day.is_not(None)))


def _per_region(kind: str, days: Any) -> Any:
    """The statement summing ``kind``'s rows of ``days`` placed by a card's district per
    region (the ``creg``/``kreg`` rows)."""
    by_card = D.placed == BY_CARD if kind == CALL else D.district_code.is_not(None)
    keys = (D.day, D.region_code, D.incident_type)
    query = (
        select(literal_column(f"'{REGION_OF[kind]}'"), D.day, D.region_code, null(),
               D.incident_type, null(), func.sum(D.total),
               *[func.sum(D[name]) for name in HOUR_COLUMNS])
        .where(D.kind == kind, by_card, days)
        .group_by(*keys)
    )  # fmt: skip
    return insert(PLACE_DAYS).from_select(_FIELDS, query)


def _spans(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """[start, end) in UTC of each run of consecutive ``days``."""
    spans: list[tuple[datetime, datetime]] = []
    for day in sorted(days):
        start = datetime.combine(day, time(0), UTC)
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], start + timedelta(days=1))
        else:
            spans.append((start, start + timedelta(days=1)))
    return spans


@dataclass(frozen=True)
class Run:
    """Consecutive UTC days ``first``..``last`` whose hours fall alike into the local period:
    ``hours[h]`` is the local hour of UTC hour ``h``, None where it is outside the period."""

    first: date
    last: date
    hours: tuple[int | None, ...]

    def counted(self) -> Any:
        """The sum of the counted hours of a row."""
        if all(hour is not None for hour in self.hours):
            return D.total
        columns = [
            D[name] for name, hour in zip(HOUR_COLUMNS, self.hours, strict=True) if hour is not None
        ]
        return functools.reduce(operator.add, columns)


def runs(start: datetime, end: datetime, tz: ZoneInfo) -> list[Run] | None:
    """The period [start, end) as runs of UTC days, or None when an hour of the UTC day does
    not fall within one local hour (a zone half an hour off) or the period cuts one."""
    found: list[Run] = []
    day = start.astimezone(UTC).date()
    while datetime.combine(day, time(0), UTC) < end:
        hours: list[int | None] = []
        for h in range(HOURS):
            at = datetime.combine(day, time(h), UTC)
            if at + _HOUR <= start or at >= end:
                hours.append(None)
                continue
            local, last = at.astimezone(tz), (at + _HOUR - timedelta(microseconds=1)).astimezone(tz)
            if at < start or at + _HOUR > end or local.minute or last.hour != local.hour:
                return None
            hours.append(local.hour)
        if found and found[-1].hours == tuple(hours) and found[-1].last + timedelta(days=1) == day:
            found[-1] = Run(found[-1].first, day, found[-1].hours)
        else:
            found.append(Run(day, day, tuple(hours)))
        day += timedelta(days=1)
    return found


def _region_parts(region: str | None, unplaced: Any) -> list[Any]:
    """The rows a region's report reads, in two parts each an index reads: the region's, and
    the ones with no district (``unplaced`` of them) placed in no other region; every row
    without a region."""
    if region is None:
        return [true()]
    other = D.region_code.is_(None) | (D.region_code != region)
    return [D.region_code == region, D.district_code.is_(None) & unplaced & other]


def _of(kind: str, run: Run, incident_type: str | None) -> list[Any]:
    conditions = [D.kind == kind, D.day >= run.first, D.day <= run.last]
    if incident_type is not None:
        conditions.append(D.incident_type == incident_type)
    return conditions


async def placed_calls(
    session: AsyncSession, periods: list[Run], *, region: str | None, incident_type: str | None
) -> tuple[list[HourCount], int]:
    """As ``sources.placed_calls`` counts them for the territory, from the days' rows."""
    counted: Counter[tuple[str | None, str | None, int]] = Counter()
    elsewhere = 0
    keys = (D.region_code, D.district_code)
    for run in periods:
        included = [
            (D[name], hour)
            for name, hour in zip(HOUR_COLUMNS, run.hours, strict=True)
            if hour is not None
        ]
        query = select(*keys, *[func.sum(column) for column, _ in included]).where(
            *_of(CALL, run, incident_type)
        )
        for part in _region_parts(region, D.placed == OUTSIDE):
            for row in (await session.execute(query.where(part).group_by(*keys))).all():
                for (_, hour), count in zip(included, row[2:], strict=True):
                    if count:
                        counted[(row[0], row[1], hour)] += int(count)
        if region is not None:
            query = select(func.sum(run.counted())).where(
                *_of(REGION_OF[CALL], run, incident_type), D.region_code != region
            )
            elsewhere += int(await session.scalar(query) or 0)
    return [HourCount(*key, count) for key, count in counted.items()], elsewhere


async def placed_cards(
    session: AsyncSession,
    periods: list[Run],
    start: datetime,
    *,
    region: str | None,
    incident_type: str | None,
) -> tuple[list[tuple[Placed, int]], int]:
    """As ``sources.placed_cards`` counts them for the territory, from the days' rows."""
    counted: Counter[tuple[str | None, str | None, str | None]] = Counter()
    elsewhere = 0
    keys = (D.region_code, D.district_code, D.incident_type)
    for run in periods:
        query = select(*keys, func.sum(run.counted())).where(*_of(CARD, run, incident_type))
        for part in _region_parts(region, true()):
            for place, district, kind, count in (
                await session.execute(query.where(part).group_by(*keys))
            ).all():
                if count:
                    counted[(place, district, kind)] += int(count)
        if region is not None:
            query = select(func.sum(run.counted())).where(
                *_of(REGION_OF[CARD], run, incident_type), D.region_code != region
            )
            elsewhere += int(await session.scalar(query) or 0)
    placed = [(Placed(start, *key), count) for key, count in counted.items()]
    return placed, elsewhere
