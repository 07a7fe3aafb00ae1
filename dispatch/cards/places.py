"""Where the card's incident is: region and district resolved from the point, chosen by hand,
or proposed by an automatic source (AML, network) beside what the operator confirmed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import Card, LocationSource, Place, ProposedLocation
from dispatch.core.logging import get_logger
from dispatch.errors import Invalid, NotFound
from dispatch.geo import service as geo
from dispatch.geo.index import ResolutionStatus
from dispatch.geo.service import BoundariesNotLoaded

log = get_logger(__name__)


async def resolve(
    session: AsyncSession, lat: float, lon: float, tolerance_m: float
) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """``({code, name} region, {code, name} district)`` of a point; (None, None) if unresolved."""
    try:
        found = await geo.resolve_point(session, lat, lon, tolerance_m=tolerance_m)
    except BoundariesNotLoaded:
        log.warning("cards.geo_not_loaded")
        return None, None
    if found.status is ResolutionStatus.UNRESOLVED:
        return None, None
    region = found.region.place() if found.region else None
    district = found.district.place() if found.district else None
    return region, district


async def complete_location_change(
    session: AsyncSession, changes: dict[str, Any], *, tolerance_m: float
) -> None:
    """Fill in region and district for a location change, in place.

    A district chosen by hand wins and brings its region; a new point is resolved at once
    (an unresolved point clears them, for the operator to choose); a region alone is checked.
    """
    location = changes.get("location")
    if not isinstance(location, dict):
        return
    district = location.get("district")
    region = location.get("region")
    if isinstance(district, dict):
        try:
            row = await geo.get_district(session, district["code"])
        except NotFound as exc:
            raise Invalid(exc.message) from exc
        location["district"] = {"code": row.code, "name": row.name}
        area = await geo.get_region(session, row.region_code)
        location["region"] = {"code": area.code, "name": area.name}
        return
    if isinstance(region, dict):
        try:
            area = await geo.get_region(session, region["code"])
        except NotFound as exc:
            raise Invalid(exc.message) from exc
        location["region"] = {"code": area.code, "name": area.name}
        if "district" not in location:
            location["district"] = None
        return
    if location.get("lat") is not None and location.get("lon") is not None:
        found_region, found_district = await resolve(
            session, location["lat"], location["lon"], tolerance_m
        )
        location.setdefault("region", found_region)
        location.setdefault("district", found_district)


async def automatic_location_change(
    session: AsyncSession,
    card: Card,
    *,
    lat: float,
    lon: float,
    radius_m: float | None,
    source: LocationSource,
    method: str | None,
    positioned_at: Any,
    received_at: Any,
    tolerance_m: float,
) -> dict[str, Any]:
    """The change an automatic position makes: the location itself, or — when the operator
    confirmed theirs — a proposal shown beside it, never silently replacing it."""
    region, district = await resolve(session, lat, lon, tolerance_m)
    if card.location.confirmed:
        proposal = ProposedLocation(
            lat=lat,
            lon=lon,
            radius_m=radius_m,
            source=source,
            received_at=received_at,
            positioned_at=positioned_at,
            method=method[:32] if method else None,
            region=Place(**region) if region else None,
            district=Place(**district) if district else None,
        )
        return {"proposed_location": proposal}
    return {
        "location": {
            "lat": lat,
            "lon": lon,
            "radius_m": radius_m,
            "source": source.value,
            "confirmed": False,
            "region": region,
            "district": district,
        }
    }
