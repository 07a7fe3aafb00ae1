"""Territorial analysis: calls and incidents per district of the real boundaries, calls by hour
of the local day, incidents by type; every district of the area is listed (a choropleth needs
the zeros), with its names in each language the boundaries carry.

A card is placed by the region and district on its location; a call by its card's location or,
without a card, by its own point (AML or the network) on the boundaries. What cannot be placed
is counted apart (``unplaced``). Incidents are cards (one per call until calls about one
incident are linked into one, issue 23). Counted from the places rollup's days
(``analytics.days``: per UTC day, place and incident type, by hour), so a year costs its days ×
districts × types, not its calls; narrowed by a service (or in a zone whose hours are not whole
UTC hours) from the places rollup itself (``analytics.places``), indexed by region and start.
The drill-down is ``GET /cards?district=…&created_from=…``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import days, periods, places, sources

HOURS = 24


class DistrictFigures(BaseModel):
    """One district in the period."""

    code: str
    region: str
    name: str = Field(description="in Uzbek where the boundaries have it, else English")
    names: dict[str, str]
    calls: int = 0
    calls_by_hour: list[int] = Field(
        default_factory=lambda: [0] * HOURS, description="calls by hour of the local day, 0-23"
    )
    incidents: int = 0
    incidents_by_type: dict[str, int] = {}


class Unplaced(BaseModel):
    """Calls and incidents with no district (no location, or outside every boundary)."""

    calls: int = 0
    incidents: int = 0


class TerritoryReport(BaseModel):
    """Calls and incidents per district of ``region`` (every district when none)."""

    date_from: date
    date_to: date
    timezone: str
    region: str | None
    incident_type: str | None
    service: str | None
    calls: int
    incidents: int
    districts: list[DistrictFigures]
    elsewhere: Unplaced = Field(
        description="calls and incidents placed in a district outside ``region``"
    )
    unplaced: Unplaced


async def build(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    region: str | None,
    incident_type: str | None,
    service: str | None,
    tz: ZoneInfo,
    by_days: bool = True,
) -> TerritoryReport:
    """The report; an unknown region is a 404. ``by_days`` off counts the places rollup's rows
    even where its days would do (the same answer, the days' check)."""
    start, end = periods.bounds(date_from, date_to, tz)
    areas = await sources.districts(session, region)
    figures = {
        d.code: DistrictFigures(code=d.code, region=d.region, name=d.name, names=d.names)
        for d in areas
    }
    await places.bring_up_to_date(session, await sources.boundaries(session))
    runs = days.runs(start, end, tz) if by_days and service is None else None
    if runs is not None:
        calls, calls_elsewhere = await days.placed_calls(
            session, runs, region=region, incident_type=incident_type
        )
        cards, cards_elsewhere = await days.placed_cards(
            session, runs, start, region=region, incident_type=incident_type
        )
    else:
        narrowing = sources.Narrowing(region=region, incident_type=incident_type, service=service)
        calls, calls_elsewhere = await sources.placed_calls(
            session, start, end, narrowing=narrowing, tz=tz
        )
        cards, cards_elsewhere = await sources.placed_cards(
            session, start, end, narrowing=narrowing
        )
    elsewhere = Unplaced(calls=calls_elsewhere, incidents=cards_elsewhere)
    unplaced = Unplaced()
    for hours in calls:
        place = _where(hours, figures, elsewhere, unplaced, "calls", hours.count)
        if place is not None:
            place.calls += hours.count
            place.calls_by_hour[hours.hour] += hours.count
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for card, count in cards:
        place = _where(card, figures, elsewhere, unplaced, "incidents", count)
        if place is not None:
            place.incidents += count
            kinds[place.code][card.incident_type or "unknown"] += count
    for code, counted in kinds.items():
        figures[code].incidents_by_type = dict(sorted(counted.items(), key=lambda i: -i[1]))
    return TerritoryReport(
        date_from=date_from,
        date_to=date_to,
        timezone=str(tz),
        region=region,
        incident_type=incident_type,
        service=service,
        calls=sum(hours.count for hours in calls) + calls_elsewhere,
        incidents=sum(count for _, count in cards) + cards_elsewhere,
        districts=_ordered(figures.values()),
        elsewhere=elsewhere,
        unplaced=unplaced,
    )


def _where(
    item: sources.Placed | sources.HourCount,
    figures: dict[str, DistrictFigures],
    elsewhere: Unplaced,
    unplaced: Unplaced,
    what: str,
    count: int = 1,
) -> DistrictFigures | None:
    """The district's figures to count ``item`` (``count`` times) in, or the count apart it goes
    to."""
    if item.district is None:
        setattr(unplaced, what, getattr(unplaced, what) + count)
        return None
    place = figures.get(item.district)
    if place is None:
        setattr(elsewhere, what, getattr(elsewhere, what) + count)
    return place


def _ordered(figures: Iterable[DistrictFigures]) -> list[DistrictFigures]:
    """Busiest first (calls, then incidents), then by code."""
    return sorted(figures, key=lambda f: (-f.calls, -f.incidents, f.code))
